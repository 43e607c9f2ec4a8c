"""A self-contained HTML model card, structured by the TRIPOD+AI items it covers."""

from __future__ import annotations

import base64
import html
import io
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from predict.scoring._predictor import ResponsePredictor

__all__ = ["render_report"]

_CSS = """
body{font-family:system-ui,sans-serif;max-width:960px;margin:2em auto;color:#222}
h1{font-size:1.6em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em}
table{border-collapse:collapse}
td,th{border:1px solid #ccc;padding:.3em .6em;text-align:right}
th:first-child,td:first-child{text-align:left}.item{color:#777;font-size:.85em}
img{max-width:100%}
"""


def _png(figure: Any) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    figure.clear()
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<img alt="plot" src="data:image/png;base64,{data}">'


def _plots(predictor: ResponsePredictor) -> list[str]:
    """ROC, calibration, decision curve (out-of-fold), the model's importance."""
    from predict.evaluation import decision_curve
    from predict.tracking._plots import (
        plot_calibration,
        plot_decision_curve,
        plot_feature_importance,
        plot_roc,
    )

    meta = predictor.metadata
    config = SimpleNamespace(name=meta.get("name"), target=meta.get("target"))
    # the importance of the bundle's own model: cheap (coefficients or gains)
    importance = SimpleNamespace(config=config, final_model=predictor.bundle.model)
    pages = [_png(plot_feature_importance(importance)[0])]  # type: ignore[arg-type]
    oof = predictor.bundle.oof
    if predictor.task != "binary" or oof.empty:
        return pages
    first = oof[oof["repeat"] == oof["repeat"].min()].reset_index(drop=True)
    view = SimpleNamespace(
        task="binary",
        config=config,
        predictions=first,
        threshold=predictor.threshold,
        decision_curve=decision_curve(first["y_true"], first["y_prob"]),
    )
    plots: list[Any] = [plot_roc, plot_calibration, plot_decision_curve]
    return [_png(plot(view)) for plot in plots] + pages


def _number(value: Any) -> str:
    """Format a number to 3 significant digits (``0.434``), anything else as text."""
    if isinstance(value, float):
        return f"{value:.3g}"
    return html.escape(str(value))


def _rounded(params: Any) -> str:
    """Format tuned parameters with their floats to 3 significant digits."""
    if not isinstance(params, dict):
        return str(params)
    shown = {
        k: float(f"{v:.3g}") if isinstance(v, float) else v for k, v in params.items()
    }
    return str(shown)


def _features_text(meta: dict[str, Any], config: dict[str, Any]) -> str:
    """Name the builders used (and those left out, with why)."""
    resolved = meta.get("features")
    if not resolved:  # a bundle from before resolved features were recorded
        return ", ".join(sorted(config.get("features", {})))
    text = ", ".join(resolved["used"])
    if resolved.get("requested") == "auto":
        text += " (features: auto)"
    left_out = resolved.get("left_out") or {}
    if left_out:
        text += "; left out: " + ", ".join(
            f"{name} ({info['reason']})" for name, info in left_out.items()
        )
    return text


def _section(title: str, items: str, body: str) -> str:
    label = f'<span class="item">TRIPOD+AI {items}</span>'
    return f"<h2>{html.escape(title)} {label}</h2>\n{body}\n"


def render_report(predictor: ResponsePredictor) -> str:
    """Return the model card as one self-contained HTML page (plots embedded).

    Parameters
    ----------
    predictor : ResponsePredictor
        From :func:`predict.load_model`.

    Returns
    -------
    page : str
        HTML with inline CSS and base64 PNG plots, no external resource.
    """
    card = predictor.card()
    meta = predictor.metadata
    config = meta.get("config", {})
    data = card["training_data"]
    metrics = pd.DataFrame(card["cross_validated_metrics"]).T
    features = _features_text(meta, config)
    outer = config.get("cv", {}).get("outer", {})
    inner = config.get("cv", {}).get("inner", {})
    tuning = config.get("tuning", {})
    e = html.escape
    parts = [
        f"<h1>Model card: {e(str(card['name']))}</h1>",
        f"<p>Predicts <b>{e(str(card['target']))}</b> to rTMS with "
        f"<b>{e(str(card['model']))}</b> "
        f"(rtms-predict {e(str(card['package_version']))}).</p>",
        f"<p>Prediction time: the model {e(str(card.get('prediction_time')))}.</p>",
        _section("Intended use", "3a-3c", f"<p>{e(card['intended_use'])}</p>"),
        _section(
            "Source of data and participants",
            "5a-5b, 6a",
            f"<p>{data['n_patients']} patients ({data['n_excluded']} without outcome "
            f"left out), sites: {e(', '.join(data['sites'] or ['not recorded']))}; "
            f"outcome rate {data['outcome_rate']:.1%}; primary scale "
            f"{e(str(data['primary_scale']))}; data fingerprint "
            f"<code>{e(str(data['fingerprint']))}</code>.</p>",
        ),
        _section(
            "Outcome and predictors",
            "6a, 7a",
            f"<p>Outcome: {e(str(card['target']))} (contract definition on the primary "
            f"scale). Predictors: feature builders {e(features)}; modalities in "
            f"training: {e(', '.join(data['modalities']))}.</p>",
        ),
        _section(
            "Missing data",
            "9",
            "<p>A missing modality is kept as missing with a presence indicator; "
            "values are imputed (median) inside each training fold for models that "
            "need it, or handled natively by tree ensembles.</p>",
        ),
        _section(
            "Analysis methods",
            "12a-12f",
            f"<p>Nested cross-validation: outer {e(str(outer.get('scheme')))} "
            f"{outer.get('n_splits')} folds x {outer.get('n_repeats')} repeats, inner "
            f"{inner.get('n_splits')} folds; Optuna TPE with {tuning.get('n_trials')} "
            "trials per fold and median pruning; threshold, imputation, scaling and "
            "calibration fit inside the training folds only. 95 % CIs by bootstrap on "
            "the pooled out-of-fold predictions.</p>",
        ),
        _section(
            "Performance",
            "23a",
            metrics.to_html(float_format=lambda v: f"{v:.3f}")
            + (
                f"<p>Permutation test p = {card['permutation_p']:.3g}.</p>"
                if card.get("permutation_p") is not None
                else ""
            )
            + "".join(_plots(predictor)),
        ),
        _section(
            "Model specification",
            "22",
            f"<p>Decision threshold {_number(card['threshold'])}; tuned parameters "
            f"<code>{e(_rounded(meta.get('final_params')))}</code>; conformal coverage "
            f"{card['conformal']['coverage']:.0%}.</p>",
        ),
        _section(
            "Limitations",
            "27a-27b",
            "<ul>" + "".join(f"<li>{e(x)}</li>" for x in card["limitations"]) + "</ul>",
        ),
    ]
    body = "\n".join(parts)
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>Model card: "
        f"{e(str(card['name']))}</title><style>{_CSS}</style></head><body>{body}"
        "</body></html>"
    )
