"""Declared correlations are listed with their source or stated assumption: the provenance rows, the
workbook's Provenance sheet and the app's Sources page (issue 13 §4)."""

from __future__ import annotations

import io

import openpyxl
from streamlit.testing.v1 import AppTest

from costmodel.appraisal.chain import appraise
from costmodel.export.excel import PROVENANCE, workbook_bytes
from costmodel.inputs.loading import load_proposal
from costmodel.inputs.provenance import correlation_rows

from .conftest import ASSUMPTIONS, ROOT, YOUTH_WORK

FTE, REPEAT = "outcomes.first_time_entrants", "outcomes.repeat_offending"


def test_the_youth_work_files_three_correlations_are_listed_with_their_reasons():
    rows = correlation_rows(load_proposal(YOUTH_WORK))
    # as written in assumptions/proposals/youth_work.yaml: two groups at 1.0, one pair at 0.5, all stated assumptions
    assert [(r["kind"], r["inputs"], r["rank_correlation"]) for r in rows] == [
        ("group", f"{FTE}.cohort, {REPEAT}.cohort", 1.0),
        ("group", f"{FTE}.baseline_rate, {REPEAT}.baseline_rate", 1.0),
        ("between", f"{FTE}.effect ~ {REPEAT}.effect", 0.5),
    ]
    assert all(r["grade"] == "assumption" and r["source_title"] == "" for r in rows)
    assert rows[2]["assumption"].endswith("The strength, 0.5, is a judgement, not a measured figure.")
    assert correlation_rows(load_proposal(ASSUMPTIONS / "proposals" / "school_exclusion_responsibility_charge.yaml")) == []


def test_the_workbooks_provenance_sheet_lists_each_correlation():
    wb = openpyxl.load_workbook(io.BytesIO(workbook_bytes(appraise(load_proposal(YOUTH_WORK)))))
    ws = wb[PROVENANCE]
    cells = [[c.value for c in row] for row in ws.iter_rows()]
    start = next(i for i, r in enumerate(cells) if r[0] and str(r[0]).startswith("Correlations between ranged"))
    assert cells[start + 1][:4] == ["Inputs", "Rank correlation", "Source or stated assumption", "Grade"]
    listed = cells[start + 2 : start + 5]
    assert [r[0] for r in listed] == [
        f"group: {FTE}.cohort, {REPEAT}.cohort",
        f"group: {FTE}.baseline_rate, {REPEAT}.baseline_rate",
        f"between: {FTE}.effect ~ {REPEAT}.effect",
    ]
    assert [r[1] for r in listed] == [1.0, 1.0, 0.5]
    assert all(r[3] == "assumption" and r[2] for r in listed)


def test_the_sources_page_lists_the_correlations():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    at.switch_page("app_pages/sources.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert "Correlations between ranged inputs" in [h.value for h in at.subheader]
    frame = next(d.value for d in at.dataframe if "rank_correlation" in d.value.columns)
    assert list(frame["rank_correlation"]) == [1.0, 1.0, 0.5]
    assert list(frame["grade"]) == ["assumption"] * 3
