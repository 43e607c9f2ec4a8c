"""``ResponsePredictor``: score new patients with a trained bundle."""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from predict.cohort._contract import (
    MODALITY_PREFIXES,
    NOT_INPUT,
    PATH_COLUMNS,
    modality_of,
)
from predict.cohort._record import parse_records
from predict.cohort._timepoint import TimePoint, card_texts
from predict.exceptions import HarmonizationWarning, UsageError
from predict.models import unwrap_calibrated
from predict.scoring._bundle import Bundle, load_bundle
from predict.scoring._explain import contributions_of, scores_and_contributions
from predict.scoring._fast import FastFeatures
from predict.scoring._ignored import left_out_limitations, warn_ignored
from predict.scoring._input import read_input
from predict.scoring._lacking import FeatureInputs, top_reasons

__all__ = ["ResponsePredictor", "load_model"]


#: Inputs up to this many patients try the cell-by-cell path first.
_FAST_ROWS = 16

_MODALITY_LABELS = {
    "tms_eeg": "TMS-EEG",
    "tms_emg": "TMS-EMG",
    "rest_eeg": "resting EEG",
    "connectivity": "connectivity",
    "bdnf": "BDNF",
    "mri": "structural MRI",
}


def load_model(
    source: str | Path, *, coverage: float = 0.9, key: str | bytes | None = None
) -> ResponsePredictor:
    """Load a trained model for scoring.

    Parameters
    ----------
    source : str or path-like
        A bundle folder (``models/default``), or an MLflow URI
        (``models:/rtms-default/1``, ``runs:/<run id>/model``) resolved with the
        current tracking URI.
    coverage : float, default=0.9
        Coverage of the conformal uncertainty statement.
    key : str, bytes or None, default=None
        When given, the bundle's manifest must be signed with it (the command
        line passes ``$RTMS_BUNDLE_KEY``). The manifest's digests are checked
        in any case.

    Returns
    -------
    model : ResponsePredictor

    Raises
    ------
    BundleError
        When the bundle differs from its manifest or holds malformed files.
    """
    text = str(source)
    if text.startswith(("models:/", "runs:/")):
        import mlflow.artifacts

        source = mlflow.artifacts.download_artifacts(artifact_uri=text)
    return ResponsePredictor(load_bundle(source, key=key), coverage=coverage)


def _harmonizer(model: Any) -> Any:
    """Return the fitted ComBat step of a bundle's model, or None."""
    features = unwrap_calibrated(model).steps[0][1]
    return getattr(features, "named_steps", {}).get("harmonize")


