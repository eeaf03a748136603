"""Edit the key inputs of the proposal in use; every edit is validated by the loader's rules.

The edits live in the draft (session state), not in widgets, so they survive reruns and page
switches; an invalid edit shows its rule next to the field while the last valid result stays.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from app_pages.common import Draft, bundled_text, draft_outcome, require_result
from costmodel.formatting import fy_label, money, ratio
from costmodel.inputs.bundling import LIBRARY_EDIT_PREFIX, self_contained
from costmodel.inputs.editing import DELETE, editable_quantities, note_edits_in_comments, problems_by_path
from costmodel.inputs.loading import load_reference
from costmodel.inputs.models import UnitCost
from costmodel.inputs.registry import entry
from costmodel.inputs.yamlio import parse_yaml
from costmodel.present import markup
from costmodel.present.input_values import unit_in_words

d, result = require_result()
original = draft_outcome(Draft(d.key, d.name, d.origin, d.text, d.library_dir))
base = original.result
assert base is not None
proposal = base.scenario.proposal  # the file as loaded (edits are applied on top)


def source_text(d: Draft) -> str:
    """The text the edits apply to: the file as loaded, with the library values it uses bundled in once
    a unit cost is changed here (problems then point into the bundled text)."""
    if any(p.startswith(LIBRARY_EDIT_PREFIX) for p in d.edits):
        return bundled_text(d.name, d.text, d.library_dir)
    return d.text


def id_data(d: Draft) -> Any:
    """What maps a problem's position path (``unit_costs.12.bearers.0.value``) to the edit's id path."""
    text = source_text(d)
    return proposal if text == d.text else parse_yaml(text, d.name).data


st.title("Edit assumptions")
st.caption(
    f"Editing {markup.code(d.name)}. Changes are checked with the same rules as the YAML loader; the download keeps "
    "the file's comments and sources."
)
summary = st.container()


def left_out_edits(d: Draft) -> list[tuple[str, Any]]:
    """The pending edits that are not in the last valid text (so not in the download)."""
    missing = object()
    return [(path, v) for path, v in d.edits.items() if d.valid_edits.get(path, missing) != v]


def current(path: str, default: Any) -> Any:
    return d.edits.get(path, default)


def _valid_part(edits: dict[str, Any], problems: list[Any]) -> dict[str, Any]:
    """Every edit that breaks no rule, applied; only the edits a problem names are held aside (with their
    error beside the field). When a problem names no edit, or the rest still breaks a rule, the figures
    keep the last valid edits, as before."""
    by_path = problems_by_path(problems, list(edits), id_data(d))
    if "" in by_path or not by_path:
        return d.valid_edits
    # a flagged path keeps its last valid value (a rule across two fields flags both)
    rest = {k: v for k, v in edits.items() if k not in by_path}
    rest |= {k: d.valid_edits[k] for k in by_path if k in d.valid_edits}
    trial = Draft(d.key, d.name, d.origin, d.text, d.library_dir, dict(rest), dict(rest))
    return rest if draft_outcome(trial).result is not None else d.valid_edits


def commit(new_edits: dict[str, Any], *, rerun: bool) -> None:
    """Store the edits in the draft and validate them; keep the last valid edits for the results."""
    d.edits = new_edits
    out = draft_outcome(d, valid=False)
    if out.result is not None:
        d.valid_edits = dict(new_edits)
        d.problems = []
    else:
        d.problems = list(out.problems)
        d.valid_edits = _valid_part(new_edits, d.problems)
    d.rev += 1
    if rerun:
        st.rerun()


field_problems = problems_by_path(d.problems, list(d.edits), id_data(d)) if d.problems else {}
for _path, _msgs in field_problems.items():  # a cleared value: say so, rather than "missing"
    if _path.endswith(".value") and d.edits.get(_path, 0) is None:
        field_problems[_path] = [
            "the value is empty: type a number (the figures use the last valid value meanwhile)"
            if m == "required field is missing"
            else m
            for m in _msgs
        ]
PERCENT_SHOWN = {q.path for q in editable_quantities(proposal) if q.unit.startswith("fraction")}
_TWICE = re.compile(r"^fractions are written between (-?1|0) and 1; (\S+) looks like a percentage: .*$")
_RANGE = re.compile(r"^a fraction must be between 0 and 1 \(got (\S+)\)$")


def _in_percent(message: str) -> str:
    """A fraction's rule in the words of a table that shows percentages (14 for 14%, 0.14 in the file)."""
    if m := _TWICE.match(message):
        v = float(m.group(2))
        return (
            f"{v * 100:g}% looks like a percentage typed as if in hundredths: this table shows percentages, "
            f"type {v:g} for {v:g}%"
        )
    if m := _RANGE.match(message):
        return f"a percentage must be between 0% and 100% (got {float(m.group(1)) * 100:g}%)"
    return message


