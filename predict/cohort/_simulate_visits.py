"""Simulate the visits of a simulated cohort: plasticity unfolding over weeks.

rTMS changes the markers themselves, on several timescales (Fitzsimmons et
al., 2024, Biol Psychiatry 95:592-600): TEPs and MEPs after a single session,
serum BDNF over the first weeks, symptoms from the first week on. Each
patient's induced change follows the same latent plasticity trait that
drives their response in :mod:`predict.cohort._simulate`, so the visits carry
information about the outcome the baseline markers show only weakly.

Constants, each with its source ("design" marks choices the literature gives
no single value for):

=============================  ===========================  ======================
parameter                      value                        source
=============================  ===========================  ======================
visits                         s1 day 0 (after session 1),  THREE-D schedule
                               w1 day 7, w2 day 14          (Blumberger 2018)
visit windows                  w1, w2: day -2 to +2         design
endpoint                       day 42 (6 weeks, 30          THREE-D; O'Reardon
                               sessions)                    2007
induced-change trait           0.5 x plasticity + 0.35 x    design (Hamada 2013:
                               the patient's final          large inter-individual
                               improvement (standardised)   variability;
                               + 0.79 x own noise, SD 1     Fitzsimmons 2024:
                                                            early change tracks
                                                            outcome)
TEP N100 after one session     amplitude +0.5 + 1.5 x       Voineskos 2021; Eshel
                               trait µV (smaller), noise    2020; noise: Kerwin
                               0.8 µV, kept at w1, w2       2018 (test-retest)
MEP after one session          log ratio +0.15 + 0.35 x     Huang 2005; Hamada
                               trait, noise 0.25            2013
serum BDNF                     log ratio (0.04 + 0.06 x     Zanardini 2006;
                               trait) x min(day, 14) / 14,  Brunoni 2008; noise
                               noise 0.12                   design
HAMD-17 at w1, w2              baseline x (1 - g x h(day)), Kaster 2019 (THREE-D
                               g the patient's final        trajectories); Feffer
                               improvement, h(day) = (1 -   2018 (early change
                               exp(-day / tau)) / (1 -      predicts response)
                               exp(-42 / tau)), tau = 14 x
                               exp(0.6 x N(0, 1)) days;
                               rater noise 3 points
HAMD-17 at s1                  not rated (day 0)            THREE-D schedule
missed visits                  s1 5 %, w1 10 %, w2 12 %     design
missed measurements            TMS-EEG 15 %, TMS-EMG 10 %,  design
                               BDNF 10 % of visits; none
                               without a baseline value
=============================  ===========================  ======================

References: Voineskos et al., 2021, Brain Stimul 14:1017-25 (TEP change with
rTMS); Eshel et al., 2020, Neuropsychopharmacology 45:1018-25; Kerwin et al.,
2018, Brain Stimul 11:536-44; Huang et al., 2005, Neuron 45:201-6; Hamada et
al., 2013, Cereb Cortex 23:1593-605; Zanardini et al., 2006, J Affect Disord
91:83-6; Brunoni et al., 2008, Int J Neuropsychopharmacol 11:1169-80; Kaster
et al., 2019, Am J Psychiatry 176:367-75; Feffer et al., 2018, Brain Stimul
11:181-9.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from predict.cohort._contract import COLUMNS

__all__ = ["ENDPOINT_DAY", "VISIT_DAYS", "simulate_visits"]

#: Nominal day of each simulated visit.
VISIT_DAYS: dict[str, int] = {"s1": 0, "w1": 7, "w2": 14}
#: Day of the endpoint assessment (6 weeks of daily sessions).
ENDPOINT_DAY = 42

_WINDOW = (-2, 2)  # w1/w2 days vary by this much (inclusive)
_TRAIT_LOADING, _COURSE_LOADING = 0.5, 0.35
_N100_SHIFT, _N100_GAIN, _N100_NOISE = 0.5, 1.5, 0.8
_MEP_SHIFT, _MEP_GAIN, _MEP_NOISE = 0.15, 0.35, 0.25
_BDNF_SHIFT, _BDNF_GAIN, _BDNF_NOISE, _BDNF_DAYS = 0.04, 0.06, 0.12, 14.0
_TAU_DAYS, _TAU_LOG_SD, _RATER_NOISE = 14.0, 0.6, 3.0
_MISSED_VISIT = {"s1": 0.05, "w1": 0.10, "w2": 0.12}
_MISSED_MEASURE = {
    "tep_n100_amp_uv": 0.15,
    "emg_mep_amp_mv": 0.10,
    "bdnf_serum_ng_ml": 0.10,
}


def _trajectory(day: np.ndarray, tau: np.ndarray) -> np.ndarray:
    """Share of the final improvement reached by ``day``."""
    return (1 - np.exp(-day / tau)) / (1 - np.exp(-ENDPOINT_DAY / tau))


def simulate_visits(
    n: int = 500, *, seed: int | None = 0, n_sites: int = 4, missing: bool = True
) -> pd.DataFrame:
    """Simulate the visits of the cohort ``simulate_cohort`` draws.

    With the same arguments as :func:`predict.simulate_cohort`, the visits
    belong to that cohort's patients: their induced marker changes follow
    each patient's latent plasticity trait (and, partly, how their course
    goes), and their early HAMD-17
    improvement follows the trajectory that ends at their endpoint score.

    Parameters
    ----------
    n, seed, n_sites, missing
        As for :func:`predict.simulate_cohort`. With ``missing``, some
        visits and measurements are missed (see the module docstring).

    Returns
    -------
    visits : pandas.DataFrame
        One row per patient and visit held: ``patient_id``, ``visit`` (``s1``,
        ``w1``, ``w2``), ``day``, ``hamd17`` (not at ``s1``),
        ``tep_n100_amp_uv``, ``emg_mep_amp_mv`` and ``bdnf_serum_ng_ml``,
        within the contract's ranges. Endpoints are at day
        :data:`ENDPOINT_DAY`.

    Examples
    --------
    >>> from predict.cohort import simulate_visits
    >>> visits = simulate_visits(50, seed=0)
    >>> sorted(visits["visit"].unique())
    ['s1', 'w1', 'w2']
    """
    from predict.cohort._simulate import _check, _draw

    name = "simulate_visits"
    _check("n", n, 10, func=name)
    if seed is not None:
        _check("seed", seed, 0, func=name)
    _check("n_sites", n_sites, 1, 26, func=name)
    _check("missing", missing, None, func=name)
    draw = _draw(int(n), seed, int(n_sites), missing)
    table, count = draw.table, int(n)
    rng = np.random.default_rng(draw.seed_seq.spawn(2)[1])  # a stream of its own
    tau = _TAU_DAYS * np.exp(_TAU_LOG_SD * rng.standard_normal(count))
    baseline = table["baseline_hamd17"].to_numpy(dtype=float)
    endpoint = table["endpoint_hamd17"].to_numpy(dtype=float)
    gain = 1.0 - endpoint / baseline
    course = (gain - gain.mean()) / gain.std()
    # the induced change: the plasticity trait, and how the course goes
    trait = _TRAIT_LOADING * draw.plasticity + _COURSE_LOADING * course
    trait = trait / trait.std()
    own = np.sqrt(1 - _TRAIT_LOADING**2 - _COURSE_LOADING**2)
    trait = np.sqrt(1 - own**2) * trait + own * rng.standard_normal(count)
    n100 = table["tep_n100_amp_uv"].to_numpy(dtype=float)
    mep = table["emg_mep_amp_mv"].to_numpy(dtype=float)
    bdnf = table["bdnf_serum_ng_ml"].to_numpy(dtype=float)
    frames = []
    for label, nominal in VISIT_DAYS.items():
        day = np.full(count, float(nominal))
        if nominal > 0:
            day += rng.integers(_WINDOW[0], _WINDOW[1] + 1, count)
        values = {
            "tep_n100_amp_uv": n100
            + _N100_SHIFT
            + _N100_GAIN * trait
            + _N100_NOISE * rng.standard_normal(count),
            "emg_mep_amp_mv": mep
            * np.exp(
                _MEP_SHIFT + _MEP_GAIN * trait + _MEP_NOISE * rng.standard_normal(count)
            ),
            "bdnf_serum_ng_ml": bdnf
            * np.exp(
                (_BDNF_SHIFT + _BDNF_GAIN * trait)
                * np.minimum(day, _BDNF_DAYS)
                / _BDNF_DAYS
                + _BDNF_NOISE * rng.standard_normal(count)
            ),
        }
        score = baseline * (1 - gain * _trajectory(day, tau))
        score = np.rint(score + _RATER_NOISE * rng.standard_normal(count))
        hamd = np.full(count, np.nan) if nominal == 0 else score
        frame = pd.DataFrame(
            {
                "patient_id": draw.ids,
                "visit": label,
                "day": day,
                "hamd17": hamd,
            }
        )
        for column, value in values.items():
            spec = COLUMNS[column]
            value = np.round(np.clip(value, spec.low, spec.high), 3)
            if missing:
                value = np.where(
                    rng.random(count) < _MISSED_MEASURE[column], np.nan, value
                )
            frame[column] = value
        frame["hamd17"] = np.clip(frame["hamd17"], 0, COLUMNS["baseline_hamd17"].high)
        if missing:
            frame = frame[rng.random(count) >= _MISSED_VISIT[label]]
        frames.append(frame)
    visits = pd.concat(frames, ignore_index=True)
    order = {pid: i for i, pid in enumerate(draw.ids)}
    visits = visits.sort_values(
        ["patient_id", "day"],
        key=lambda s: s.map(order) if s.name == "patient_id" else s,
    )
    return visits.reset_index(drop=True)
