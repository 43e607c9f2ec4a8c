"""Feature builders: scikit-learn transformers for the neuroplasticity markers."""

from predict.features._base import FeatureBuilder
from predict.features._bdnf import HIGH_FREQUENCY_PROTOCOLS, BDNFFeatures
from predict.features._change import ChangeFeatures, EarlyImprovementFeatures
from predict.features._clinical import ClinicalFeatures, maudsley_treatment_score
from predict.features._compose import FeatureSet, build_features, make_features
from predict.features._connectivity import ConnectivityFeatures
from predict.features._mri import MRIFeatures
from predict.features._registry import (
    BUILDERS,
    ENTRIES,
    BuilderEntry,
    get_builder,
    list_builders,
    register_builder,
)
from predict.features._resolve import ResolvedFeatures, resolve_features
from predict.features._rest_eeg import DEFAULT_TARGETS, RestEEGFeatures
from predict.features._tms_eeg import TMSEEGFeatures
from predict.features._tms_emg import TMSEMGFeatures

__all__ = [
    "BDNFFeatures",
    "BUILDERS",
    "BuilderEntry",
    "ChangeFeatures",
    "ClinicalFeatures",
    "ConnectivityFeatures",
    "DEFAULT_TARGETS",
    "ENTRIES",
    "EarlyImprovementFeatures",
    "FeatureBuilder",
    "FeatureSet",
    "HIGH_FREQUENCY_PROTOCOLS",
    "MRIFeatures",
    "ResolvedFeatures",
    "RestEEGFeatures",
    "TMSEEGFeatures",
    "TMSEMGFeatures",
    "build_features",
    "get_builder",
    "list_builders",
    "make_features",
    "maudsley_treatment_score",
    "register_builder",
    "resolve_features",
]
