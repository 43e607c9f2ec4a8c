"""Raw recordings to the contract's marker columns."""

from predict.raw._bold import BoldOptions, confounds_path, extract_bold
from predict.raw._common import Extraction, RawFileError, check_file
from predict.raw._connectivity import ConnectivityOptions, extract_connectivity
from predict.raw._emg import EmgOptions, extract_emg
from predict.raw._freesurfer import MriStatsOptions, extract_mri_stats
from predict.raw._rest_eeg import RestEegOptions, extract_rest_eeg
from predict.raw._step import (
    RawExtractionError,
    RawOptions,
    RawReport,
    extract_markers,
    file_digest,
    read_raw_markers,
)
from predict.raw._tms_eeg import TmsEegOptions, extract_tms_eeg
from predict.raw._tms_eeg_clean import CleaningOptions

__all__ = [
    "BoldOptions",
    "CleaningOptions",
    "ConnectivityOptions",
    "EmgOptions",
    "Extraction",
    "MriStatsOptions",
    "RawExtractionError",
    "RawFileError",
    "RawOptions",
    "RawReport",
    "RestEegOptions",
    "TmsEegOptions",
    "check_file",
    "confounds_path",
    "extract_bold",
    "extract_connectivity",
    "extract_emg",
    "extract_markers",
    "extract_mri_stats",
    "extract_rest_eeg",
    "extract_tms_eeg",
    "file_digest",
    "read_raw_markers",
]