for _path in list(field_problems):
    if _path.rsplit(".", 1)[0] in PERCENT_SHOWN:
        field_problems[_path] = [_in_percent(m) for m in field_problems[_path]]


def show_problems(*paths: str) -> None:
    msgs = [m for p in paths for m in field_problems.get(p, [])]
    for m in dict.fromkeys(msgs):
        st.error(markup.inline(m), icon=":material/error:")


# ---------------------------------------------------------------------------------------------
# Appraisal settings
# ---------------------------------------------------------------------------------------------

st.subheader("Appraisal")
ap = proposal.appraisal
schedules = [s.id for s in load_reference().discount_schedules]
labels = {s.id: s.label for s in load_reference().discount_schedules}
settings = [  # labels from the input registry (costmodel.inputs.registry)
    (path, entry(path).label, getattr(ap, path.split(".")[1]))
    for path in ("appraisal.horizon_years", "appraisal.firm_budget_years", "appraisal.first_year")
]
new_edits = dict(d.edits)
cols = list(st.columns(4))
for col, (path, label, default) in zip(cols, settings, strict=False):
    key = f"ap-{d.key}-{path}"
    if key not in st.session_state:
        st.session_state[key] = int(current(path, default))
    with col:
        value = st.number_input(label, min_value=0, max_value=2200, step=1, key=key)
        show_problems(path)
    if value != current(path, default):
        new_edits[path] = int(value)
with cols[3]:
    path = "appraisal.discount_schedule"
    key = f"ap-{d.key}-{path}"
    options: list[str] = (
        schedules if ap.discount_schedule in schedules else [ap.discount_schedule, *schedules]
    )
    if key not in st.session_state:
        st.session_state[key] = current(path, ap.discount_schedule)
    schedule = st.selectbox(entry(path).label, options, format_func=lambda s: labels.get(s, s), key=key)
    show_problems(path)
    if schedule != current(path, ap.discount_schedule):
        new_edits[path] = schedule
path = "appraisal.optimism_bias"  # the risk-adjusted central case (issue 12 §3), on by default
key = f"ap-{d.key}-{path}"
if key not in st.session_state:
    st.session_state[key] = current(path, ap.optimism_bias) == "apply"
adjusted = st.toggle(
    "Risk-adjust for optimism bias (costs up, savings down by the strength of their evidence)",
    key=key,
    help="On by default: every figure is the risk-adjusted central case, with the figures before "
    "optimism bias beside it. Off writes appraisal.optimism_bias: off (the unadjusted figures only).",
)
show_problems(path)
if ("apply" if adjusted else "off") != current(path, ap.optimism_bias):
    new_edits[path] = "apply" if adjusted else "off"
unmatched = field_problems.get("", [])
if new_edits != d.edits:
    commit(new_edits, rerun=True)

# ---------------------------------------------------------------------------------------------
# Quantities: one editable table per group (prevention costs, each outcome)
# ---------------------------------------------------------------------------------------------

COLUMNS = ["Value", "Low", "High"]
SUFFIX = {"Value": "value", "Low": "low", "High": "high"}
EMPTY_CELL = "\u2014"  # what an empty cell (no low/high range given) shows: a dash, not Streamlit's "None"
LABEL_WIDTH = 200  # [px] the pinned first column: Streamlit unpins columns wider than 60% of the table (215 px on a 390 px phone)