class ResponsePredictor:
    """Scores new patients: calibrated probability, uncertainty, reasons, warnings.

    Parameters
    ----------
    bundle : Bundle
        From :func:`predict.scoring.load_bundle`.
    coverage : float, default=0.9
        Coverage of the split-conformal statement, computed from the training
        run's out-of-fold predictions (each patient once, first repeat).

    Attributes
    ----------
    metadata : dict
        The bundle's metadata (metrics, threshold, training ranges, config).
    threshold : float or None
        Decision threshold of the predicted class.
    conformal_quantile_ : float
        Non-conformity quantile at ``coverage`` (1 - p of the true class for
        binary targets, the absolute residual for percent change); infinite
        for a bundle without out-of-fold predictions, so every patient's
        ``conformal_set`` is ``"either"`` and intervals are unbounded.
    """

    def __init__(self, bundle: Bundle, *, coverage: float = 0.9) -> None:
        if not 0 < coverage < 1:
            raise UsageError(f"coverage must be in (0, 1), got {coverage}.")
        self.bundle = bundle
        self.coverage = coverage
        self.metadata = bundle.metadata
        self.task = str(bundle.metadata["task"])
        self.threshold = bundle.metadata.get("threshold")
        self.conformal_quantile_ = self._conformal_quantile()
        self._fast = FastFeatures.of(bundle.model)
        names = unwrap_calibrated(bundle.model).steps[0][1].get_feature_names_out()
        self._inputs = FeatureInputs.of(bundle.model, len(names))

    def __repr__(self) -> str:
        return (
            f"ResponsePredictor(name={self.metadata.get('name')!r}, "
            f"target={self.metadata.get('target')!r}, coverage={self.coverage})"
        )

    # -- conformal uncertainty ---------------------------------------------
    def _conformal_quantile(self) -> float:
        oof = self.bundle.oof
        if oof.empty:  # nothing to calibrate on: the statement excludes nothing
            return float("inf")
        oof = oof[oof["repeat"] == oof["repeat"].min()]
        y = oof["y_true"].to_numpy(dtype=float)
        if self.task == "binary":
            p = oof["y_prob"].to_numpy(dtype=float)
            scores = np.where(y == 1, 1 - p, p)
        else:
            scores = np.abs(y - oof["y_pred"].to_numpy(dtype=float))
        n = len(scores)
        level = min(1.0, math.ceil((n + 1) * self.coverage) / n)
        return float(np.quantile(scores, level, method="higher"))

    def _uncertainty(self, values: np.ndarray) -> dict[str, np.ndarray]:
        q = self.conformal_quantile_
        if self.task == "binary":
            yes = (1 - values) <= q
            no = values <= q
            labels = np.select(
                [yes & no, yes, no], ["either", "responder", "non-responder"], "neither"
            )
            return {"conformal_set": labels}
        return {"interval_low": values - q, "interval_high": values + q}

    # -- input ---------------------------------------------------------------
    def _records(self, data: Any) -> tuple[list[str], dict[str, np.ndarray]] | None:
        """Parse a few clean records without pandas, ``None`` to take the full path."""
        if self._fast is None:
            return None
        if isinstance(data, Mapping):
            if any(isinstance(v, pd.Series | pd.Index) for v in data.values()):
                return None  # aligned by index on the full path
            columns = {k: [v] if np.ndim(v) == 0 else list(v) for k, v in data.items()}
        elif (
            isinstance(data, pd.DataFrame)
            and 0 < len(data) <= _FAST_ROWS
            and data.columns.is_unique
        ):
            cells = data.to_numpy(dtype=object)
            columns = {c: list(cells[:, j]) for j, c in enumerate(data.columns)}
            if data.index.name == "patient_id" and "patient_id" not in columns:
                columns["patient_id"] = list(data.index)
        else:
            return None
        parsed = parse_records(columns, skip=NOT_INPUT)
        if parsed is not None and any(
            c in PATH_COLUMNS and not pd.isna(parsed[1][c]).all() for c in parsed[1]
        ):
            return None  # raw files are read on the full path
        return parsed

    def _warnings(
        self,
        columns: Mapping[str, np.ndarray],
        ids: Sequence[str],
        notes: Mapping[str, list[str]] | None = None,
        *,
        frame: pd.DataFrame | None = None,
    ) -> list[str]:
        meta, n = self.metadata, len(ids)
        per_patient: list[list[str]] = [list((notes or {}).get(i, [])) for i in ids]
        for modality in meta.get("modalities", []):
            if modality not in MODALITY_PREFIXES:
                continue
            present = np.zeros(n, dtype=bool)
            for column, values in columns.items():
                if modality_of(column) == modality:
                    present |= ~pd.isna(values)
            for i in np.flatnonzero(~present):
                per_patient[i].append(
                    f"no {_MODALITY_LABELS[modality]} markers (scored as missing)"
                )
        for mine, clinical in zip(
            per_patient, self._inputs.clinical_warnings(columns, n), strict=True
        ):
            mine.extend(clinical)
        for column, (low, high) in meta.get("training_ranges", {}).items():
            if column not in columns:
                continue
            values = np.asarray(columns[column], dtype=float)
            for i in np.flatnonzero((values < low) | (values > high)):
                per_patient[i].append(
                    f"{column} = {values[i]:g} outside the training range "
                    f"{low:g} to {high:g}"
                )
        harmonizer = _harmonizer(self.bundle.model)
        if harmonizer is not None and frame is not None:
            for row, note in enumerate(harmonizer.notes(frame)):
                if note:
                    per_patient[row].append(note)
        sites = set(meta.get("sites", []))
        if sites and "site" in columns:
            for row, site in enumerate(columns["site"]):
                if isinstance(site, str) and site not in sites:
                    seen = f"site '{site}' not seen in training"
                    if not any(w.startswith(seen) for w in per_patient[row]):
                        per_patient[row].append(seen)
        return ["; ".join(w) for w in per_patient]

    def _scores(
        self,
        index: pd.Index,
        values: np.ndarray,
        contrib: np.ndarray,
        lacking: np.ndarray,
        names: list[str],
        unit: str,
        warnings: list[str],
        top: int,
    ) -> pd.DataFrame:
        """Assemble the output of :meth:`predict`."""
        name = "p_response" if self.task == "binary" else "predicted_pct_change"
        out: dict[str, Any] = {name: values}
        out.update(self._uncertainty(values))
        if self.task == "binary" and self.threshold is not None:
            out["predicted_response"] = (values >= self.threshold).astype(int)
        out["top_features"] = top_reasons(contrib, lacking, names, top)
        out["contribution_unit"] = unit
        out["warnings"] = warnings
        return pd.DataFrame(out, index=index)

    # -- public API ----------------------------------------------------------
    @property
    def time_point(self) -> TimePoint | None:
        """When the model predicts (``None``: at baseline, from baseline only)."""
        saved = self.metadata.get("predict_at")
        return None if saved is None else TimePoint.from_dict(saved)

    def predict(
        self,
        data: Any,
        *,
        visits: Any = None,
        top: int = 3,
        data_root: str | Path | None = None,
    ) -> pd.DataFrame:
        """Score patients.

        Parameters
        ----------
        data : pandas.DataFrame or path
            Patients in the cohort contract's columns; outcome columns are
            ignored and bad input raises the contract's ``CohortError``.
        visits : pandas.DataFrame, path or None, default=None
            The patients' visits, for a model trained with ``predict_at``:
            only visits up to its time point are used. A patient without the
            visit it needs is scored with those features missing, and its
            ``warnings`` name the visit.
        top : int, default=3
            Number of contributing features listed per patient.
        data_root : str, path-like or None, default=None
            Folder the files named by path columns must stay inside (the
            table's folder for a file, the working directory for a DataFrame
            when ``None``); paths leading out are refused.

        Returns
        -------
        scores : pandas.DataFrame
            Indexed by ``patient_id``: ``p_response`` (calibrated probability;
            ``predicted_pct_change`` for a % change model), the conformal
            statement at :attr:`coverage` (``conformal_set``: responder,
            non-responder or either; ``interval_low``/``interval_high`` for %
            change), ``predicted_response`` at the bundle's threshold,
            ``top_features`` (signed contributions) and ``warnings``.
        """
        records = self._records(data) if self.time_point is None else None
        if records is not None and self._fast is not None:
            ids, parsed = records
            warn_ignored(self.metadata, parsed)
            pipeline = self.bundle.model
            built = self._fast.build(parsed, len(ids))
            values, contrib, unit = scores_and_contributions(
                pipeline, built, self._fast.names, self.task
            )
            index = pd.Index(np.asarray(ids, dtype=str), name="patient_id")
            warnings_ = self._warnings(parsed, ids)
            lacking = self._inputs.lacking(parsed, built)
            return self._scores(
                index, values, contrib, lacking, self._fast.names, unit, warnings_, top
            )
        frame, notes = read_input(data, self.metadata, visits, data_root=data_root)
        model = self.bundle.model
        with warnings.catch_warnings():
            # Unharmonised patients are named in the ``warnings`` column instead.
            warnings.simplefilter("ignore", HarmonizationWarning)
            pipeline = unwrap_calibrated(model)
            matrix, names = self._built(frame)
            if pipeline is model:  # features built once for scores and reasons
                values, contrib, unit = scores_and_contributions(
                    pipeline, matrix, names, self.task
                )
            else:  # calibrated: the calibrator's probability
                values = np.asarray(model.predict_proba(frame)[:, 1], dtype=float)
                contrib, unit = contributions_of(pipeline, matrix, names, self.task)
        columns = {c: frame[c].to_numpy() for c in frame.columns}
        warnings_ = self._warnings(columns, list(frame.index), notes, frame=frame)
        return self._scores(
            frame.index,
            values,
            contrib,
            self._inputs.lacking(columns, matrix),
            names,
            unit,
            warnings_,
            top,
        )

    def _built(self, frame: pd.DataFrame) -> tuple[np.ndarray, list[str]]:
        """Return the features step's output for ``frame`` and the feature names."""
        features = unwrap_calibrated(self.bundle.model).steps[0][1]
        built = np.asarray(features.transform(frame), dtype=float)
        return built, [str(n) for n in features.get_feature_names_out()]

    def _contributions(
        self, frame: pd.DataFrame
    ) -> tuple[pd.DataFrame, str, pd.DataFrame]:
        """Contributions per patient and feature, with the built features."""
        built, names = self._built(frame)
        pipeline = unwrap_calibrated(self.bundle.model)
        values, unit = contributions_of(pipeline, built, names, self.task)
        table = pd.DataFrame(values, index=frame.index, columns=names)
        return table, unit, pd.DataFrame(built, index=frame.index, columns=names)

    def explain(
        self, data: Any, *, visits: Any = None, data_root: str | Path | None = None
    ) -> pd.DataFrame:
        """Return every patient's full contribution breakdown.

        Parameters
        ----------
        data : pandas.DataFrame or path
            Patients, as for :meth:`predict`.
        visits : pandas.DataFrame, path or None, default=None
            Their visits, as for :meth:`predict`.
        data_root : str, path-like or None, default=None
            As for :meth:`predict`.

        Returns
        -------
        explanation : pandas.DataFrame
            Long format: ``patient_id``, ``feature``, ``value`` (the feature
            as built), ``contribution``, ``unit`` and ``missing`` (True when
            the patient lacks the feature: its value is imputed, or it is
            built from an input the patient does not have, such as a one-hot
            level of a missing protocol; its contribution is the model's
            view of an average patient, not a reason). Per patient the
            features it has come first, largest contribution first, then
            the missing ones.
        """
        frame, _ = read_input(data, self.metadata, visits, data_root=data_root)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", HarmonizationWarning)  # see predict()
            table, unit, built = self._contributions(frame)
        columns = {c: frame[c].to_numpy() for c in frame.columns}
        lacking = pd.DataFrame(
            self._inputs.lacking(columns, built.to_numpy()),
            index=built.index,
            columns=built.columns,
        )
        long = table.stack().rename("contribution").to_frame()
        long["value"] = built.stack(future_stack=True).reindex(long.index)
        long["unit"] = unit
        long["missing"] = lacking.stack().reindex(long.index).astype(bool)
        long.index.names = ["patient_id", "feature"]
        long = long.reset_index()
        long["order"] = -long["contribution"].abs()
        long = long.sort_values(["patient_id", "missing", "order"], kind="stable")
        return long.drop(columns="order").reset_index(drop=True)

    def card(self) -> dict[str, Any]:
        """Return the model card: data, performance, calibration, use, limits."""
        meta = self.metadata
        oof = self.bundle.oof
        metrics = meta.get("metrics", {})
        when, when_used = card_texts(self.time_point)
        card: dict[str, Any] = {
            "name": meta.get("name"),
            "prediction_time": when,
            "target": meta.get("target"),
            "model": meta.get("config", {}).get("model", {}).get("name"),
            "package_version": meta.get("package_version"),
            "training_data": {
                "n_patients": meta.get("n_patients"),
                "n_excluded": meta.get("n_excluded"),
                "sites": meta.get("sites"),
                "modalities": meta.get("modalities"),
                "features": meta.get("features"),
                "primary_scale": meta.get("primary_scale"),
                "outcome_rate": float(oof["y_true"].mean()) if len(oof) else None,
                "fingerprint": meta.get("fingerprint"),
            },
            "cross_validated_metrics": metrics,
            "permutation_p": meta.get("permutation_p"),
            "threshold": meta.get("threshold"),
            "calibration": {
                k: metrics.get(k)
                for k in ("calibration_intercept", "calibration_slope")
            },
            "conformal": {
                "coverage": self.coverage,
                "quantile": self.conformal_quantile_,
            },
            "intended_use": (
                f"Research use: to estimate, {when_used}, in cohorts like the "
                "training cohort. Not a medical device; not for treatment decisions "
                "on its own."
            ),
            "limitations": [
                "Performance is estimated by nested cross-validation on the training "
                "cohort; it is not an external validation.",
                "Patients from sites, protocols or marker ranges not seen in training "
                "are flagged; their scores are extrapolations.",
                "Missing modalities are scored as missing, which lowers the "
                "information the score is based on.",
            ],
        }
        card["limitations"].extend(left_out_limitations(meta))
        if self.task == "binary" and len(oof):
            from predict.evaluation import decision_curve

            first = oof[oof["repeat"] == oof["repeat"].min()]
            card["decision_curve"] = decision_curve(
                first["y_true"].to_numpy(), first["y_prob"].to_numpy()
            ).to_dict(orient="list")
        return card
