"""Every quantity an analyst can set, declared once: its path, unit, domain and how it reaches the engine.

Each :class:`Entry` names a quantity by a path *template* (``outcomes.*.effect``: ``*`` is a row id)
and says, once, what every surface needs to know about it:

* ``unit`` and ``domain`` (bounds) in the file's own unit; ``integer`` for whole numbers of years;
* ``linear``: whether the NPV is affine in it (so two evaluations give its switching value exactly);
* ``applies``: how a new value reaches the engine: the name of the
  :class:`~costmodel.appraisal.engine.Params` field it sets (``role="sets"``) or multiplies
  (``role="scales"``), or one of :data:`SPECIAL_TARGETS` (cost amounts, growth, unit costs, the
  discount rate, the appraisal's structure, pooling and financing);
* ``label`` (the words the Edit page and the workbook show) and ``name`` (the short name the tornado,
  switching values and the Sources page show).

The engine's compile step (:func:`costmodel.appraisal.engine.compile_scenario`), the uncertainty table
(:mod:`costmodel.uncertainty.compile`), the tornado and switching values, the Edit page
(:mod:`costmodel.inputs.editing`), provenance (:mod:`costmodel.inputs.provenance`), the JSON Schema's
descriptions (:mod:`costmodel.inputs.models`) and the workbook (:mod:`costmodel.export.excel`) read
it. Adding an outcome parameter is a field on :class:`~costmodel.inputs.models.Outcome` plus one entry
here (``tests/test_registry.py`` walks through one).

**One path convention, by id.** A quantity is addressed by the ids of the rows it sits in, so a path
stays the same when rows are reordered: ``outcomes.first_time_entrants.effect``,
``prevention_costs.youth_workers.amount``, ``outcomes.fte.unit_costs.custody_month.per_event``.
:func:`index_path` turns such a path into the file's positions (``outcomes.0.effect``: what YAML
errors point at) and :func:`id_path` goes back. Rows without an id (a partner's contributions) are
counted by position.

Pure data and plain functions: no import of the models (they import this module for their
descriptions), so every layer may read it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

HORIZON = "horizon"
"""``domain_high`` of a number of years bounded by the appraisal horizon (lags, persistence)."""

SPECIAL_TARGETS = (
    "cost_amount",  # a cost line's amount, converted to price-base prices
    "cost_growth",  # a recurring cost's real growth: rebuilds the line's yearly profile
    "cost_profile",  # explicit amounts by year
    "unit_cost_component",  # units of a unit cost per event: adds to the outcome's £ per event
    "unit_cost_scale",  # a whole unit cost (all bearers): scales its £ per event everywhere it is used
    "discount_rate",  # every band of the schedule moves with it
    "structure",  # appraisal settings: the timeline itself (recompile)
    "pooling",  # pooled budgets' sharing formula (costmodel.pooling): not drawn
    "pool_term",  # a pool contribution or a responsibility charge: drawn, applied by costmodel.pooling.draws
    "financing",  # the invest-to-save fund
    "cost_release",  # a cut line's release ramp: rebuilds the line's yearly profile
)

# list path template -> the key that names a row (None: rows are counted by position)
ROW_KEYS: dict[str, str | None] = {
    "prevention_costs": "id",
    "savings": "id",
    "closure_costs": "id",
    "outcomes": "id",
    "outcomes.*.unit_costs": "unit_cost",
    "unit_costs": "id",
    "pool.partners": "agency",
    "pool.partners.*.contributions": None,
    "pool.sharing.shares": "partner",
    "pool.sharing.shares_beyond": "partner",
    "responsibility_charges": "id",
}


@dataclass(frozen=True)
class Entry:
    """One kind of quantity an analyst can set (see the module docstring)."""

    template: str  # e.g. "outcomes.*.effect"
    unit: str  # the file's unit: fraction, years, people_per_year, GBP, GBP_per_year...
    label: str  # words for the Edit page and the workbook
    domain_low: float
    domain_high: float | str  # a bound, or HORIZON
    applies: str  # a Params field, or one of SPECIAL_TARGETS
    role: Literal["sets", "scales"] = "sets"
    integer: bool = False
    linear: bool = False
    switching: bool = False  # always gets a switching value, ranged or not (the Green Book's key inputs)
    editable: bool = True  # shown in the Edit page's tables
    short: str = ""  # short name; default: the last key with spaces
    optional: bool = False  # the model field may be absent
    default: float | None = None  # the engine's value when an optional field is absent
    description: str = ""  # the JSON Schema's description of the model field

    @property
    def key(self) -> str:
        return self.template.rsplit(".", 1)[-1]

    @property
    def name(self) -> str:
        return self.short or self.key.replace("_", " ")

    @property
    def collection(self) -> str:
        """The template of the row this quantity belongs to (``outcomes.*``), or "" for a top-level one."""
        head = self.template.rsplit(".", 1)[0]
        return head if "*" in head else ""

    def high(self, horizon: int) -> float:
        """The upper bound of the domain for an appraisal of ``horizon`` years."""
        return float(horizon) if self.domain_high == HORIZON else float(self.domain_high)


def _outcome(
    key: str,
    unit: str,
    label: str,
    applies: str,
    *,
    low: float = 0.0,
    high: float | str = 1.0,
    linear: bool = True,
    switching: bool = False,
    role: Literal["sets", "scales"] = "sets",
    optional: bool = False,
    default: float | None = None,
    description: str = "",
) -> Entry:
    return Entry(
        f"outcomes.*.{key}",
        unit,
        label,
        low,
        high,
        applies,
        role=role,
        integer=unit == "years",
        linear=linear,
        switching=switching,
        optional=optional,
        default=default,
        description=description,
    )


ENTRIES: tuple[Entry, ...] = (
    # --- appraisal settings (edits of the appraisal's structure) ---------------------------------
    Entry("appraisal.first_year", "financial_year", "First year (year 0, e.g. 2027 = 2027-28)", 1900, 2200,
          "structure", integer=True, editable=False,
          description="First appraisal year (year 0, undiscounted)."),
    Entry("appraisal.horizon_years", "years", "Horizon (years)", 1, 100, "structure", integer=True,
          editable=False,
          description="Number of appraisal years (the Ten Year Test uses 10)."),
    Entry("appraisal.firm_budget_years", "years", "Firm-budget years", 0, HORIZON, "structure", integer=True,
          editable=False,
          description="Years covered by firm budgets; the rest of the horizon is 'impact beyond'."),
    Entry("appraisal.price_base_year", "financial_year", "Price base year", 1900, 2200, "structure",
          integer=True, editable=False,
          description="Financial year whose prices all figures are converted to."),
    Entry("appraisal.discount_rate", "fraction", "Discount rate (real; later bands of the schedule move with it)",
          0.0, 0.5, "discount_rate", switching=True, editable=False, optional=True,
          description="A constant real discount rate for every year, instead of the schedule (for sensitivity). "
                      "[fraction]"),
    Entry("appraisal.discount_schedule", "id", "Discount schedule", 0, 0, "structure", editable=False,
          description="Discount-rate schedule: green_book_standard, green_book_health or green_book_lower_rate."),
    Entry("appraisal.deflator", "id", "Deflator", 0, 0, "structure", editable=False,
          description="Deflator used to convert price years and cash: a shipped one or one under 'deflators'."),
    Entry("appraisal.optimism_bias", "id", "Optimism bias (risk adjustment)", 0, 0, "structure", editable=False,
          optional=True,
          description="'apply' (default): the risk-adjusted central case, every line corrected for optimism bias "
                      "by the shipped table, the unadjusted figures beside it; 'off': the unadjusted figures only."),
    # --- prevention costs ------------------------------------------------------------------------
    Entry("prevention_costs.*.amount", "GBP", "amount", 0.0, 1e12, "cost_amount", linear=True,
          switching=True, optional=True,
          description="A one-off sum, or the amount each year."),
    Entry("prevention_costs.*.by_year", "GBP_per_year", "amounts by year", 0.0, 1e12, "cost_profile",
          editable=False, optional=True,
          description="Explicit amounts for consecutive years."),
    Entry("prevention_costs.*.growth", "fraction_per_year", "real growth", -0.5, 0.5, "cost_growth",
          editable=False, optional=True, short="real growth a year",
          description="Real growth per year of a recurring amount."),
    Entry("prevention_costs.*.release_profile.ramp_years", "years", "release ramp (years to full release)",
          0, HORIZON, "cost_release", integer=True, editable=False, optional=True,
          short="years to release the budget",
          description="For a cut: years before the whole budget is released; the share released rises in "
                      "equal steps, (k + 1) / (ramp_years + 1) in year k after start_year, all of it from "
                      "year ramp_years (0: all at once). [years]"),
    Entry("prevention_costs.*.release_profile.shares", "fraction", "share released each year", 0.0, 1.0,
          "structure", editable=False, optional=True,
          description="For a cut: the share of the budget released in each year from start_year, in order; "
                      "all of it after the last. [fraction]"),
    # --- closure costs of a cut (redundancy, contract exit, buildings): one-off spending ---------
    Entry("closure_costs.*.amount", "GBP", "closure cost", 0.0, 1e12, "cost_amount", linear=True,
          switching=True, editable=False,
          description="A one-off cost of making the cut, paid in the line's year by its budget holder."),
    # --- plain savings lines (issue 11): an amount a budget holder saves, negative if it adds cost ---
    Entry("savings.*.amount", "GBP", "saving", -1e12, 1e12, "savings_amount", linear=True, switching=True,
          editable=False, optional=True,
          description="A one-off sum, or the amount each year, that the budget holder saves (negative: adds cost)."),
    Entry("savings.*.by_year", "GBP_per_year", "savings by year", -1e12, 1e12, "structure",
          editable=False, optional=True,
          description="Explicit amounts for consecutive years (negative: adds cost)."),
    Entry("savings.*.growth", "fraction_per_year", "growth", -0.5, 0.5, "structure",
          editable=False, optional=True, short="growth a year",
          description="Growth per year of a recurring saving."),
    Entry("savings.*.cashable_share", "fraction", "cashable share", 0.0, 1.0, "structure",
          editable=False, optional=True,
          description="Share that can be taken out of the budget (default: all of it). [fraction]"),
    # --- outcomes (in the Edit page's and the workbook's order) ----------------------------------
    _outcome("cohort", "people_per_year", "Cohort: people reached each year", "cohort", high=1e9,
             switching=True,
             description="People reached (new intake) each year. [people per year]"),
    _outcome("baseline_rate", "fraction", "Baseline rate without the prevention", "baseline_rate",
             switching=True,
             description="Without the prevention, the share of the cohort who incur the outcome each year. [fraction]"),
    _outcome("effect", "fraction", "Effect: relative change in that rate", "effect", low=-1.0, switching=True,
             description="Relative change in that rate: the reduction achieved (for a cut, the increase caused); "
                         "negative when the spending adds demand (more referrals). [fraction]"),
    _outcome("lag_years", "years", "Lag before the effect starts", "lag", high=HORIZON, linear=False,
             switching=True,
             description="Years after intake before the effect starts. [years]"),
    _outcome("persistence_years", "years", "Persistence of the effect", "persistence", low=1.0,
             high=HORIZON, linear=False,
             description="Years the effect lasts for each intake (at least 1). [years]"),
    _outcome("drop_off", "fraction", "Drop-off each year after the first", "drop_off", linear=False,
             switching=True,
             description="Share of the remaining effect lost each year after the first. [fraction]"),
    _outcome("deadweight", "fraction", "Deadweight", "deadweight",
             description="Share of the change that would have happened anyway. [fraction]"),
    _outcome("displacement", "fraction", "Displacement", "displacement",
             description="Share of the change that moves elsewhere. [fraction]"),
    _outcome("attribution", "fraction", "Attribution to others", "attribution",
             description="Share of the change due to other organisations. [fraction]"),
    _outcome("optimism_bias", "fraction", "Optimism bias correction", "optimism_bias",
             description="Downward correction for over-optimistic evidence. [fraction]"),
    _outcome("cashable_share", "fraction", "Cashable share of savings", "cashable_share", switching=True,
             description="Share of the saving that can be taken out of budgets. [fraction]"),
    _outcome("cashable_delay_years", "years", "Delay before savings can be cashed", "cashable_delay",
             high=HORIZON, linear=False,
             description="Years after the effect starts before the cashable share can be released. [years]"),
    Entry("outcomes.*.unit_costs.*.per_event", "units_per_event", "Units per event", 0.0, 1e6,
          "unit_cost_component", linear=True, optional=True, short="per event",
          description="Units of this cost per event (default 1)."),
    # --- unit costs (the library's, and the proposal's own) --------------------------------------
    Entry("unit_costs.*", "GBP_per_unit", "Unit cost (all bearers)", 0.0, 1e12, "unit_cost_scale",
          linear=True, switching=True, editable=False),
    # --- financing -------------------------------------------------------------------------------
    Entry("financing.interest_rate", "fraction", "Fund's nominal interest rate", 0.0, 1.0, "financing",
          editable=False, optional=True,
          description="Nominal (cash) interest rate charged per year, e.g. a PWLB rate. [fraction]"),
    Entry("financing.term_years", "years", "Repayment term", 0, 100, "financing", integer=True,
          editable=False, optional=True,
          description="Agreed repayment term. [years]"),
    # --- pooled budgets and responsibility charges -----------------------------------------------
    Entry("pool.partners.*.contributions.*.fixed", "GBP_per_year", "cash contribution", 0.0, 1e12,
          "pool_term", editable=False, optional=True,
          description="Cash paid in each year. [£ per year]"),
    Entry("pool.partners.*.contributions.*.share_of_costs", "fraction", "share of costs", 0.0, 1.0,
          "pool_term", editable=False, optional=True,
          description="Share of each year's total prevention costs. [fraction]"),
    Entry("pool.partners.*.contributions.*.in_kind", "GBP_per_year", "in-kind contribution", 0.0, 1e12,
          "pool_term", editable=False, optional=True,
          description="Value of staff, premises or services given each year. [£ per year]"),
    Entry("pool.sharing.shares.*.share", "fraction", "share of pooled savings", 0.0, 1.0, "pooling",
          editable=False, optional=True,
          description="Share of the pooled savings, 0 to 1. [fraction]"),
    Entry("pool.sharing.shares_beyond.*.share", "fraction", "share of pooled savings beyond the firm years",
          0.0, 1.0, "pooling", editable=False, optional=True),
    Entry("responsibility_charges.*.per_event", "GBP_per_event", "charge per event", 0.0, 1e9, "pool_term",
          editable=False, optional=True,
          description="Charge per event. [£ per event]"),
    Entry("responsibility_charges.*.fixed", "GBP_per_year", "charge each year", 0.0, 1e12, "pool_term",
          editable=False, optional=True,
          description="Charge paid each year with the proposal. [£ per year]"),
    Entry("responsibility_charges.*.fixed_without_proposal", "GBP_per_year", "charge each year without the proposal",
          0.0, 1e12, "pool_term", editable=False, optional=True,
          description="The same fixed charge paid each year without the proposal (0 if the proposal brings the "
          "charge in); only the change is counted. [£ per year]"),
)  # fmt: skip


def entry(template: str) -> Entry:
    """The entry for a path template (``outcomes.*.effect``); KeyError if none."""
    for e in ENTRIES:
        if e.template == template:
            return e
    raise KeyError(template)


NOT_DRAWN = ("structure", "pooling", "financing", "cost_profile", "unit_cost_scale", "discount_rate")
"""Targets the Monte Carlo does not draw from a range in the file (costmodel.uncertainty.compile)."""


def drawn(e: Entry) -> bool:
    """Whether the Monte Carlo draws this quantity when the file gives it a range (low/high)."""
    return e.applies not in NOT_DRAWN


def outcome_entries() -> tuple[Entry, ...]:
    """The quantities set on each outcome row (not the per-event uses), in registry order."""
    return tuple(e for e in ENTRIES if e.collection == "outcomes.*")


# ---------------------------------------------------------------------------------------------
# Paths: by id (stable when rows move) and by position (what the file and its errors count)
# ---------------------------------------------------------------------------------------------


def _get(node: Any, key: str) -> Any:
    if isinstance(node, Mapping):
        return node.get(key)
    return getattr(node, key, None)


def _row_key(template: str) -> tuple[bool, str | None]:
    """(is a list of rows, the key naming a row)."""
    return (template in ROW_KEYS, ROW_KEYS.get(template))


def _convert(data: Any, path: str, *, to_index: bool) -> str:
    parts = path.split(".")
    out: list[str] = []
    template: list[str] = []
    node = data
    i = 0
    while i < len(parts):
        part = parts[i]
        out.append(part)
        template.append(part)
        node = _get(node, part) if node is not None else None
        is_list, key = _row_key(".".join(template))
        if is_list and i + 1 < len(parts) and isinstance(node, Sequence) and not isinstance(node, str):
            row = parts[i + 1]
            found = None
            if key is None:
                found = int(row) if row.isdigit() and int(row) < len(node) else None
                label = row
            elif to_index:
                found = next((n for n, item in enumerate(node) if str(_get(item, key)) == row), None)
                if found is None and row.isdigit() and int(row) < len(node):
                    found = int(row)  # a position is accepted too
                label = str(found) if found is not None else row
            else:
                found = int(row) if row.isdigit() and int(row) < len(node) else None
                label = str(_get(node[found], key)) if found is not None else row
            out.append(label)
            template.append("*")
            node = node[found] if found is not None else None
            i += 2
            continue
        i += 1
    return ".".join(out)


def index_path(data: Any, path: str) -> str:
    """``outcomes.first_time_entrants.effect.value`` -> ``outcomes.0.effect.value`` in ``data`` (the
    parsed file or the model). Paths already by position, and ids not found, pass through unchanged."""
    return _convert(data, path, to_index=True)


def id_path(data: Any, path: str) -> str:
    """``outcomes.0.effect.value`` -> ``outcomes.first_time_entrants.effect.value`` (the inverse of
    :func:`index_path`); positions out of range pass through unchanged."""
    return _convert(data, path, to_index=False)


def template_of(path: str) -> str:
    """The template of a path by id or by position: ``outcomes.fte.effect.value`` -> ``outcomes.*.effect.value``."""
    parts = path.split(".")
    out: list[str] = []
    i = 0
    while i < len(parts):
        out.append(parts[i])
        if ".".join(out) in ROW_KEYS and i + 1 < len(parts):
            out.append("*")
            i += 2
            continue
        i += 1
    return ".".join(out)


# ---------------------------------------------------------------------------------------------
# The quantities of one proposal
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Setting:
    """One registered quantity as it appears in a proposal.

    ``path`` is by id (``outcomes.fte.effect``), ``file_path`` by position (``outcomes.0.effect``);
    ``rows`` are the objects along the path (the outcome; the outcome and its unit-cost use) and
    ``index`` their positions; ``quantity`` is the model object (value, unit, low, high, source...).
    """

    entry: Entry
    path: str
    file_path: str
    rows: tuple[Any, ...]
    index: tuple[int, ...]
    quantity: Any

    @property
    def row_ids(self) -> list[str]:
        """The ids (or positions) of the rows along the path: ``["fte", "custody_month"]``."""
        parts = self.path.split(".")
        return [parts[k] for k, t in enumerate(self.entry.template.split(".")) if t == "*"]


def _matches(node: Any, parts: list[str], done: list[str], rows: tuple[Any, ...], index: tuple[int, ...],
             ids: list[str], pos: list[str]) -> Iterator[tuple[list[str], list[str], tuple[Any, ...],
                                                          tuple[int, ...], Any]]:  # fmt: skip
    if not parts:
        yield ids, pos, rows, index, node
        return
    head, rest = parts[0], parts[1:]
    if head == "*":
        key = ROW_KEYS[".".join(done)]
        for n, item in enumerate(node or ()):
            label = str(n) if key is None else str(_get(item, key))
            yield from _matches(item, rest, [*done, "*"], (*rows, item), (*index, n), [*ids, label],
                                [*pos, str(n)])  # fmt: skip
        return
    child = _get(node, head)
    if child is None:
        return
    yield from _matches(child, rest, [*done, head], rows, index, [*ids, head], [*pos, head])


def settings(proposal: Any, *, unit_costs: Mapping[str, Any] | None = None) -> list[Setting]:
    """Every registered quantity present in ``proposal`` (a model or its plain data), grouped by row in
    registry order: appraisal settings, then each cost line's quantities, each outcome's (its fields,
    then its per-event uses), unit costs (from ``unit_costs``, the scenario's resolved ones), financing
    and pooling."""
    found: list[tuple[tuple[Any, ...], Setting]] = []
    for rank, e in enumerate(ENTRIES):
        root: Any = proposal
        if e.template.startswith("unit_costs."):
            if unit_costs is None:
                continue
            root = {"unit_costs": list(unit_costs.values())}
        parts = e.template.split(".")
        for ids, pos, rows, index, q in _matches(root, parts, [], (), (), [], []):
            first = ENTRIES.index(next(x for x in ENTRIES if x.template.split(".")[0] == parts[0]))
            key = (first, index[:1], rank, index[1:])
            found.append((key, Setting(e, ".".join(ids), ".".join(pos), rows, index, q)))
    found.sort(key=lambda item: item[0])
    return [s for _, s in found]


def describe(template: str) -> str:
    """The JSON Schema description of a registered quantity's model field (the models read it here)."""
    e = entry(template)
    if e.description:
        return e.description
    return f"{e.label[:1].upper()}{e.label[1:]}. [{e.unit.replace('_', ' ')}]"
