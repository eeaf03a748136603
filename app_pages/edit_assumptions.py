"""Edit the key inputs of the proposal in use; every edit is validated by the loader's rules.

The edits live in the draft (session state), not in widgets, so they survive reruns and page
switches; an invalid edit shows its rule next to the field while the last valid result stays.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from app_pages.common import Draft, draft_outcome, require_result
from costmodel.formatting import money, ratio
from costmodel.inputs.editing import DELETE, editable_quantities, problems_by_path
from costmodel.inputs.loading import load_reference
from costmodel.inputs.registry import entry
from costmodel.inputs.yamlio import parse_yaml
from costmodel.present import markup

d, result = require_result()
original = draft_outcome(Draft(d.key, d.name, d.origin, d.text, d.library_dir))
base = original.result
assert base is not None
proposal = base.scenario.proposal  # the file as loaded (edits are applied on top)

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
    by_path = problems_by_path(problems, list(edits), proposal)
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


field_problems = problems_by_path(d.problems, list(d.edits), proposal) if d.problems else {}
for _path, _msgs in field_problems.items():  # a cleared value: say so, rather than "missing"
    if _path.endswith(".value") and d.edits.get(_path, 0) is None:
        field_problems[_path] = [
            "the value is empty: type a number (the figures use the last valid value meanwhile)"
            if m == "required field is missing"
            else m
            for m in _msgs
        ]


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
cols = st.columns(4)
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
    options = schedules if ap.discount_schedule in schedules else [ap.discount_schedule, *schedules]
    if key not in st.session_state:
        st.session_state[key] = current(path, ap.discount_schedule)
    value = st.selectbox(entry(path).label, options, format_func=lambda s: labels.get(s, s), key=key)
    show_problems(path)
    if value != current(path, ap.discount_schedule):
        new_edits[path] = value
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


def _num(v: Any) -> float | None:
    if v is None:
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f


quantities = editable_quantities(proposal)
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
                "Value": current(f"{q.path}.value", q.value),
                "Low": current(f"{q.path}.low", q.low),
                "High": current(f"{q.path}.high", q.high),
                "Unit": q.unit,
                "Problem": "; ".join(dict.fromkeys(problems)),
                "Source or assumption": q.provenance,
            }
        )
    frame = pd.DataFrame(rows)
    for c in COLUMNS:
        frame[c] = pd.to_numeric(frame[c], errors="coerce").astype(float)
    key = f"ed-{d.key}-{groups.index(group)}-{d.rev}"
    edited = st.data_editor(
        frame,
        key=key,
        hide_index=True,
        width="stretch",
        num_rows="fixed",
        height=35 * (len(frame) + 1) + 3,
        disabled=["Parameter", "Unit", "Problem", "Source or assumption"],
        column_config={
            "Parameter": st.column_config.TextColumn(width="large"),
            "Value": st.column_config.NumberColumn(format="%g", help="Central value, in the unit shown"),
            "Low": st.column_config.NumberColumn(format="%g", help="Low end of the plausible range"),
            "High": st.column_config.NumberColumn(format="%g", help="High end of the plausible range"),
            "Unit": st.column_config.TextColumn(width="small"),
            "Problem": st.column_config.TextColumn(width="medium"),
            "Source or assumption": st.column_config.TextColumn(width="large"),
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
                changed[path] = int(new) if q.integer and float(new).is_integer() else new
    changed = {k: v for k, v in changed.items() if not (isinstance(v, float) and math.isnan(v))}
    if changed != d.edits:
        commit(changed, rerun=True)

if unmatched:
    st.error("\n\n".join(markup.code(m) for m in unmatched))

# ---------------------------------------------------------------------------------------------
# Summary (filled last, shown at the top) and the YAML download
# ---------------------------------------------------------------------------------------------

d, result = require_result()
with summary:
    cols = st.columns([1, 1, 1, 2])
    cols[0].metric(
        "Net present value",
        money(result.npv),
        delta=money(result.npv - base.npv, signed=True).replace("\u2212", "-") if d.valid_edits else None,
        help="With the last valid edits; the change is against the file as loaded.",
    )
    cols[1].metric("Benefit-cost ratio", ratio(result.bcr))
    cols[2].metric("Passes the Ten Year Test", "yes" if result.passes else "no")
    with cols[3]:
        text = draft_outcome(d).text
        try:
            parse_yaml(text, d.name)
        except Exception:  # noqa: BLE001 - never offer a file the loader would refuse
            text = d.text
        left_out = left_out_edits(d)
        st.download_button(
            "Download the YAML without the invalid edits" if left_out else "Download the edited YAML",
            text.encode("utf-8"),
            file_name=Path(d.name).name,
            mime="application/x-yaml",
            key="download-yaml",
            on_click="ignore",
            icon=":material/download:",
            type="primary",
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
