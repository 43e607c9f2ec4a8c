"""Model bundles: a trained pipeline saved without pickle, and loaded safely.

A bundle is an MLflow model folder (``MLmodel``, signature, input example,
``python_function`` flavour through :mod:`predict.scoring._pyfunc`), written
atomically; its ``data/bundle`` folder holds:

- ``model.skops``: the fitted pipeline in skops format; loading accepts only
  the types in :data:`TRUSTED_TYPES` and refuses a file that names any other.
- ``xgboost-N.ubj``: each fitted XGBoost model in XGBoost's own format; the
  pipeline holds an :class:`XGBoostRef` in its place.
- ``metadata.json``: config, metrics, threshold, training ranges, versions.
- ``config.yaml``: the resolved experiment config.
- ``oof.csv``: the out-of-fold predictions and outcomes (no patient ids), for
  conformal uncertainty at scoring time.

``manifest.json``, written last, holds the SHA-256 of every other file (and,
with a key, their HMAC signature); loading checks it before anything else
(:mod:`predict.scoring._manifest`), then validates ``metadata.json`` and
``oof.csv`` (:mod:`predict.scoring._metadata`).

Nothing in a bundle is ever unpickled.
"""

from __future__ import annotations

import copy
import json
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import yaml

from predict._atomic import atomic_path
from predict.cohort._contract import NOT_INPUT, spec_for
from predict.exceptions import HarmonizationWarning, IgnoredModalityWarning
from predict.scoring._manifest import (
    MODEL_CONFIG,
    BundleError,
    verify_bundle,
    write_manifest,
)
from predict.scoring._metadata import read_metadata, read_oof

if TYPE_CHECKING:
    from predict.cohort import Cohort
    from predict.evaluation import ExperimentResult

__all__ = [
    "Bundle",
    "BundleError",
    "TRUSTED_TYPES",
    "XGBoostRef",
    "load_bundle",
    "save_bundle",
]

BUNDLE_FORMAT = 1
#: Name of the folder holding the bundle files inside the MLflow model.
DATA_FOLDER = "bundle"

#: Types a bundle's skops file may contain beyond skops' own defaults
#: (builtins, numpy arrays, scikit-learn's public estimators).
TRUSTED_TYPES: list[str] = [
    "numpy.dtype",
    "predict.features._bdnf.BDNFFeatures",
    "predict.features._change.ChangeFeatures",
    "predict.features._change.EarlyImprovementFeatures",
    "predict.features._clinical.ClinicalFeatures",
    "predict.features._compose.FeatureSet",
    "predict.features._connectivity.ConnectivityFeatures",
    "predict.features._mri.MRIFeatures",
    "predict.features._rest_eeg.RestEEGFeatures",
    "predict.features._tms_eeg.TMSEEGFeatures",
    "predict.features._tms_emg.TMSEMGFeatures",
    "predict.harmonize._combat.ComBat",
    "predict.harmonize._compose.HarmonizedFeatures",
    "predict.models._stack.StackedClassifier",
    "predict.models._stack.StackedRegressor",
    "predict.models._interactions.ProtocolInteractions",
    "predict.models._spline.SplineBasis",
    "predict.scoring._bundle.XGBoostRef",
    # a fitted SplineTransformer's scipy splines and their array namespace
    "scipy._lib.array_api_compat.numpy._aliases.asarray",
    "scipy.interpolate._bsplines.BSpline",
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
    "sklearn.model_selection._split.StratifiedKFold",
    "sklearn.tree._tree.Tree",
]


class XGBoostRef:
    """Stands in a saved pipeline for an XGBoost model stored beside it.

    Parameters
    ----------
    index : int
        Number of the ``xgboost-N.ubj`` file.
    kind : {"classifier", "regressor"}
        Which XGBoost estimator to rebuild.
    params : dict
        Its constructor parameters (for unfitted templates).
    fitted : bool
        Whether a booster file holds its trained trees.
    """

    def __init__(self, index: int, kind: str, params: dict[str, Any], fitted: bool):
        self.index = index
        self.kind = kind
        self.params = params
        self.fitted = fitted


