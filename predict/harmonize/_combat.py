"""ComBat harmonisation of the marker columns, one model per modality.

The empirical-Bayes estimation is neuroCombat's (Fortin et al. 2017, 2018;
Johnson et al. 2007): :func:`neuroCombat.neuroCombat` fits the site location
(``gamma*``) and scale (``delta*``) of every marker with the covariates
protected. Applying a fit to new rows is written here because
``neuroCombatFromTraining`` (0.2.12) replaces each new patient's covariate
effect by the training average (``mod.mean.mean(axis=1)``), which moves a
patient's markers towards the average patient; the covariate coefficients are
recovered from neuroCombat's ``mod.mean`` by least squares on the same design
and applied per patient.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from numbers import Integral
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from predict.cohort._contract import (
    MODALITY_PREFIXES,
    NOT_INPUT,
    PATH_COLUMNS,
    SCALES,
)
from predict.cohort._messages import plural
from predict.exceptions import ConfigError, HarmonizationWarning
from predict.harmonize._estimate import (
    estimate_new_site,
    fit_sites,
    numeric,
    sex_code,
)

__all__ = ["ComBat", "HarmonizationWarning"]


class ComBat(TransformerMixin, BaseEstimator):
    """Remove site effects from marker columns with ComBat, per modality.

    Works on the cohort table (``Cohort.data``) before the feature builders.
    For every modality, the rows with all of its numeric markers present are
    harmonised by one ComBat model; other rows and columns pass unchanged.
    Covariates (age, sex, baseline severity) are protected: their effect on
    the markers is estimated with the site effects and kept. Everything is
    learned in :meth:`fit`, so inside cross-validation the test rows never
    inform the estimates of the sites seen in training.

    Patients from a site not seen in training (or from a site with fewer than
    3 complete training rows) follow ``unseen_site``: with ``"estimate"``, a
    site with at least ``min_batch`` complete rows in the table being
    transformed gets its own location and scale estimated from those rows
    with the training fit frozen (grand mean, pooled variance, covariate
    effects); fewer rows, a missing site, or ``unseen_site="none"`` leave the
    markers unadjusted and issue a :class:`HarmonizationWarning`. Which rows
    were adjusted how is told by :meth:`notes`.

    Parameters
    ----------
    covariates : sequence of str, default=("age", "sex", "baseline")
        Biological covariates to protect: ``age``, ``sex`` (F/M),
        ``baseline`` (the baseline total on ``primary_scale``), or any numeric
        column. Missing values are filled with the training median; a
        covariate absent from the training table or constant is left out.
    modalities : "all" or sequence of str, default="all"
        Modalities to harmonise (``tms_eeg``, ``tms_emg``, ``rest_eeg``,
        ``connectivity``, ``bdnf``).
    eb : bool, default=True
        Empirical-Bayes shrinkage of the site estimates across a modality's
        markers; a modality with a single marker uses the plain estimates.
    unseen_site : {"estimate", "none"}, default="estimate"
        Strategy for a site not seen in training (see above).
    min_batch : int, default=10
        Fewest complete rows of an unseen site needed to estimate its effects.
    primary_scale : {"hamd17", "madrs"} or None, default=None
        Scale of the ``baseline`` covariate; ``None``: HAMD-17 when present.
    site_column : str, default="site"
        The column naming each patient's site.

    Attributes
    ----------
    fits_ : dict of str to dict
        Per harmonised modality: ``columns``, ``sites``, ``grand_mean`` and
        ``var_pooled`` (n_markers,), ``beta`` (n_covariates, n_markers),
        ``gamma`` and ``delta`` (n_sites, n_markers), ``eb``.
    skipped_ : dict of str to str
        Modalities asked for but not harmonised, with the reason.
    covariates_ : list of str
        Covariate columns used, in design order.
    covariate_fill_ : list of float
        Training medians that fill missing covariates.
    n_features_in_ : int
        Number of input columns.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Input column names (tables only).

    Examples
    --------
    >>> from predict import read_cohort, simulate_cohort
    >>> data = read_cohort(simulate_cohort(200, seed=0)).data
    >>> combat = ComBat(modalities=["tms_emg"]).fit(data)
    >>> combat.fits_["tms_emg"]["sites"]
    ['site-A', 'site-B', 'site-C', 'site-D']
    """

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "covariates": ["array-like"],
        "modalities": [StrOptions({"all"}), list, tuple],
        "eb": ["boolean"],
        "unseen_site": [StrOptions({"estimate", "none"})],
        "min_batch": [Interval(Integral, 2, None, closed="left")],
        "primary_scale": [StrOptions(set(SCALES)), None],
        "site_column": [str],
    }

    def __init__(
        self,
        *,
        covariates: Sequence[str] = ("age", "sex", "baseline"),
        modalities: str | Sequence[str] = "all",
        eb: bool = True,
        unseen_site: str = "estimate",
        min_batch: int = 10,
        primary_scale: str | None = None,
        site_column: str = "site",
    ) -> None:
        self.covariates = covariates
        self.modalities = modalities
        self.eb = eb
        self.unseen_site = unseen_site
        self.min_batch = min_batch
        self.primary_scale = primary_scale
        self.site_column = site_column

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.string = True
        return tags

    # -- helpers ---------------------------------------------------------
    def _frame(self, X: Any, *, reset: bool) -> pd.DataFrame | None:
        """Validate ``X``; return it as a table, or None for an array.

        Outcome columns are never inputs (left out); input columns seen in
        ``fit`` but absent from a table are added as missing, so patients are
        scored without outcomes and a modality absent from the input passes.
        """
        if isinstance(X, pd.DataFrame) and X.shape[0] > 0:
            X = X.drop(columns=[c for c in X.columns if c in NOT_INPUT])
            names = getattr(self, "feature_names_in_", None)
            if not reset and names is not None and not set(names) <= set(X.columns):
                X = X.reindex(columns=list(names))
            validate_data(self, X, reset=reset, skip_check_array=True)
            return X
        validate_data(self, X, reset=reset, dtype=None, ensure_all_finite="allow-nan")
        return None

    def _covariate_column(self, name: str, columns: Any) -> str | None:
        if name == "baseline":
            scales = [self.primary_scale] if self.primary_scale else list(SCALES)
            for scale in scales:
                if SCALES[str(scale)][0] in columns:
                    return SCALES[str(scale)][0]
            return None
        return name if name in columns else None

    def _design(self, frame: pd.DataFrame) -> np.ndarray:
        """Covariates of every row (n_rows, n_covariates), missing values filled."""
        parts = []
        for column, fill in zip(self.covariates_, self.covariate_fill_, strict=True):
            raw = frame[column] if column in frame else np.full(len(frame), np.nan)
            values = sex_code(raw) if column == "sex" else numeric(raw)
            parts.append(np.where(np.isnan(values), fill, values))
        if not parts:
            return np.empty((len(frame), 0))
        # neuroCombat builds its design in float32: use the same values.
        return np.column_stack(parts).astype(np.float32).astype(float)

    def _modality_names(self) -> list[str]:
        if isinstance(self.modalities, str):
            return list(MODALITY_PREFIXES)
        unknown = [m for m in self.modalities if m not in MODALITY_PREFIXES]
        if unknown:
            raise ConfigError(
                f"ComBat: unknown modality '{unknown[0]}' in 'modalities': expected "
                f"'all' or some of {', '.join(MODALITY_PREFIXES)}."
            )
        return list(self.modalities)

    def _fit_modality(
        self, frame: pd.DataFrame, columns: list[str], design: np.ndarray
    ) -> dict[str, Any] | str:
        """Fit one modality's ComBat; return its state or why it was skipped."""
        fitted = fit_sites(
            frame[columns].to_numpy(dtype=float),
            frame[self.site_column].to_numpy(dtype=object),
            design,
            eb=bool(self.eb and len(columns) > 1),
        )
        return fitted if isinstance(fitted, str) else {"columns": columns, **fitted}

    # -- scikit-learn API -----------------------------------------------
    def fit(self, X: Any, y: Any = None) -> ComBat:
        """Estimate every site's marker location and scale, per modality.

        Parameters
        ----------
        X : pandas.DataFrame of shape (n_patients, n_columns)
            The training cohort table (``Cohort.data``). A table without the
            site column (or an array) is passed through unchanged.
        y : None
            Ignored.

        Returns
        -------
        self : ComBat
            The fitted transformer.
        """
        self._validate_params()
        frame = self._frame(X, reset=True)
        self.fits_: dict[str, dict[str, Any]] = {}
        self.skipped_: dict[str, str] = {}
        self.covariates_: list[str] = []
        self.covariate_fill_: list[float] = []
        wanted = self._modality_names()
        if frame is None or self.site_column not in frame.columns:
            for modality in wanted:
                self.skipped_[modality] = f"no '{self.site_column}' column"
            return self
        for name in self.covariates:
            column = self._covariate_column(str(name), frame.columns)
            if column is None or column in self.covariates_:
                continue
            raw = frame[column]
            values = sex_code(raw) if column == "sex" else numeric(raw)
            if np.isnan(values).all():
                continue
            self.covariates_.append(column)
            self.covariate_fill_.append(float(np.nanmedian(values)))
        design = self._design(frame)
        for modality in wanted:
            prefix = MODALITY_PREFIXES[modality]
            columns = [
                str(c)
                for c in frame.columns
                if str(c).startswith(prefix)
                and str(c) not in PATH_COLUMNS
                and pd.api.types.is_numeric_dtype(frame[c])
            ]
            if not columns:
                self.skipped_[modality] = "no numeric marker columns"
                continue
            fitted = self._fit_modality(frame, columns, design)
            if isinstance(fitted, str):
                self.skipped_[modality] = fitted
            else:
                self.fits_[modality] = fitted
        return self

    def _plan(
        self, frame: pd.DataFrame, fit: dict[str, Any]
    ) -> tuple[np.ndarray, np.ndarray, dict[str, tuple[bool, str]]]:
        """Per row: its site's estimates (-1: none); per other site: estimate? note."""
        values = frame.reindex(columns=fit["columns"]).to_numpy(dtype=float)
        complete = ~np.isnan(values).any(axis=1)
        raw_site = (
            frame[self.site_column].to_numpy(dtype=object)
            if self.site_column in frame
            else np.full(len(frame), None, dtype=object)
        )
        known = {s: i for i, s in enumerate(fit["sites"])}
        index = np.full(len(frame), -1)
        notes: dict[str, tuple[bool, str]] = {}
        unseen: dict[str, np.ndarray] = {}
        for row in np.flatnonzero(complete):
            site = raw_site[row]
            if pd.isna(site):
                notes[""] = (False, "site unknown: markers not harmonised")
                continue
            if str(site) in known:
                index[row] = known[str(site)]
            else:
                unseen.setdefault(str(site), np.zeros(len(frame), bool))[row] = True
        return index, complete, {**notes, **self._unseen_notes(unseen)}

    def _unseen_notes(
        self, unseen: dict[str, np.ndarray]
    ) -> dict[str, tuple[bool, str]]:
        notes = {}
        for site, mask in unseen.items():
            n = int(mask.sum())
            estimate = self.unseen_site == "estimate" and n >= self.min_batch
            if estimate:
                text = (
                    f"site '{site}' not seen in training: its markers were harmonised "
                    f"with its location and scale estimated from "
                    f"{plural(n, 'patient')} in this batch"
                )
            elif self.unseen_site == "estimate":
                text = (
                    f"site '{site}' not seen in training: markers not harmonised "
                    f"({plural(n, 'patient')} of the site in this batch, at least "
                    f"{self.min_batch} needed to estimate its effects)"
                )
            else:
                text = f"site '{site}' not seen in training: markers not harmonised"
            notes[site] = (estimate, text)
        return notes

    def transform(self, X: Any) -> Any:
        """Return the table with each modality's markers harmonised.

        Parameters
        ----------
        X : pandas.DataFrame of shape (n_patients, n_columns)
            A cohort table with the columns seen in ``fit``.

        Returns
        -------
        harmonised : pandas.DataFrame of shape (n_patients, n_features_in_)
            A copy of ``X`` without its outcome columns; rows missing a
            marker of a modality, and rows whose site cannot be adjusted (see
            the class docstring), keep that modality's values.

        Warns
        -----
        HarmonizationWarning
            When some patients' markers could not be harmonised.
        """
        check_is_fitted(self, "fits_")
        frame = self._frame(X, reset=False)
        if frame is None:
            return np.array(X, copy=True) if not isinstance(X, pd.DataFrame) else X
        out = frame.copy()
        design = self._design(frame) if self.fits_ else np.empty((len(frame), 0))
        unadjusted: list[str] = []
        for modality, fit in self.fits_.items():
            index, complete, notes = self._plan(frame, fit)
            values = frame.reindex(columns=fit["columns"]).to_numpy(dtype=float)
            mean = fit["grand_mean"] + design @ fit["beta"]
            scale = np.sqrt(fit["var_pooled"])
            s_data = (values - mean) / scale
            gamma = np.full(values.shape, np.nan)
            delta = np.full(values.shape, np.nan)
            seen = index >= 0
            gamma[seen] = fit["gamma"][index[seen]]
            delta[seen] = fit["delta"][index[seen]]
            for site, (estimate, note) in notes.items():
                if estimate:
                    rows = complete & (frame[self.site_column].astype(str) == site)
                    rows = np.asarray(rows, dtype=bool)
                    g, d = estimate_new_site(s_data[rows], eb=fit["eb"])
                    gamma[rows], delta[rows] = g, d
                else:
                    unadjusted.append(f"{modality}: {note}")
            adjusted = (s_data - gamma) / np.sqrt(delta) * scale + mean
            done = ~np.isnan(gamma).any(axis=1)
            for j, column in enumerate(fit["columns"]):
                if column in out.columns and done.any():
                    column_values = out[column].to_numpy(dtype=float, copy=True)
                    column_values[done] = adjusted[done, j]
                    out[column] = column_values
        if unadjusted:
            warnings.warn(
                "ComBat left some markers unharmonised: " + "; ".join(unadjusted),
                HarmonizationWarning,
                stacklevel=2,
            )
        return out

    def notes(self, X: pd.DataFrame) -> list[str]:
        """Say, per row, how its markers were harmonised when not the usual way.

        Parameters
        ----------
        X : pandas.DataFrame of shape (n_patients, n_columns)
            The table that is (or was) transformed, as one batch.

        Returns
        -------
        notes : list of str
            One string per row: empty for rows of sites seen in training (or
            without markers), otherwise what was done for an unseen or
            unknown site, per modality.
        """
        check_is_fitted(self, "fits_")
        per_row: list[list[str]] = [[] for _ in range(len(X))]
        for fit in self.fits_.values():
            index, complete, notes = self._plan(X, fit)
            site = (
                X[self.site_column].to_numpy(dtype=object)
                if self.site_column in X
                else np.full(len(X), None, dtype=object)
            )
            for row in np.flatnonzero(complete & (index < 0)):
                key = "" if pd.isna(site[row]) else str(site[row])
                note = notes[key][1] if key in notes else ""
                if note and note not in per_row[row]:
                    per_row[row].append(note)
        return ["; ".join(n) for n in per_row]

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Return the input column names: harmonisation changes values only.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Input names; defaults to ``feature_names_in_`` (or ``x0``, ...).

        Returns
        -------
        names : ndarray of str
        """
        from sklearn.utils.validation import _check_feature_names_in

        check_is_fitted(self, "fits_")
        return _check_feature_names_in(self, input_features)
