"""Exceptions and warnings raised by rtms-predict.

Every error the package raises on purpose derives from :class:`PredictError` and
from the builtin it specialises, so ``except ValueError`` keeps working for
callers that do not know this package. The command-line interface turns a
:class:`PredictError` into its message and exit code 2, without a traceback.
"""

from __future__ import annotations

__all__ = [
    "CohortError",
    "CohortWarning",
    "ConfigError",
    "HarmonizationWarning",
    "IgnoredModalityWarning",
    "MissingModalityError",
    "PredictError",
    "PredictWarning",
    "StorageError",
    "TrainingError",
    "UsageError",
    "VisitsError",
    "VisitsWarning",
]


class PredictError(Exception):
    """Base class of every error raised on purpose by rtms-predict."""


class CohortError(PredictError, ValueError):
    """A cohort table breaks the input contract.

    Parameters
    ----------
    problems : list of str
        One sentence per problem, each naming the column, the first offending
        patient ids and what was expected.

    Attributes
    ----------
    problems : list of str
        The problems found, in the order they were found.
    """

    def __init__(self, problems: list[str] | str) -> None:
        if isinstance(problems, str):
            problems = [problems]
        self.problems = list(problems)
        if len(self.problems) == 1:
            message = f"Invalid cohort table: {self.problems[0]}"
        else:
            lines = "\n".join(f"  - {p}" for p in self.problems)
            message = (
                f"Invalid cohort table: {len(self.problems)} problems found:\n{lines}"
            )
        super().__init__(message)


class VisitsError(CohortError):
    """A visits table breaks the contract's "Visits" section.

    Parameters
    ----------
    problems : list of str
        One sentence per problem, each naming the column, the first offending
        patients (with their visit) and what was expected.
    """

    def __init__(self, problems: list[str] | str) -> None:
        super().__init__(problems)
        message = str(self.args[0]).replace(
            "Invalid cohort table", "Invalid visits table"
        )
        self.args = (message,)


class ConfigError(PredictError, ValueError):
    """An experiment configuration is invalid (unknown key, value or name)."""


class TrainingError(PredictError, ValueError):
    """A cohort and a config cannot be trained together (checked before fitting)."""


class MissingModalityError(TrainingError):
    """A config asks for a feature builder whose modality the cohort lacks.

    Raised before any fitting; ``rtms-predict experiment`` skips such a
    config and reports why instead of failing the whole study.
    """


class StorageError(PredictError, RuntimeError):
    """A study storage cannot be reached or does not hold the study asked for."""


class UsageError(PredictError, ValueError):
    """An argument cannot be used as given (for example an unknown file type)."""


class PredictWarning(UserWarning):
    """Base class of every warning issued by rtms-predict."""


class CohortWarning(PredictWarning):
    """A cohort table is usable but something in it will be ignored."""


class VisitsWarning(PredictWarning):
    """A visits table is usable but looks inconsistent (labels, ignored columns)."""


class HarmonizationWarning(PredictWarning):
    """Markers of some patients could not be harmonised and pass unchanged."""


class IgnoredModalityWarning(PredictWarning):
    """Patients bring markers of a modality the model was trained without."""
