"""Raw recordings to the contract's marker columns."""

from predict.raw._common import Extraction, RawFileError, check_file

__all__ = ["Extraction", "RawFileError", "check_file"]
