"""Site harmonisation of the markers (ComBat) and site-effect diagnostics."""

from predict.exceptions import HarmonizationWarning
from predict.harmonize._combat import ComBat
from predict.harmonize._compose import HarmonizedFeatures, make_harmonizer
from predict.harmonize._diagnostics import site_predictability

__all__ = [
    "ComBat",
    "HarmonizationWarning",
    "HarmonizedFeatures",
    "make_harmonizer",
    "site_predictability",
]
