"""The Uncertainty results tab: tornado, switching values, discount-rate sensitivity, optimism bias and
the Monte Carlo simulation with the probability of passing the Ten Year Test.

Shown for every proposal: switching values, discount rates and optimism bias need no ranges; the tornado
and the Monte Carlo say in one line when no input has a range. Everything shown comes from
``costmodel.uncertainty`` (sensitivity, montecarlo) and the tables in ``costmodel.present.uncertainty_tables``; engine calls are cached
(sensitivity on the draft's text and edits, the simulation on inputs_sha256 + draws + seed + optimism).

The Monte Carlo runs only when "Run simulation" is pressed (with a progress bar); the run is remembered
for the proposal in this session (``st.session_state["uncertainty_runs"]``) and, while the assumptions it
was run on are still the ones in use, is the one run the page quotes: beside the verdict, in the
Downloads tab's briefing and in its histogram image (otherwise all three quote the default run).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import streamlit as st

from app_pages.common import (
    Draft,
    csv_button,
    current_draft,
    edits_key,
    evaluate,
    markdown_frame,
    money_columns,
    show_altair,
    show_chart,
    show_table,
)
from app_pages.links import LINKED_RUN_KEY, MC_KEY
from costmodel.appraisal.engine import TenYearTest
from costmodel.errors import CostModelError
from costmodel.formatting import fy_label, money, percent, plural
from costmodel.present import markup
from costmodel.uncertainty.limits import DEFAULT_DRAWS, DEFAULT_SEED, MAX_DRAWS

if TYPE_CHECKING:
    import pandas as pd

    from costmodel.present.uncertainty_tables import SimulationView

UNCERTAINTY_CHART_KINDS = ("tornado", "npv-distribution")
RUNS_KEY = "uncertainty_runs"  # draft key -> (inputs_sha256, SimulationView)
OPTIMISM_KEY = "unc_optimism"
DRAWS_KEY = "unc_draws"
SEED_KEY = "unc_seed"
USER_RATE_KEY = "unc_user_rate"
WHO_KEY = "unc_switching_who"
TARGET_ON_KEY = "unc_target_on"
TARGET_KEY = "unc_target_points"
KEPT_KEY = "uncertainty_inputs"  # widget key -> value, kept across page switches
MAX_SEED = 2**53 - 1  # the largest whole number the browser's number field holds exactly
PROGRESS_STEPS = 50  # at most this many progress-bar updates per run

# ---------------------------------------------------------------------------------------------
# Cached engine calls
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SensitivityViews:
    n_ranged: int
    central_npv: float  # [£]
    tornado: pd.DataFrame
    switching: pd.DataFrame
    optimism_npv: pd.DataFrame
    corrections: pd.DataFrame
    optimism_status: str
    optimism_note: str
    capital_category: str


def has_ranges(r: TenYearTest) -> bool:
    """True when some input of the proposal has a low/high range (so a tornado and a Monte Carlo)."""
    return _n_ranged(r.scenario.inputs_sha256, r) > 0


@st.cache_data(max_entries=128, show_spinner=False)
def _n_ranged(inputs_sha256: str, _result: TenYearTest) -> int:
    from costmodel.uncertainty.compile import compile_uncertainty

    try:
        return len(compile_uncertainty(_result.scenario).inputs)
    except CostModelError:
        return 0


def _names(r: TenYearTest) -> dict[str, str]:
    return {a.id: a.name for a in r.scenario.agencies}


@st.cache_data(max_entries=64, show_spinner=False)
def _sensitivity(
    name: str, text: str, library_dir: str | None, edits_json: str
) -> SensitivityViews | str | None:
    """Tornado, switching values and the optimism-bias effect as tables (or the engine's message)."""
    from costmodel.present.uncertainty_report import switching_table
    from costmodel.present.uncertainty_tables import optimism_tables, tornado_table
    from costmodel.uncertainty.compile import compile_uncertainty
    from costmodel.uncertainty.sensitivity import optimism_effect, switching_values, tornado

    out = evaluate(name, text, library_dir, edits_json)
    if out.result is None:
        return None
    r = out.result
    try:
        c = compile_uncertainty(r.scenario)
        o = optimism_effect(r.scenario)
        npv, corrections = optimism_tables(o, c.agency_ids, _names(r))
        return SensitivityViews(
            len(c.inputs),
            r.npv,
            tornado_table(tornado(c, r)),
            switching_table(switching_values(c), _names(r)),
            npv,
            corrections,
            o.table_status,
            o.table_note,
            o.capital_category,
        )
    except CostModelError as exc:
        return str(exc)


@st.cache_data(max_entries=64, show_spinner=False)
def _rates(
    name: str, text: str, library_dir: str | None, edits_json: str, user_rate: float | None
) -> tuple[pd.DataFrame, list[tuple[str, str, float]]] | str | None:
    """NPV by budget holder under each discount schedule, and (column, full label, total NPV) per case."""
    from costmodel.present.input_values import rate_case_label
    from costmodel.present.uncertainty_tables import rate_column, rates_table
    from costmodel.uncertainty.compile import compile_uncertainty
    from costmodel.uncertainty.sensitivity import discount_rate_sensitivity

    out = evaluate(name, text, library_dir, edits_json)
    if out.result is None:
        return None
    r = out.result
    try:
        c = compile_uncertainty(r.scenario)
        cases = discount_rate_sensitivity(c, [] if user_rate is None else [user_rate])
    except CostModelError as exc:
        return str(exc)
    return rates_table(cases, c.agency_ids, _names(r)), [
        (rate_column(x), rate_case_label(x), x.npv) for x in cases
    ]


@st.cache_data(max_entries=32, show_spinner=False)
def _simulation(
    inputs_sha256: str,
    draws: int,
    seed: int,
    optimism: bool,
    _result: TenYearTest,
    target_error: float | None = None,
) -> SimulationView:
    """The Monte Carlo of the proposal whose resolved inputs hash to ``inputs_sha256`` (``_result``),
    with a progress bar while it runs (the bar is created and removed here, so a cached replay is
    harmless). With ``target_error`` [fraction] ``draws`` is a cap: blocks of draws until the probability
    of passing is known to that standard error (as ``costmodel simulate --target-error``)."""
    from costmodel.present.charts import npv_distribution_data
    from costmodel.present.uncertainty_tables import summarise_simulation
    from costmodel.uncertainty.compile import OptimismSettings
    from costmodel.uncertainty.montecarlo import simulate
    from costmodel.uncertainty.optimism import load_optimism_table

    bar = st.progress(0.0, text=f"Simulating {draws:,} draws…")
    shown = [0]

    def progress(done: int, total: int) -> None:
        step = done * PROGRESS_STEPS // total
        if step > shown[0]:
            shown[0] = step
            bar.progress(done / total, text=f"Simulating: {done:,} of {total:,} draws")

    settings = OptimismSettings(load_optimism_table()) if optimism else None
    p = _result.scenario.proposal
    extra = None
    if p.pool is not None or p.responsibility_charges:  # the agreement applied to every draw
        from costmodel.pooling.draws import pool_draws

        extra = pool_draws(_result.scenario, _result.structure)
    partners = [x.agency for x in p.pool.partners] if p.pool is not None else []
    try:
        sim = simulate(
            _result.scenario,
            draws,
            seed,
            optimism=settings,
            progress=progress,
            extra=extra,
            target_error=target_error,
        )
        return summarise_simulation(sim, npv_distribution_data(_result, sim), _names(_result), partners)
    finally:
        bar.empty()


# ---------------------------------------------------------------------------------------------
# The run remembered for the proposal in this session (also used by the Downloads tab)
# ---------------------------------------------------------------------------------------------


def _kept(key: str, default: Any) -> str:
    """A widget key whose value survives a page switch (Streamlit forgets the state of a widget that a
    page does not draw): restore it from a plain session-state copy; ``_keep`` updates the copy."""
    if key not in st.session_state:
        st.session_state[key] = st.session_state.setdefault(KEPT_KEY, {}).get(key, default)
    return key


def _keep(key: str) -> None:
    st.session_state.setdefault(KEPT_KEY, {})[key] = st.session_state.get(key)


def _runs() -> dict[str, tuple[str, SimulationView]]:
    return st.session_state.setdefault(RUNS_KEY, {})


def _run_from_link(r: TenYearTest) -> None:
    """A link's Monte Carlo settings (``draws``, ``seed``, ``ob``; see app_pages.links): put them in the
    form and run them once for the proposal the link opened."""
    settings = st.session_state.pop(LINKED_RUN_KEY, None)
    d = current_draft()
    if settings is None or d is None:
        return
    draws, seed, optimism = settings
    if draws_problem(draws) or seed_problem(seed) or not has_ranges(r):
        return
    kept = st.session_state.setdefault(KEPT_KEY, {})
    kept |= {DRAWS_KEY: draws, SEED_KEY: seed, OPTIMISM_KEY: optimism}
    for key in (DRAWS_KEY, SEED_KEY, OPTIMISM_KEY):
        st.session_state.pop(key, None)
    st.session_state[OPTIMISM_KEY] = optimism
    try:
        _record_run(d, r, draws, seed, optimism)
    except CostModelError:
        return


def _record_run(
    d: Draft, r: TenYearTest, draws: int, seed: int, optimism: bool, target_error: float | None = None
) -> SimulationView:
    """Run (or replay from the cache) a Monte Carlo and remember it as the proposal's run; its settings
    go into the address: the draws actually made, so that a run to a target standard error reopens with
    the same figures (its draws are the first draws of a run of that many)."""
    sha = r.scenario.inputs_sha256
    view = _simulation(sha, int(draws), int(seed), optimism, r, target_error)
    _runs()[d.key] = (sha, view)
    st.session_state[MC_KEY] = (int(view.draws), int(seed), bool(optimism))
    return view


def current_simulation(r: TenYearTest) -> SimulationView | None:
    """The simulation run in this session for the proposal in use, if it was run on these very inputs
    (same inputs_sha256) with the optimism-bias setting now chosen; None otherwise."""
    _run_from_link(r)
    d = current_draft()
    record = _runs().get(d.key) if d is not None else None
    if record is None:
        return None
    sha, view = record
    optimism = st.session_state.get(
        OPTIMISM_KEY, st.session_state.get(KEPT_KEY, {}).get(OPTIMISM_KEY, r.risk_adjusted)
    )
    if sha != r.scenario.inputs_sha256 or view.optimism_bias != bool(optimism):
        return None
    return view


def shown_simulation(r: TenYearTest) -> SimulationView | None:
    """The one run the page quotes (beside the verdict, in the npv-distribution image and the briefing):
    the user's run when there is one for these inputs, otherwise the default run (10,000 draws, the
    default seed, optimism bias as the file says, risk-adjusted unless it is off: the same cache entry the
    Uncertainty tab uses for those settings). None when no input has a range."""
    if not has_ranges(r):
        return None
    view = current_simulation(r)
    if view is not None:
        return view
    try:
        return _simulation(r.scenario.inputs_sha256, DEFAULT_DRAWS, DEFAULT_SEED, r.risk_adjusted, r)
    except CostModelError:
        return None


def optimism_simulation(r: TenYearTest, like: SimulationView) -> SimulationView | None:
    """The same draws and seed as ``like`` on the other basis: without the optimism-bias corrections when
    ``like`` has them (the unadjusted figures, shown beside), with them when it has not."""
    try:
        return _simulation(r.scenario.inputs_sha256, like.draws, like.seed, not like.optimism_bias, r)
    except CostModelError:
        return None


def standard_error(p: float, n: int) -> float:
    """Standard error of a proportion ``p`` estimated from ``n`` independent draws: sqrt(p(1-p)/n). [fraction]

    >>> round(standard_error(0.39, 10_000), 4)
    0.0049
    """
    return (p * (1 - p) / n) ** 0.5


def chance_sentence(view: SimulationView) -> str:
    """'39% ± 0.5 points' style: the probability of passing with its standard error, in percentage points."""
    se = standard_error(view.p_passes, view.draws)
    passing = round(view.p_passes * view.draws)
    if passing in (0, view.draws):
        return f"{passing:,} of {view.draws:,} draws pass"
    return f"{percent(view.p_passes)} (standard error {se * 100:.1f} points)"


def show_chance_of_passing(r: TenYearTest) -> None:
    """Beside the verdict: the probability of passing from the run the page quotes, with its standard
    error, and with the optimism-bias corrections on the same draws; nothing when no input has a range."""
    view = shown_simulation(r)
    if view is None:
        st.caption("No input has a range: no probability of passing.")
        return
    other = optimism_simulation(r, view)
    # not an st.metric: the page's first metric stays the NPV
    st.markdown(
        f"**Probability of passing: {percent(view.p_passes)}**"
        + (" (risk-adjusted)" if view.optimism_bias else " (before optimism bias)"),
        help="Share of Monte Carlo draws in which the whole-public-sector NPV is at least zero "
        "(every ranged input drawn from its range). The Uncertainty tab runs it with other settings.",
    )
    lines = [
        f"{chance_sentence(view)}; {view.draws:,} draws, seed {view.seed}"
        + (", optimism-bias corrections applied" if view.optimism_bias else "")
        + "."
    ]
    if other is not None and other.optimism_bias:
        lines.append(f"With optimism-bias corrections: {chance_sentence(other)}.")
    elif other is not None:
        lines.append(f"Unadjusted (before optimism bias): {chance_sentence(other)}.")
    st.caption(" ".join(lines))


def brief_simulation(r: TenYearTest) -> Any:
    """What the briefing quotes of the Monte Carlo: the very run the page quotes beside the verdict and
    the Uncertainty tab shows (:func:`shown_simulation`: the user's run for these inputs and settings,
    otherwise the default run); None when no input has a range."""
    from costmodel.export.brief import SimulationSummary

    view = shown_simulation(r)
    if view is None:
        return None
    return SimulationSummary(view.p_passes, view.draws, view.npv_p5, view.npv_p95, view.p_passes_se)


def draws_problem(draws: object) -> str | None:
    """Why a number of draws cannot be used, in one line (None when it can)."""
    if not isinstance(draws, int | float) or draws != int(draws):
        return f"Enter a whole number of draws between 1 and {MAX_DRAWS:,}."
    if not 1 <= draws <= MAX_DRAWS:
        return (
            f"The number of draws must be between 1 and {MAX_DRAWS:,} (you entered {int(draws):,}). "
            "10,000 draws give probabilities to within about ±1 percentage point."
        )
    return None


def target_problem(points: object) -> str | None:
    """Why a target standard error (in percentage points) cannot be used, in one line (None when it can)."""
    if not isinstance(points, int | float) or not 0 < float(points) < 50:
        return "The target standard error must be above 0 and below 50 percentage points (e.g. 0.5)."
    return None


def seed_problem(seed: object) -> str | None:
    if not isinstance(seed, int | float) or seed != int(seed) or not 0 <= seed <= MAX_SEED:
        return f"The seed must be a whole number between 0 and {MAX_SEED:,}."
    return None


# ---------------------------------------------------------------------------------------------
# The tab
# ---------------------------------------------------------------------------------------------


def uncertainty_tab(r: TenYearTest) -> None:
    d = current_draft()
    if d is None:  # pragma: no cover - the page stops before this without a draft
        return
    prices = f"{fy_label(r.structure.price_base_year)} prices"
    views = _sensitivity(d.name, d.text, d.library_dir, edits_key(d.valid_edits))
    if views is None:  # pragma: no cover - drafts are only opened when valid
        return
    if isinstance(views, str):
        st.error(
            f"The uncertainty analysis cannot be run for this proposal: {markup.inline(str(views))}",
            icon=":material/error:",
        )
        return
    pid = r.scenario.proposal.id
    ranged = views.n_ranged > 0

    # --- tornado ---------------------------------------------------------------------------------
    st.subheader("Which assumptions matter most")
    if ranged:
        show_chart("tornado", r, key_prefix="unc-")
        st.markdown(
            f"**Tornado table**: NPV (£, {prices}, {r.scenario.schedule.label}) with each ranged input at its low "
            "and high, the others central; largest swing first."
        )
        show_table(
            views.tornado,
            file_name=f"{pid}-tornado.csv",
            key="unc-tornado-table-csv",
            column_config=money_columns(("NPV at low (£)", "NPV at high (£)", "Swing (£)")),
            views=[[c for c in views.tornado.columns if c != "Id"]],
        )
    else:
        st.info(
            "No assumption in this file has a range: give an input a `low` and `high` in the YAML file to see "
            "the tornado and run the Monte Carlo.",
            icon=":material/info:",
        )

    # --- switching values --------------------------------------------------------------------------
    _switching_values(r, views, pid)

    # --- discount rates ----------------------------------------------------------------------------
    _discount_rates(r, d, pid, prices)

    # --- optimism bias -----------------------------------------------------------------------------
    optimism = _optimism(r, views, pid)

    # --- Monte Carlo -------------------------------------------------------------------------------
    st.subheader("Monte Carlo: the probability of passing")
    if not ranged:
        st.info(
            "With no ranged input every draw gives the central NPV: there is nothing to simulate.",
            icon=":material/info:",
        )
        return
    _monte_carlo(r, d, optimism, pid, prices)


def _switching_values(r: TenYearTest, views: SensitivityViews, pid: str) -> None:
    from costmodel.present.uncertainty_tables import TOTAL

    st.subheader("Switching values")
    st.markdown(
        "For each key input, the value at which the NPV reaches zero (the proposal just breaks even), the others "
        "held central; or, when no sensible value does, why not."
    )
    frame = views.switching
    if frame.empty:
        st.caption("This proposal has no input with a switching value.")
        return
    who_options = [TOTAL, *(a.name for a in r.scenario.agencies)]
    _kept(WHO_KEY, TOTAL)
    if st.session_state[WHO_KEY] not in who_options:  # a budget holder of another proposal
        st.session_state[WHO_KEY] = TOTAL
    who = st.selectbox("Whose NPV reaches zero", who_options, key=WHO_KEY, on_change=_keep, args=(WHO_KEY,))
    shown = frame[frame["Whose NPV"] == who]
    # a static table, so that the reasons wrap and can be read in full
    st.table(
        markdown_frame(
            shown[["Input", "Central", "Switching value", "Change from central", "Why none"]].set_index(
                "Input"
            )
        )
    )
    csv_button(
        "Switching values, every budget holder (CSV)", frame, f"{pid}-switching-values.csv", key="unc-switching-csv"
    )


def _discount_rates(r: TenYearTest, d: Draft, pid: str, prices: str) -> None:
    st.subheader("Discount-rate sensitivity")
    user_pct = st.number_input(
        "Your own discount rate (% a year, real, the same every year; optional)",
        min_value=0.0,
        max_value=50.0,
        step=0.5,
        format="%.2f",
        key=_kept(USER_RATE_KEY, None),
        on_change=_keep,
        args=(USER_RATE_KEY,),
        placeholder="e.g. 5",
    )
    user_rate = None if user_pct is None else round(float(user_pct) / 100, 6)
    rates = _rates(d.name, d.text, d.library_dir, edits_key(d.valid_edits), user_rate)
    if rates is None:  # pragma: no cover
        return
    if isinstance(rates, str):
        st.error(rates, icon=":material/error:")
        return
    frame, cases = rates
    cols = st.columns(len(cases))
    for col, (column, label, npv) in zip(cols, cases, strict=True):
        col.metric(f"NPV, {column}", money(npv), help=label)
    st.markdown(f"**NPV by budget holder under each schedule** (£, {prices}):")
    show_table(
        frame,
        file_name=f"{pid}-discount-rates.csv",
        key="unc-rates-csv",
        column_config=money_columns(c for c in frame.columns if c != "Budget holder"),
    )
    st.caption(markup.inline(" · ".join(f"{column}: {label}" for column, label, _ in cases)))


def _optimism(r: TenYearTest, views: SensitivityViews, pid: str) -> bool:
    st.subheader("Optimism bias by evidence grade")
    on = st.toggle(
        "Correct for optimism bias (costs up, benefits down, by each input's confidence grade)",
        key=_kept(OPTIMISM_KEY, r.risk_adjusted),
        on_change=_keep,
        args=(OPTIMISM_KEY,),
        help="On by default: the headline is the risk-adjusted central case (unless the file says "
        "appraisal.optimism_bias: off). Also applied to the Monte Carlo below when on.",
    )
    if not on:
        st.caption(
            "Off: the Monte Carlo below runs on the file's unadjusted estimates (before optimism bias). Turn on "
            "to see the NPV with the corrections and the list of them (the Monte Carlo then applies them to "
            "every draw)."
        )
        return False
    total = views.optimism_npv.iloc[0]
    cols = st.columns(3)
    cols[0].metric("NPV without the corrections", money(total["Without (£)"]))
    cols[1].metric("NPV with the corrections", money(total["With (£)"]))
    cols[2].metric("Effect", money(total["Effect (£)"], signed=True))
    show_table(
        views.optimism_npv,
        file_name=f"{pid}-optimism-bias-npv.csv",
        key="unc-optimism-npv-csv",
        column_config=money_columns(("Without (£)", "With (£)", "Effect (£)")),
    )
    st.markdown(
        f"**Corrections** (capital lines by the Green Book table, category *{views.capital_category.replace('_', ' ')}*):"
    )
    if views.corrections.empty:
        st.caption("No correction applies: every input is graded A.")
    else:
        show_table(
            views.corrections, file_name=f"{pid}-optimism-bias-corrections.csv", key="unc-corrections-csv"
        )
    if views.optimism_status == "assumption":
        st.warning(
            "The grade percentages are a stated assumption, not a published table: " + views.optimism_note,
            icon=":material/warning:",
        )
    return True


def _monte_carlo(r: TenYearTest, d: Draft, optimism: bool, pid: str, prices: str) -> None:
    st.markdown(
        "Every ranged input is drawn from its range (triangular unless the file names a distribution), "
        "independently unless the file declares correlations (then as declared), and the Ten Year Test is run "
        "for each draw. The same seed gives the same figures."
    )
    with st.form("unc-simulation", border=True):
        cols = st.columns(2)
        draws = cols[0].number_input(
            "Number of draws",
            step=1000,
            format="%d",
            key=_kept(DRAWS_KEY, DEFAULT_DRAWS),
            help=f"Between 1 and {MAX_DRAWS:,}. 10,000 draws take a fraction of a second.",
        )
        problems = {"draws": draws_problem(draws)}
        if problems["draws"]:
            cols[0].error(problems["draws"], icon=":material/error:")
        seed = cols[1].number_input(
            "Seed",
            step=1,
            format="%d",
            key=_kept(SEED_KEY, DEFAULT_SEED),
            help="The same seed gives the same draws.",
        )
        problems["seed"] = seed_problem(seed)
        if problems["seed"]:
            cols[1].error(problems["seed"], icon=":material/error:")
        cols = st.columns(2)
        to_target = cols[0].checkbox(
            "Draw until the probability of passing is known to ± (points)",
            key=_kept(TARGET_ON_KEY, False),
            help="Draws in blocks of 10,000 until the Monte Carlo standard error of the probability of passing is "
            "at most this many percentage points; the number of draws above is then the cap. The same seed "
            "gives the same figures as `costmodel simulate --target-error`.",
        )
        points = cols[1].number_input(
            "Target standard error (percentage points)",
            min_value=0.01,
            max_value=49.9,
            step=0.1,
            format="%.2f",
            key=_kept(TARGET_KEY, 0.5),
            help="0.5 points: the probability of passing known to about ±1 point (two standard errors).",
        )
        problems["target"] = target_problem(points) if to_target else None
        if problems["target"]:
            cols[1].error(problems["target"], icon=":material/error:")
        submitted = st.form_submit_button("Run simulation", type="primary", icon=":material/casino:")
    for key in (DRAWS_KEY, SEED_KEY, TARGET_ON_KEY, TARGET_KEY):
        _keep(key)
    target = round(float(points) / 100, 6) if to_target and not problems["target"] else None
    if submitted and not any(problems.values()):
        try:
            _record_run(d, r, int(draws), int(seed), optimism, target)
        except CostModelError as exc:
            st.error(f"The simulation could not be run: {markup.inline(str(exc))}", icon=":material/error:")
    view = current_simulation(r)
    if view is None:
        if d.key in _runs():
            st.info(
                "The assumptions or the optimism-bias setting changed since the last run: run the simulation again.",
                icon=":material/refresh:",
            )
        else:
            st.caption("Not run yet: press Run simulation.")
        return
    _show_simulation(r, view, pid, prices)


def _show_simulation(r: TenYearTest, view: SimulationView, pid: str, prices: str) -> None:
    from costmodel.present.charts import build_chart

    firm = view.firm_budget_years
    st.markdown(
        f"**{plural(view.draws, 'draw')}, seed {view.seed}**, {plural(view.n_inputs, 'ranged input')}"
        + (f" ({view.correlated} of them correlated as the file declares)" if view.correlated else "")
        + (", optimism-bias corrections applied" if view.optimism_bias else "")
        + "."
    )
    if view.target_error is not None:
        target = f"± {view.target_error * 100:.2g} points"
        if view.cap_reached:
            st.warning(
                f"Target standard error {target} NOT reached: stopped at the cap of {view.draws:,} draws (the "
                f"probability of passing has standard error {view.p_passes_se * 100:.2f} points); raise the number "
                "of draws to go further.",
                icon=":material/warning:",
            )
        else:
            st.caption(
                f"Drew blocks of 10,000 until the probability of passing had a standard error of at most {target}: "
                f"{view.draws:,} draws."
            )
    cols = st.columns(5)
    cols[0].metric(
        "Probability of passing",
        percent(view.p_passes),
        help="Share of draws in which the whole-public-sector NPV is at least zero (the Ten Year Test passes).",
    )
    cols[1].metric("NPV, 5th percentile", money(view.npv_p5))
    cols[2].metric("NPV, median", money(view.npv_p50))
    cols[3].metric("NPV, 95th percentile", money(view.npv_p95))
    cols[4].metric(
        "Cash break-even",
        percent(view.p_cash_break_even_within_firm_years),
        help=f"Share of draws in which cumulative cashable savings cover cumulative costs, and keep covering them, "
        f"from a year within the {firm} firm-budget years.",
    )
    se5, se50, se95 = view.npv_se
    st.caption(
        f"Monte Carlo standard errors of these {view.draws:,} draws (not the uncertainty in the inputs): "
        f"probability of passing {_se_points(view.p_passes, view.p_passes_se, view.draws)}; "
        f"NPV P5 ± {money(se5)}, median ± {money(se50)}, P95 ± {money(se95)}; "
        f"cash break-even {_se_points(view.p_cash_break_even_within_firm_years, view.p_cash_break_even_se, view.draws)}."
    )
    chart = build_chart("npv-distribution", r, view.histogram)
    show_altair(
        chart,
        f"Histogram of the NPV over {view.draws:,} joint draws of the {view.n_inputs} ranged assumptions "
        f"({'correlated as the file declares' if view.correlated else 'independent'}, seed {view.seed}); green bars pass the Ten Year Test, red bars fail; the black line is the "
        f"central NPV ({prices}, {r.scenario.schedule.label}).",
        view.histogram,
        stem=f"{pid}-npv-distribution",
        key="unc-npv-distribution",
        image=lambda fmt: _image(chart, fmt, r),
    )
    st.markdown(f"**Each budget holder's chance of breaking even or gaining** (NPV ≥ 0; £, {prices}):")
    show_table(
        view.agencies,
        file_name=f"{pid}-simulation-by-budget-holder.csv",
        key="unc-agencies-csv",
        column_config={
            "P(NPV ≥ 0)": st.column_config.NumberColumn("P(NPV ≥ 0)", format="percent"),
            "± (points)": st.column_config.NumberColumn(
                "± (points)", format="%.1f", help="Monte Carlo standard error of P(NPV ≥ 0), in percentage points"
            ),
        }
        | money_columns(("P5 (£)", "P5 ± (£)", "P50 (£)", "P50 ± (£)", "P95 (£)", "P95 ± (£)")),
    )
    st.caption(
        f"± columns: Monte Carlo standard errors of {view.draws:,} draws. Discounted payback within the firm-budget "
        f"years in {percent(view.p_discounted_payback_within_firm_years)} of draws "
        f"({_se_points(view.p_discounted_payback_within_firm_years, view.p_discounted_payback_se, view.draws)}). "
        "The Downloads tab's briefing quotes this run's probability of passing."
    )
    if view.pooled is not None:
        st.markdown(
            f"**The pooled budget in every draw**: each party's chance of ending whole (NPV ≥ 0) before and after "
            f"the agreement, and the net cash it pays under the agreement (present value, £, {prices}; "
            "negative: it receives):"
        )
        show_table(
            view.pooled,
            file_name=f"{pid}-simulation-pooled.csv",
            key="unc-pooled-csv",
            column_config={
                "P(whole) before": st.column_config.NumberColumn("P(whole) before", format="percent"),
                "P(whole) after": st.column_config.NumberColumn("P(whole) after", format="percent"),
                "before ± (points)": st.column_config.NumberColumn("before ± (points)", format="%.1f"),
                "after ± (points)": st.column_config.NumberColumn("after ± (points)", format="%.1f"),
            }
            | money_columns(("Cash paid P5 (£)", "Cash paid P50 (£)", "Cash paid P95 (£)", "P50 ± (£)")),
        )
        st.caption(
            "The agreement's ranged terms (contributions, charge rates) are drawn with the flows they apply to; "
            "a formula's shares are as agreed. ± columns: Monte Carlo standard errors."
        )
    if view.cash_schedule is not None:
        st.markdown(
            "**The agreement's cash payments by year**: what each party pays under the payment schedule, net of "
            "what it receives, in cash of each year (£; negative: it receives), 5th, 50th and 95th percentiles:"
        )
        show_table(
            view.cash_schedule,
            file_name=f"{pid}-simulation-cash-schedule.csv",
            key="unc-cash-schedule-csv",
            column_config=money_columns(
                ("P5 (£)", "P5 ± (£)", "P50 (£)", "P50 ± (£)", "P95 (£)", "P95 ± (£)")
            ),
        )


def _se_points(p: float, se: float, draws: int) -> str:
    """'± 0.5 points', or the count when every draw or none qualifies (a standard error of zero)."""
    count = round(p * draws)
    if count in (0, draws):
        return f"{'none' if count == 0 else 'all'} of {draws:,} draws"
    return f"± {se * 100:.1f} points"


def _image(chart: Any, fmt: str, r: TenYearTest) -> bytes:
    """The chart as PNG or SVG bytes (costmodel.export.images.render_image), with its source line."""
    from costmodel.export.images import render_image, with_source_line

    return render_image(with_source_line(chart.to_dict(), r), fmt)  # type: ignore[arg-type]