def _is_xgboost(obj: object) -> bool:
    return type(obj).__module__.startswith("xgboost")


def _swap(obj: Any, replace: Any) -> Any:
    """Return a copy of a model with every XGBoost estimator passed to ``replace``."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.pipeline import Pipeline

    from predict.models import StackedClassifier, StackedRegressor

    if _is_xgboost(obj) or isinstance(obj, XGBoostRef):
        return replace(obj)
    if isinstance(obj, Pipeline):
        new = copy.copy(obj)
        new.steps = [(name, _swap(step, replace)) for name, step in obj.steps]
        return new
    if isinstance(obj, (StackedClassifier, StackedRegressor)):  # auto, select
        new = copy.copy(obj)
        new.members = [(name, _swap(m, replace)) for name, m in obj.members]
        if hasattr(obj, "members_"):
            new.members_ = [(name, _swap(m, replace)) for name, m in obj.members_]
        return new
    if isinstance(obj, CalibratedClassifierCV):
        new = copy.copy(obj)
        new.estimator = _swap(obj.estimator, replace)
        if hasattr(obj, "calibrated_classifiers_"):
            new.calibrated_classifiers_ = []
            for calibrated in obj.calibrated_classifiers_:
                part = copy.copy(calibrated)
                part.estimator = _swap(calibrated.estimator, replace)
                new.calibrated_classifiers_.append(part)
        return new
    return obj


@dataclass
class Bundle:
    """A loaded bundle.

    Attributes
    ----------
    model : object
        The fitted pipeline (``predict_proba`` / ``predict`` on cohort tables).
    metadata : dict
        What ``metadata.json`` holds.
    oof : pandas.DataFrame
        Out-of-fold outcomes and predictions of the training evaluation.
    path : pathlib.Path
        The bundle folder.
    """

    model: Any
    metadata: dict[str, Any]
    oof: pd.DataFrame
    path: Path


def _training_ranges(cohort: Cohort) -> dict[str, list[float]]:
    ranges = {}
    for columns in cohort.marker_columns.values():
        for column in columns:
            values = cohort.data[column]
            if pd.api.types.is_numeric_dtype(values) and values.notna().any():
                ranges[column] = [float(values.min()), float(values.max())]
    return ranges


def _time_point(result: ExperimentResult, cohort: Cohort) -> dict[str, Any] | None:
    """Return the prediction time the model was trained at, as saved metadata."""
    predict_at = result.config.predict_at
    if predict_at is None:
        return None
    from predict.cohort._timepoint import resolve_time_point

    time_point = resolve_time_point(
        cohort.visits, day=predict_at.day, visit=predict_at.visit
    )
    return time_point.to_dict()


def input_example(columns: list[str]) -> pd.DataFrame:
    """Return one synthetic patient (never a real one) in the given columns."""
    from predict.cohort import simulate_cohort

    table = simulate_cohort(10, seed=12345, missing=False).head(1)
    table = table.assign(patient_id="synthetic-1")
    keep = [c for c in table.columns if c in columns or c == "patient_id"]
    table = table[keep].reset_index(drop=True)
    # numbers as float: a real patient may miss any of them
    numbers = table.select_dtypes("number").columns
    return table.astype({c: float for c in numbers})


def _save_mlflow_model(target: Path, data: Path, result: ExperimentResult) -> None:
    """Write ``data`` as an MLflow pyfunc model (loader module, no pickle)."""
    import mlflow.pyfunc
    from mlflow.models import ModelSignature
    from mlflow.types.schema import AnyType, ColSpec, DataType, Schema

    from predict import __version__

    metadata = json.loads((data / "metadata.json").read_text())
    inputs = [c for c in metadata["input_columns"] if c not in NOT_INPUT]
    # visit rows come in the same frame (see the pyfunc): their columns too
    inputs += [c for c in metadata.get("visit_columns", []) if c not in inputs]
    example = input_example(inputs)
    column = "p_response" if result.task == "binary" else "predicted_pct_change"
    # Numbers may arrive as int or float (a CSV's whole numbers are int64,
    # which MLflow will not cast to double): the cohort contract checks them.
    specs: list[Any] = [ColSpec(DataType.string, "patient_id")]
    for name in inputs:
        if name == "patient_id":
            continue
        kind = spec_for(name)
        text = name == "visit" or (
            kind is not None and kind.kind in {"text", "category", "path"}
        )
        specs.append(
            ColSpec(DataType.string if text else AnyType(), name, required=False)
        )
    outputs = Schema(
        [ColSpec(DataType.string, "patient_id"), ColSpec(DataType.double, column)]
    )
    with warnings.catch_warnings():
        # MLflow scores the synthetic example, whose site the model has not seen.
        warnings.simplefilter("ignore", HarmonizationWarning)
        # nor the training's modalities: columns left out are in the example
        warnings.simplefilter("ignore", IgnoredModalityWarning)
        mlflow.pyfunc.save_model(
            path=str(target),
            loader_module="predict.scoring._pyfunc",
            data_path=str(data),
            signature=ModelSignature(inputs=Schema(specs), outputs=outputs),
            input_example=example,
            pip_requirements=[f"rtms-predict=={__version__}"],
            # defaults a server may override (predict.scoring._pyfunc)
            model_config=dict(MODEL_CONFIG),
        )


def save_bundle(
    result: ExperimentResult,
    cohort: Cohort,
    path: str | Path,
    *,
    key: str | bytes | None = None,
) -> Path:
    """Write a trained model and what scoring needs to a bundle folder, atomically.

    Parameters
    ----------
    result : ExperimentResult
        From :func:`predict.train`.
    cohort : Cohort
        The training cohort (for training ranges, sites and modalities).
    path : str or path-like
        The bundle folder, for example ``models/default``; replaced if present.
    key : str, bytes or None, default=None
        Signs the manifest (HMAC-SHA256); the command line passes
        ``$RTMS_BUNDLE_KEY``.

    Returns
    -------
    path : pathlib.Path
    """
    import skops.io as sio

    from predict import __version__

    path = Path(path)
    cohort = cohort.read_raw(result.config.raw)  # the markers the model was fit on
    boosters: list[Any] = []

    def to_ref(model: Any) -> XGBoostRef:
        kind = "classifier" if "Classifier" in type(model).__name__ else "regressor"
        fitted = hasattr(model, "_Booster")
        ref = XGBoostRef(len(boosters), kind, model.get_params(), fitted)
        boosters.append(model)
        return ref

    savable = _swap(result.final_model, to_ref)
    config = result.config.model_dump(mode="json")
    metadata = {
        "format": BUNDLE_FORMAT,
        "name": result.config.name,
        "package_version": __version__,
        "task": result.task,
        "target": result.config.target,
        "headline": result.headline,
        "threshold": result.threshold,
        "final_params": result.final_params,
        "metrics": json.loads(result.metrics.to_json(orient="index")),
        "permutation_p": result.permutation_p,
        "n_patients": len(cohort),
        "n_excluded": result.n_excluded,
        "fingerprint": result.fingerprint,
        "primary_scale": cohort.primary_scale,
        "modalities": list(cohort.modalities),
        "features": result.features.to_dict() if result.features else None,
        "sites": cohort.sites,
        "training_ranges": _training_ranges(cohort),
        "input_columns": [str(c) for c in cohort.data.columns],
        "predict_at": _time_point(result, cohort),
        "visit_columns": (
            ["visit", "day", *cohort.visits.measures, *cohort.visits.path_columns]
            if cohort.visits is not None and result.config.predict_at is not None
            else []
        ),
        "config": config,
    }
    column = "y_prob" if result.task == "binary" else "y_pred"
    oof = result.predictions[["repeat", "fold", "y_true", column]]
    oof = oof.reset_index(drop=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory(
            prefix=f".{path.name}.staging.", dir=path.parent
        ) as staging,
        atomic_path(path, directory=True) as tmp,
    ):
        data = Path(staging) / DATA_FOLDER
        data.mkdir()
        sio.dump(savable, data / "model.skops")
        for i, booster in enumerate(boosters):
            if hasattr(booster, "_Booster"):
                booster.save_model(data / f"xgboost-{i}.ubj")
        text = json.dumps(metadata, indent=2, default=float)
        (data / "metadata.json").write_text(text)
        (data / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
        oof.to_csv(data / "oof.csv", index=False)
        _save_mlflow_model(tmp, data, result)
        write_manifest(tmp, key)
    return path


def _root_of(path: Path) -> Path:
    """Return the bundle (MLflow model) folder of a path to it or its data folder."""
    if (path / "MLmodel").is_file():
        return path
    if path.name == DATA_FOLDER and (path.parent.parent / "MLmodel").is_file():
        return path.parent.parent
    raise BundleError(
        f"'{path}' is not a model bundle: expected the folder written by "
        "'rtms-predict train' (with MLmodel, manifest.json and data/bundle)."
    )


def load_bundle(path: str | Path, *, key: str | bytes | None = None) -> Bundle:
    """Verify a bundle, then load it without unpickling anything.

    Parameters
    ----------
    path : str or path-like
        A folder written by :func:`save_bundle` (or its ``data/bundle``).
    key : str, bytes or None, default=None
        When given, the manifest must be signed with it.

    Returns
    -------
    bundle : Bundle

    Raises
    ------
    BundleError
        When the folder is not a bundle, differs from its manifest (see
        :func:`~predict.scoring._manifest.verify_bundle`), has a malformed
        ``metadata.json``, ``oof.csv`` or XGBoost file, or its model file
        names a type outside :data:`TRUSTED_TYPES` (nothing of it is executed).
    """
    import skops.io as sio
    import xgboost as xgb

    root = verify_bundle(_root_of(Path(path)), key)
    path = root / "data" / DATA_FOLDER
    model_file = path / "model.skops"
    if not model_file.is_file() or not (path / "metadata.json").is_file():
        raise BundleError(
            f"'{root}' is not a model bundle: expected model.skops and metadata.json "
            "written by 'rtms-predict train'."
        )
    metadata = read_metadata(path / "metadata.json")
    try:
        untrusted = sio.get_untrusted_types(file=model_file)
    except Exception:  # a corrupt or foreign file: refuse it
        raise BundleError(f"'{model_file}' is not a valid skops file.") from None
    refused = sorted(set(untrusted) - set(TRUSTED_TYPES))
    if refused:
        raise BundleError(
            f"Refusing to load '{model_file}': it names types outside the trusted "
            f"list ({', '.join(refused)}). Bundles hold only scikit-learn, numpy and "
            "rtms-predict types; this file was not written by rtms-predict."
        )
    try:
        skeleton = sio.load(model_file, trusted=TRUSTED_TYPES)
    except Exception:  # trusted types only, but a malformed file
        raise BundleError(f"'{model_file}' is not a valid skops file.") from None

    def from_ref(ref: XGBoostRef) -> Any:
        booster = path / f"xgboost-{int(ref.index)}.ubj"
        if (
            ref.kind not in {"classifier", "regressor"}
            or not isinstance(ref.params, dict)
            or type(ref.index) is not int
        ):
            raise BundleError(f"'{model_file}' holds a malformed XGBoost reference.")
        cls = xgb.XGBClassifier if ref.kind == "classifier" else xgb.XGBRegressor
        try:
            model = cls(**ref.params)
            if ref.fitted:
                if not booster.is_file():
                    raise BundleError(f"Bundle file '{booster.name}' is missing.")
                model.load_model(booster)
        except BundleError:
            raise
        except Exception:  # XGBoost's own errors may quote the file: not shown
            raise BundleError(
                f"Bundle file '{booster.name}' is not a valid XGBoost model."
            ) from None
        return model

    oof = (
        read_oof(path / "oof.csv", str(metadata["task"]))
        if (path / "oof.csv").is_file()
        else pd.DataFrame()
    )
    return Bundle(_swap(skeleton, from_ref), metadata, oof, path)
