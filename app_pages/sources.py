"""Every assumption in use: value, unit, price year, source and confidence grade, linked."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from app_pages.common import csv_button, require_result
from costmodel.inputs.models import GRADE_MEANINGS
from costmodel.inputs.provenance import assumption_rows, correlation_rows, source_rows
from costmodel.present import markup
from costmodel.present.input_values import readable_formula, unit_in_words, value_in_words

d, result = require_result()
sc = result.scenario
st.title("Sources and assumptions")
st.caption(f"{markup.code(d.name)} · inputs_sha256 `{sc.inputs_sha256}`")
st.markdown(" · ".join(f"**{g}**: {m}" for g, m in GRADE_MEANINGS.items()))

raw = pd.DataFrame(assumption_rows(sc))  # the CSV keeps the file's numbers and unit ids
rows = raw.copy()
names = {a.id: a.name for a in sc.agencies}
# as the results pages write figures: fractions as percentages, money in pounds, units and formulas in words
rows["value"] = [value_in_words(v, u) for v, u in zip(rows["value"], rows["unit"], strict=True)]
rows["unit"] = rows["unit"].map(unit_in_words)
rows["derived"] = rows["derived"].map(lambda f: readable_formula(f, names) if f else "")
PROVENANCE_COLUMNS: dict[str, Any] = {
    "grade": "Grade",
    "source_title": "Source",
    "publisher": "Publisher",
    "source_year": st.column_config.NumberColumn("Year", format="%d"),
    "url": st.column_config.LinkColumn("Link"),
    "assumption": "Stated assumption (reason)",
    "note": "Note",
}
"""The columns that say where a figure comes from (its source, or the reason for a stated assumption)."""

st.subheader("Every figure in use")
st.dataframe(
    rows[
        [
            "group",
            "name",
            "value",
            "unit",
            "price_year",
            "grade",
            "source_title",
            "publisher",
            "source_year",
            "url",
            "assumption",
            "derived",
            "note",
        ]
    ],
    hide_index=True,
    width="stretch",
    column_config={
        "group": "Group",
        "name": st.column_config.TextColumn(
            "Figure", width=200, pinned=True
        ),  # pinned only under 60% of the width
        "value": st.column_config.TextColumn("Value"),
        "unit": "Unit",
        "price_year": "Price year",
        "derived": st.column_config.TextColumn("Derived (formula)", width="large"),
    }
    | PROVENANCE_COLUMNS,
)
csv_button("Figures and sources (CSV)", raw, f"{sc.proposal.id}-sources.csv")
unverified = rows[rows["grade"] == "U"]
if len(unverified):
    st.warning(
        f"{len(unverified)} figure(s) rest on sources graded U (basis unverified): treat them as claims."
    )

st.subheader("Sources cited")
st.dataframe(
    pd.DataFrame(source_rows(sc)),
    hide_index=True,
    width="stretch",
    column_config={
        "url": st.column_config.LinkColumn("Link"),
        "year": st.column_config.NumberColumn(format="%d"),
    },
)

st.subheader("Correlations between ranged inputs")
correlations = correlation_rows(sc)
if correlations:
    st.markdown(
        "The Monte Carlo draws these inputs together (rank correlations, a Gaussian copula: each input keeps its "
        "own range and distribution). Each states its source or the reason for it."
    )
    st.dataframe(
        pd.DataFrame(correlations)[
            ["kind", "inputs", "rank_correlation", "grade", "source_title", "publisher", "source_year", "url",
             "assumption", "note"]
        ],
        hide_index=True,
        width="stretch",
        column_config={
            "kind": "Shape",
            "inputs": "Inputs",
            "rank_correlation": st.column_config.NumberColumn("Rank correlation", format="%.2f"),
        }
        | PROVENANCE_COLUMNS,
    )
else:
    st.caption("None declared: the Monte Carlo draws every ranged input independently.")

st.subheader("Stated assumptions")
stated = rows[rows["assumption"] != ""]
for _, r in stated.iterrows():
    unit = "" if r["unit"] == "%" or str(r["value"]).startswith(("£", "−£")) else f" {r['unit']}"
    st.markdown(
        f"- **{markup.literal(r['group'])} · {markup.literal(r['name'])}** = "
        f"{markup.literal(str(r['value']) + unit)}: {markup.literal(r['assumption'])}"
    )
