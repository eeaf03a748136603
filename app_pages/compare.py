"""Compare two or more proposals side by side (shipped examples, the template, uploads, edited drafts)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app_pages.common import draft_outcome, drafts, examples, open_example, open_template
from costmodel.formatting import money, ratio
from costmodel.present import markup
from costmodel.present.compare import RATIO_ROWS, align, compare_rows
from costmodel.present.csv_safety import frame_csv

st.title("Compare proposals")
st.caption(
    "Each column is one proposal; every proposal is moved to one price base (the latest) and one "
    "discount year (the earliest) where it can be, and the page says so. Edited proposals are compared "
    "with their last valid edits."
)

# every shipped example and the template are available without having been opened
for stem in examples():
    open_example(stem, activate=False)
open_template(activate=False)
available = dict(drafts())


def label(key: str) -> str:
    d = available[key]
    return f"{d.name}" + (" (edited)" if d.valid_edits else "")


current = st.session_state.get("current")
default = [k for k in available if k.startswith("example:")][:3]
if current in available and current not in default:
    default = [current, *default][:3]
if len(default) < 2:
    default = list(available)[:2]
chosen = st.multiselect(
    "Proposals to compare", list(available), default=default, format_func=label, key="compare"
)
if len(chosen) < 2:
    st.info("Choose at least two proposals.")
    st.stop()
results = [draft_outcome(available[k]).result for k in chosen]
results = [r for r in results if r is not None]
results, alignment = align(results)
for note in alignment:
    (st.warning if note.startswith("Warning") else st.info)(note)
header, rows = compare_rows(results)
names = [label(k) for k in chosen]


def cell(measure: str, v: object) -> str:
    if measure.startswith(RATIO_ROWS):
        return ratio(v)  # type: ignore[arg-type]
    if isinstance(v, float):
        return money(v)
    return "n/a" if v is None else str(v)


table = pd.DataFrame([[m, *[cell(m, v) for v in vals]] for m, vals in rows], columns=["Measure", *names])
st.dataframe(table, hide_index=True, width="stretch", height=36 * (len(table) + 1) + 4)
raw = pd.DataFrame([[m, *vals] for m, vals in rows], columns=["measure", *header])
st.download_button(
    "Comparison (CSV)",
    frame_csv(raw),
    file_name="comparison.csv",
    mime="text/csv",
    on_click="ignore",
    icon=":material/download:",
)
st.subheader("Verdicts")
for r, n in zip(results, names, strict=True):
    st.markdown(f"{':green' if r.passes else ':red'}[**{markup.literal(n)}**]: {markup.inline(r.verdict)}")