def _num(v: Any) -> float | None:
    if v is None:
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f


def _shown(value: Any, unit: str) -> float | None:
    """A file value as the table shows it: fractions as percentages (0.14 -> 14)."""
    x = _num(value)
    if x is None or not unit.startswith("fraction"):
        return x
    return round(x * 100, 10)


def _filed(value: float, unit: str) -> float:
    """A value typed in the table, back in the file's unit (14 -> 0.14 for a percentage)."""
    return round(value / 100, 12) if unit.startswith("fraction") else value


def source_words(provenance: str, sources: dict[str, Any]) -> str:
    """``source: <id>`` or ``assumption: <reason>`` in words: the source's title, publisher, year and grade."""
    kind, _, rest = provenance.partition(": ")
    if kind == "source" and rest in sources:
        s = sources[rest]
        return f"{s.title} ({s.publisher}, {s.year}; grade {s.grade})"
    return f"Assumption: {rest}" if kind == "assumption" else provenance


def _table_editor(
    frame: pd.DataFrame,
    key: str,
    *,
    editable: Sequence[str],
    before_problem: Sequence[str],
    after_problem: Sequence[str],
    column_config: dict[str, Any],
) -> pd.DataFrame:
    """An editable table of the Edit page: one row per figure, as tall as its rows, only the ``editable``
    columns open to typing, and the Problem column (between ``before_problem`` and ``after_problem``) shown
    only when a value in this table breaks a rule (the error is also written under the table)."""
    has_problem = bool(frame["Problem"].str.len().sum())
    edited: pd.DataFrame = st.data_editor(
        frame,
        key=key,
        hide_index=True,
        width="stretch",
        num_rows="fixed",
        height=35 * (len(frame) + 1) + 3,
        placeholder=EMPTY_CELL,
        disabled=[c for c in frame.columns if c not in editable],
        column_order=[*before_problem, *(["Problem"] if has_problem else []), *after_problem],
        column_config=column_config,
    )
    return edited


quantities = editable_quantities(proposal, base.scenario.unit_costs)
groups = list(dict.fromkeys(q.group for q in quantities))
for group in groups:
    qs = [q for q in quantities if q.group == group]
    st.subheader(markup.literal(group))
    rows = []
    for q in qs:
        problems = [m for c in SUFFIX.values() for m in field_problems.get(f"{q.path}.{c}", [])]
        rows.append(
            {
                "Parameter": q.label,
                "Value": _shown(current(f"{q.path}.value", q.value), q.unit),
                "Low": _shown(current(f"{q.path}.low", q.low), q.unit),
                "High": _shown(current(f"{q.path}.high", q.high), q.unit),
                "Unit": unit_in_words(q.unit),
                "Problem": "; ".join(dict.fromkeys(problems)),
                "Source or assumption": source_words(q.provenance, base.scenario.sources),
            }
        )
    frame = pd.DataFrame(rows)
    for c in COLUMNS:
        frame[c] = pd.to_numeric(frame[c], errors="coerce").astype(float)
    key = f"ed-{d.key}-{groups.index(group)}-{d.rev}"
    edited = _table_editor(
        frame,
        key,
        editable=COLUMNS,
        before_problem=["Parameter", *COLUMNS, "Unit"],
        after_problem=["Source or assumption"],
        column_config={
            # pinned: the label stays in view while the other columns scroll sideways (phones)
            "Parameter": st.column_config.TextColumn(width=LABEL_WIDTH, pinned=True),
            "Value": st.column_config.NumberColumn(
                format="%g", help="Central value, in the unit shown (% as 14 for 14%)"
            ),
            "Low": st.column_config.NumberColumn(format="%g", help="Low end of the plausible range"),
            "High": st.column_config.NumberColumn(format="%g", help="High end of the plausible range"),
            "Unit": st.column_config.TextColumn(width=110),
            "Problem": st.column_config.TextColumn(width=360),
            "Source or assumption": st.column_config.TextColumn(width=520),
        },
    )
    for q in qs:
        for m in dict.fromkeys(m for c in SUFFIX.values() for m in field_problems.get(f"{q.path}.{c}", [])):
            st.error(f"{markup.literal(q.label)}: {markup.inline(m)}", icon=":material/error:")
    changed = dict(d.edits)
    for i, q in enumerate(qs):
        for c in COLUMNS:
            old, new = _num(frame.at[i, c]), _num(edited.at[i, c])
            if old == new:
                continue
            path = f"{q.path}.{SUFFIX[c]}"
            if new is None:  # a cleared cell: kept as a pending edit, with its error beside it
                changed[path] = DELETE
            else:
                new = _filed(new, q.unit)
                changed[path] = int(new) if q.integer and float(new).is_integer() else new
    changed = {k: v for k, v in changed.items() if not (isinstance(v, float) and math.isnan(v))}
    if changed != d.edits:
        commit(changed, rerun=True)

