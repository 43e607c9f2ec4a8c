"""Harmonisation in front of the feature builders, as one pipeline step."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sklearn.pipeline import Pipeline

from predict.harmonize._combat import ComBat

if TYPE_CHECKING:
    from predict.config import HarmonizeConfig

__all__ = ["HarmonizedFeatures", "make_harmonizer"]


class HarmonizedFeatures(Pipeline):
    """ComBat on the cohort table, then the feature builders.

    A :class:`~sklearn.pipeline.Pipeline` of ``harmonize`` and ``build``
    whose feature names are the builders' own: the model pipeline keeps one
    ``features`` step whether or not the markers are harmonised, and both
    parts are fit on the training rows only.
    """

    def get_feature_names_out(self, input_features: Any = None) -> Any:
        """Return the names of the built features (those of the last step)."""
        return self.steps[-1][1].get_feature_names_out()


def make_harmonizer(config: HarmonizeConfig, primary_scale: str | None) -> ComBat:
    """Build the unfitted harmoniser a config's ``harmonize:`` block asks for.

    Parameters
    ----------
    config : HarmonizeConfig
        The block (see :class:`predict.config.HarmonizeConfig`).
    primary_scale : {"hamd17", "madrs"} or None
        Scale of the ``baseline`` covariate.

    Returns
    -------
    harmonizer : ComBat
    """
    modalities = config.modalities
    return ComBat(
        covariates=tuple(config.covariates),
        modalities=modalities if isinstance(modalities, str) else tuple(modalities),
        eb=config.eb,
        unseen_site=config.unseen_site,
        min_batch=config.min_batch,
        primary_scale=primary_scale,
    )