# ---------------------------------------------------------------------------------------------
# Unit costs (the library's, and the proposal's own): £ per unit for each budget holder
# ---------------------------------------------------------------------------------------------

scenario_sources = base.scenario.sources


def _was(path: str, value: float) -> str:
    """The file's value in words: £ for a money component, a plain number of WELLBYs or QALYs."""
    return money(value, exact=True) if path.endswith(".value") else f"{value:g}"


def _unit_cost_row(uc: UnitCost, path: str, file_value: float, own: dict[str, Any]) -> dict[str, Any]:
    """One row of a unit-cost table: the unit cost, its ``own`` columns, then its price year (for a £ value),
    the local change, the loader's problems and the source, for the value at ``path`` (``file_value`` in the file)."""
    return {
        "Unit cost": f"{uc.label} (per {uc.per})",
        **own,
        "Price year": fy_label(uc.price_year) if path.endswith(".value") else "",
        "Local change": f"changed here, was {_was(path, file_value)}" if path in d.edits else "",
        "Problem": "; ".join(dict.fromkeys(field_problems.get(path, []))),
        "Source": source_words(f"source: {uc.source}", scenario_sources)
        if uc.source
        else f"Assumption: {uc.assumption}",
    }


def _unit_cost_edits(
    values: list[tuple[UnitCost, str, float, dict[str, Any]]],
    *,
    key: str,
    value_column: str,
    own_columns: dict[str, Any],
) -> dict[str, Any]:
    """Show a unit-cost table, a row per value (its unit cost, path, value in the file and own columns' cells,
    as ``_unit_cost_row`` takes them; ``own_columns`` those columns' configs, the editable ``value_column``
    among them) with the loader's problems under it, and return the draft's edits with the table's changes:
    a cleared cell, or the file's value again, is no local change."""
    frame = pd.DataFrame([_unit_cost_row(*v) for v in values])
    paths = [(path, file_value) for _, path, file_value, _ in values]
    frame[value_column] = pd.to_numeric(frame[value_column], errors="coerce").astype(float)
    edited = _table_editor(
        frame,
        key,
        editable=[value_column],
        before_problem=["Unit cost", *own_columns, "Price year", "Local change"],
        after_problem=["Source"],
        column_config={
            "Unit cost": st.column_config.TextColumn(width=LABEL_WIDTH, pinned=True),
            **own_columns,
            "Price year": st.column_config.TextColumn(width=90),
            "Local change": st.column_config.TextColumn(width=200),
            "Problem": st.column_config.TextColumn(width=360),
            "Source": st.column_config.TextColumn(width=420),
        },
    )
    for path, _ in paths:
        for m in dict.fromkeys(field_problems.get(path, [])):
            st.error(markup.inline(m), icon=":material/error:")
    changed = dict(d.edits)
    for i, (path, file_value) in enumerate(paths):
        old, new = _num(frame.at[i, value_column]), _num(edited.at[i, value_column])
        if old == new:
            continue
        if new is None or new == file_value:
            changed.pop(path, None)  # a cleared cell, or the file's value again: no local change
        else:
            changed[path] = new
    return changed


unit_costs = base.scenario.unit_costs
if unit_costs:
    names = {a.id: a.name for a in base.scenario.agencies}
    from_library = base.scenario.library_path is not None
    st.subheader("Unit costs")
    st.caption(
        "£ per unit for each budget holder, in the price year shown (converted to the appraisal's prices). "
        + (
            "These come from the unit-cost library: a change here is a local change to this proposal only "
            "(marked below), and the download then carries the library values it uses, so it stands alone."
            if from_library
            else "These are the proposal's own unit costs."
        )
    )
    bearer_values = []
    for uc_id, uc in unit_costs.items():
        for j, b in enumerate(uc.bearers):
            path = f"unit_costs.{uc_id}.bearers.{j}.value"
            own = {"Budget holder": names.get(b.agency, b.agency), "£ per unit": _num(current(path, b.value))}
            bearer_values.append((uc, path, b.value, own))
    changed = _unit_cost_edits(
        bearer_values,
        key=f"ed-{d.key}-unit-costs-{d.rev}",
        value_column="£ per unit",
        own_columns={
            "Budget holder": st.column_config.TextColumn(width=200),
            "£ per unit": st.column_config.NumberColumn(
                format="%,.2f", min_value=0.0, help="£ per unit for this budget holder"
            ),
        },
    )
    for uc_id, uc in unit_costs.items():  # a published total follows its bearers (the loader checks the sum)
        if uc.total is None:
            continue
        values = [
            changed.get(f"unit_costs.{uc_id}.bearers.{j}.value", b.value) for j, b in enumerate(uc.bearers)
        ]
        total_path = f"unit_costs.{uc_id}.total"
        if any(f"unit_costs.{uc_id}.bearers.{j}.value" in changed for j in range(len(uc.bearers))):
            changed[total_path] = round(sum(float(v) for v in values), 2)
        else:
            changed.pop(total_path, None)
    if changed != d.edits:
        commit(changed, rerun=True)

# ---------------------------------------------------------------------------------------------
# Unit costs' value beyond public budgets: economic and social components (£ per unit) and the
# wellbeing change (WELLBYs or QALYs per unit), editable as the fiscal shares are
# ---------------------------------------------------------------------------------------------

LAYER_WORDS = {
    "economic": ("Economic", "output and earnings beyond public budgets"),
    "social": ("Social", "harm to victims and wellbeing beyond public budgets"),
}

layered = {uc_id: uc for uc_id, uc in (unit_costs or {}).items() if uc.economic or uc.social or uc.wellbeing}
if layered:
    st.subheader("Economic and social value per unit (beyond public budgets)")
    st.caption(
        "Economic and social value per unit (not a public budget, so never in the Ten Year Test verdict: they "
        "count in the net present public value), in the price year shown; a wellbeing change in WELLBYs or "
        "QALYs per unit, valued at the Green Book value and discounted at the health rate. "
        + (
            "Library values: a change here is a local change to this proposal only, as above."
            if from_library
            else ""
        )
    )
    layer_values = []
    for uc_id, uc in layered.items():
        items: list[tuple[str, str, str, float, str]] = [
            (layer, c.component, f"unit_costs.{uc_id}.{layer}.{k}.value", c.value, f"£ per {uc.per}")
            for layer in ("economic", "social")
            for k, c in enumerate(getattr(uc, layer))
        ]
        if uc.wellbeing is not None:
            w = uc.wellbeing
            items.append(
                ("social", f"wellbeing lost ({w.measure}s)", f"unit_costs.{uc_id}.wellbeing.per_unit",
                 w.per_unit, f"{w.measure}s per {uc.per}")
            )  # fmt: skip
        for layer, component, path, layer_value, unit_words in items:
            own = {
                "Layer": f"{LAYER_WORDS[layer][0]}: {component}",
                "Value": _num(current(path, layer_value)),
                "Unit": unit_words,
            }
            layer_values.append((uc, path, layer_value, own))
    changed = _unit_cost_edits(
        layer_values,
        key=f"ed-{d.key}-unit-cost-layers-{d.rev}",
        value_column="Value",
        own_columns={
            "Layer": st.column_config.TextColumn(width=280),
            "Value": st.column_config.NumberColumn(
                format="%g", min_value=0.0, help="Value per unit, in the unit shown beside it"
            ),
            "Unit": st.column_config.TextColumn(width=160),
        },
    )
    if changed != d.edits:
        commit(changed, rerun=True)

if unmatched:
    st.error("\n\n".join(markup.code(m) for m in unmatched))

# ---------------------------------------------------------------------------------------------
# Summary (filled last, shown at the top) and the YAML download
# ---------------------------------------------------------------------------------------------

d, result = require_result()
with summary:
    cols = list(st.columns([1, 1, 1, 2]))
    cols[0].metric(
        "Net present value",
        money(result.npv),
        delta=money(result.npv - base.npv, signed=True).replace("\u2212", "-") if d.valid_edits else None,
        help="With the last valid edits; the change is against the file as loaded.",
    )
    if result.cut is not None:  # a cut has no benefit-cost ratio (it would invert the meaning)
        cols[1].metric("Money released (PV)", money(result.cut.pv_released))
    else:
        cols[1].metric(
            "Fiscal return on investment", ratio(result.bcr), help="PV fiscal savings / PV prevention costs"
        )
    cols[2].metric("Passes the Ten Year Test", "yes" if result.passes else "no")
    with cols[3]:
        out = draft_outcome(d)
        text = out.text
        try:
            parse_yaml(text, d.name)
        except Exception:  # noqa: BLE001 - never offer a file the loader would refuse
            text = d.text
        if (
            text != d.text and d.valid_edits
        ):  # each edited line says what it was (a comment it made false goes)
            text = note_edits_in_comments(source_text(d), text, d.valid_edits, d.name)
        left_out = left_out_edits(d)
        bundled = (
            out.result is not None
            and out.result.scenario.library_path is None
            and (base.scenario.library_path is not None)
        )
        st.download_button(
            "Download the YAML without the invalid edits" if left_out else "Download the edited YAML",
            text.encode("utf-8"),
            file_name=Path(d.name).name,
            mime="application/x-yaml",
            key="download-yaml",
            on_click="ignore",
            icon=":material/download:",
            type="primary",
            help="The library values it uses are bundled in (a unit cost was changed here), so it stands alone."
            if bundled
            else "It names the unit-cost library it uses, so it works beside that library.",
        )
        if not bundled and out.result is not None and out.result.scenario.library_path is not None:
            scenario = out.result.scenario
            st.download_button(
                "Download it self-contained (library bundled)",
                lambda: self_contained(text, scenario, d.name).encode("utf-8"),
                file_name=f"{Path(d.name).stem}-self-contained.yaml",
                mime="application/x-yaml",
                key="download-yaml-bundled",
                on_click="ignore",
                icon=":material/download:",
                help="The same proposal with the budget holders, sources and unit costs it uses from the "
                "library written into it: it validates and gives the same figures anywhere, without the library.",
            )
        if left_out:
            st.caption(
                "The download leaves out "
                + ", ".join(markup.code(f"{path} = {'(empty)' if v is None else v}") for path, v in left_out)
                + ": fix the field(s) below to include them."
            )
        if st.button("Undo all edits", key="reset-edits", disabled=not d.edits):
            d.edits, d.valid_edits, d.problems = {}, {}, []
            d.rev += 1
            for k in [k for k in st.session_state if str(k).startswith(f"ap-{d.key}-")]:
                del st.session_state[k]
            st.rerun()
    if d.problems:
        st.warning(
            "This edit breaks a rule (see the field below); the figures above are from the last valid "
            "assumptions:\n\n" + "\n\n".join(markup.code(str(p)) for p in d.problems[:10]),
            icon=":material/warning:",
        )
