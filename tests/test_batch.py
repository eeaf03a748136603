"""costmodel batch: one proposal in every area of a table (issue 15).

* one area of the batch equals ``costmodel run`` on the proposal file with that area's values
  written into it, to the penny;
* the totals are the sums of the per-area results, and an area's figures do not depend on which
  other areas are in the table (Hypothesis);
* the same seed gives identical results whatever the number of worker processes;
* every bad table is one located line ``areas.csv:LINE:COL: column: rule`` and nothing is written.
"""

from __future__ import annotations

import io
import json
import math
import os
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from costmodel.cli import main
from costmodel.errors import AssumptionError
from costmodel.inputs.areas import area_edits, read_area_table
from costmodel.inputs.editing import apply_edits
from costmodel.inputs.loading import load_proposal
from costmodel.present.areas_report import area_rows, batch_csv, totals
from costmodel.uncertainty.areas import run_areas

from .conftest import ASSUMPTIONS, YOUTH_WORK

TABLE = ASSUMPTIONS / "areas" / "youth_justice_fte_2024.csv"
FTE = "outcomes.first_time_entrants.baseline_rate"
REPEAT = "outcomes.repeat_offending.baseline_rate"
COHORT = "outcomes.first_time_entrants.cohort"

META = f"""\
title: Test areas
coverage: invented figures for a test, not data
sources:
  - id: test_source
    title: A test
    publisher: Nobody
    year: 2025
    url: https://example.org/test
    table: Table 1
    grade: U
columns:
  {FTE}: {{unit: fraction, assumption: a test value}}
  {COHORT}: {{unit: people_per_year, assumption: a test value}}
"""


@pytest.fixture(scope="module")
def scenario():
    return load_proposal(YOUTH_WORK)


def _write(tmp: Path, csv_text: str, meta: str = META, name: str = "areas.csv") -> Path:
    path = tmp / name
    path.write_bytes(csv_text.encode("utf-8"))
    (tmp / (path.stem + ".meta.yaml")).write_text(meta, encoding="utf-8")
    return path


def _run_cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


# --- the shipped real table --------------------------------------------------------------------


def test_shipped_table_reads_and_every_row_is_traceable(scenario):
    t = read_area_table(TABLE, scenario)
    assert t.ids == ("buckinghamshire", "thames_valley", "south_east", "national", "bath_and_north_east_somerset")
    assert t.paths == (FTE, REPEAT)
    assert all(t.source_of(i) is not None for i in range(t.n))
    assert t.source_of(4) is not None and t.source_of(4).id == "bathnes_yjp_2024_26_refresh"
    assert "PARTIAL" in t.metadata.coverage
    # the published 2024 rates, and the derived baseline rates by the metadata's formula
    rates = [float(x) for x in t.data["fte_rate_per_100k_2024"]]
    assert rates == [140, 126, 140, 157, 137]
    np.testing.assert_allclose(t.values[:, 0], [round(0.08 * r / 157, 6) for r in rates], rtol=0, atol=0)
    np.testing.assert_allclose(t.values[:, 1], [round(0.026 * r / 157, 6) for r in rates], rtol=0, atol=0)


@pytest.mark.parametrize("row", range(5))
def test_one_area_equals_costmodel_run_with_its_values_in_the_file(tmp_path, scenario, row):
    t = read_area_table(TABLE, scenario)
    r = run_areas(scenario, t, draws=0)
    edits = {
        (k if k.endswith((".low", ".high")) else k + ".value"): v
        for k, v in area_edits(t, row, scenario).items()
    }
    text = apply_edits(YOUTH_WORK.read_text(encoding="utf-8"), edits)
    edited = tmp_path / "proposals" / "area.yaml"
    edited.parent.mkdir()
    edited.write_text(
        text.replace("../unit_costs.yaml", str(ASSUMPTIONS / "unit_costs.yaml")), encoding="utf-8"
    )
    code, out, err = _run_cli("run", str(edited), "--format", "json")
    assert code == 0, err
    run = json.loads(out)["totals"]
    assert abs(run["npv"] - r.npv[row]) <= 0.005
    batch_row = area_rows(r)[row]  # the batch's row is rounded to the penny: within half a penny
    assert abs(batch_row["npv_gbp"] - run["npv"]) <= 0.005
    assert abs(batch_row["pv_costs_gbp"] - run["pv_costs"]) <= 0.005
    assert abs(batch_row["pv_savings_gbp"] - run["pv_savings"]) <= 0.005
    assert abs(batch_row["pv_cashable_gbp"] - run["pv_cashable"]) <= 0.005
    assert abs(batch_row["peak_dual_running_gbp"] - run["peak_funding_requirement"]) <= 0.005


def test_the_national_row_reproduces_the_proposal(scenario):
    from costmodel.appraisal.chain import appraise

    t = read_area_table(TABLE, scenario)
    r = run_areas(scenario, t, draws=0)
    assert abs(r.npv[3] - appraise(scenario).npv) < 0.005


def test_cli_batch_writes_every_output_and_quotes_n_of_m(tmp_path):
    outs = [tmp_path / f"b.{ext}" for ext in ("csv", "json", "parquet", "xlsx", "svg", "md", "html", "txt")]
    args = ["batch", str(YOUTH_WORK), str(TABLE), "--draws", "500", "--quiet"]
    for o in outs:
        args += ["-o", str(o)]
    code, out, err = _run_cli(*args)
    assert code == 0, err
    assert all(o.stat().st_size > 0 for o in outs)
    payload = json.loads((tmp_path / "b.json").read_text())
    n = sum(a["verdict"] == "passes" for a in payload["areas"])
    assert payload["headline"].startswith(f"In {n} of 5 areas the proposal passes the Ten Year Test")
    import pyarrow.parquet as pq

    frame = pq.read_table(tmp_path / "b.parquet").to_pandas()
    assert list(frame["npv_gbp"]) == [a["npv_gbp"] for a in payload["areas"]]
    assert (
        "bucks_yjp_2025_26" in (tmp_path / "b.md").read_text()
        or "Buckinghamshire" in (tmp_path / "b.md").read_text()
    )


# --- invariants --------------------------------------------------------------------------------


@settings(max_examples=15)
@given(
    rates=st.lists(st.floats(0.0, 0.3, allow_nan=False), min_size=1, max_size=7),
    cohorts=st.lists(st.integers(0, 2000), min_size=7, max_size=7),
)
def test_totals_are_the_sum_of_areas_and_each_area_stands_alone(tmp_path_factory, rates, cohorts):
    scenario = load_proposal(YOUTH_WORK)
    tmp = tmp_path_factory.mktemp("areas")
    lines = ["id,name," + FTE + "," + COHORT]
    lines += [f"a{i},Area {i},{r!r},{cohorts[i]}" for i, r in enumerate(rates)]
    t = read_area_table(_write(tmp, "\n".join(lines) + "\n"), scenario)
    r = run_areas(scenario, t, draws=50, seed=7)
    tot = totals(r)
    rows = area_rows(r)
    n = len(rates)
    assert tot["areas"] == n and tot["areas_passing"] == sum(x["verdict"] == "passes" for x in rows)
    for key, tkey in (("npv_gbp", "npv_gbp"), ("pv_costs_gbp", "pv_costs_gbp"), ("pv_savings_gbp", "pv_savings_gbp"),
                      ("pv_cashable_gbp", "pv_cashable_gbp"), ("peak_dual_running_gbp", "sum_of_peak_dual_running_gbp")):  # fmt: skip
        assert abs(tot[tkey] - math.fsum(x[key] for x in rows)) <= 0.005 * (n + 1)
    # each draw's total is the sum of the areas' draws: its mean is the sum of the areas' means
    assert abs(r.total_npv_draws.mean() - math.fsum(r.npv_mean)) <= 1e-6 * (1 + abs(r.total_npv_draws.mean()))
    # an area's figures do not depend on the other rows of the table
    for i in range(n):
        one = tmp / f"one{i}"
        one.mkdir()
        single = run_areas(
            scenario,
            read_area_table(_write(one, "\n".join([lines[0], lines[i + 1]]) + "\n"), scenario),
            draws=0,
        )
        assert abs(single.npv[0] - r.npv[i]) < 0.005


def test_same_seed_identical_results_whatever_the_jobs(scenario, tmp_path):
    lines = ["id,name," + FTE + "," + COHORT] + [
        f"a{i},Area {i},{0.02 * (i + 1)},{100 + 50 * i}" for i in range(6)
    ]
    t = read_area_table(_write(tmp_path, "\n".join(lines) + "\n"), scenario)
    one = run_areas(scenario, t, draws=25_000, seed=11, jobs=1)  # 2 areas a block: 3 blocks
    two = run_areas(scenario, t, draws=25_000, seed=11, jobs=2)
    for name in ("npv", "p_pass", "npv_mean", "npv_percentiles", "total_npv_draws"):
        assert np.array_equal(getattr(one, name), getattr(two, name)), name
    other = run_areas(scenario, t, draws=25_000, seed=12, jobs=1)
    assert not np.array_equal(one.total_npv_draws, other.total_npv_draws)


def test_yaml_table_equals_csv_table(scenario, tmp_path):
    meta = META.replace(f"  {COHORT}: {{unit: people_per_year, assumption: a test value}}\n", "")
    csv_path = _write(tmp_path, f"id,name,{FTE}\nx,Ex,0.05\ny,Why,0.1\n", meta)
    indented = "\n".join("  " + line for line in meta.splitlines())
    yaml_path = tmp_path / "t.yaml"
    yaml_path.write_text(
        f"metadata:\n{indented}\nareas:\n  - {{id: x, name: Ex, {FTE}: 0.05}}\n  - {{id: y, name: Why, {FTE}: 0.1}}\n",
        encoding="utf-8",
    )
    a = run_areas(scenario, read_area_table(csv_path, scenario), draws=0)
    b = run_areas(scenario, read_area_table(yaml_path, scenario), draws=0)
    assert np.array_equal(a.npv, b.npv) and b.table.ids == ("x", "y")


def test_csv_cells_from_the_table_are_never_formulas(scenario, tmp_path):
    t = read_area_table(
        _write(tmp_path, f'id,name,{FTE},{COHORT}\nx,"=HYPERLINK(""http://e.vil"")",0.05,10\n'), scenario
    )
    text = batch_csv(run_areas(scenario, t, draws=0))
    assert "'=HYPERLINK" in text and ",=HYPERLINK" not in text


# --- bad tables --------------------------------------------------------------------------------

GOOD_HEADER = f"id,name,{FTE},{COHORT}"

BAD = {
    "no id column": (f"name,{FTE},{COHORT}\nA,0.05,10\n", ":1:1: id: the table has no 'id' column"),
    "missing id": (f"{GOOD_HEADER}\n,A,0.05,10\n", ":2:1: id: missing"),
    "duplicate id": (
        f"{GOOD_HEADER}\na,A,0.05,10\na,B,0.06,10\n",
        ":3:1: id: duplicate id 'a' (first on line 2)",
    ),
    "unknown column": (
        f"id,name,outcomes.first_time_entrants.baseline_rat,{COHORT}\na,A,0.05,10\n",
        f":1:3: outcomes.first_time_entrants.baseline_rat: names no input of this proposal and no column described in the metadata; did you mean '{FTE}'?",
    ),
    "not a number": (
        f"{GOOD_HEADER}\na,A,five percent,10\n",
        f":2:3: {FTE}: not a number (got 'five percent')",
    ),
    "out of domain": (
        f"{GOOD_HEADER}\na,A,14,10\n",
        f":2:3: {FTE}: must be between 0 and 1 fraction (got 14) (fractions are written 0 to 1",
    ),
    "empty": ("", ":1:1: the table is empty"),
    "header only": (f"{GOOD_HEADER}\n", ":1:1: the table is empty: it has a header but no area rows"),
    "BOM": ("\ufeff" + f"{GOOD_HEADER}\na,A,0.05,10\n", ":1:1: the file starts with a byte-order mark"),
    "semicolons": (f"id;name;{FTE};{COHORT}\na;A;0,05;10\n", ":1:3: the columns are separated by semicolons"),
    "short row": (f"{GOOD_HEADER}\na,A,0.05\n", ":2:4: the row has 3 cells; the header has 4"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_table_is_one_located_line_and_nothing_is_written(tmp_path, case):
    text, expected = BAD[case]
    path = _write(tmp_path, text)
    out = tmp_path / "out.csv"
    code, stdout, err = _run_cli("batch", str(YOUTH_WORK), str(path), "--draws", "10", "-o", str(out))
    assert code == 1
    assert not out.exists()
    lines = err.strip().splitlines()
    assert lines and lines[0].startswith(
        str(path) + expected.split(":", 1)[0] if expected.startswith(":") else str(path)
    ), err
    assert any(line == str(path) + expected or line.startswith(str(path) + expected) for line in lines), err
    assert "Traceback" not in err


def test_a_100_mb_table_is_refused_without_reading_it(tmp_path):
    path = _write(tmp_path, "")
    with open(path, "wb") as fh:
        fh.truncate(100 * 1024 * 1024)  # sparse: 100 MB on paper, nothing on disk
    out = tmp_path / "out.csv"
    code, _, err = _run_cli("batch", str(YOUTH_WORK), str(path), "-o", str(out))
    assert code == 1 and not out.exists()
    assert (
        err.strip()
        == f"{path}:1:1: table is 104.9 MB, larger than the 16 MB limit for area tables; split it into several tables"
    )


def test_errors_are_collected_one_line_each(scenario, tmp_path):
    path = _write(tmp_path, f"{GOOD_HEADER}\na,A,x,10\na,B,2,-1\n")
    with pytest.raises(AssumptionError) as exc:
        read_area_table(path, scenario)
    assert len(exc.value.problems) == 4
    assert all(str(p).startswith(f"{path}:") for p in exc.value.problems)


def test_a_column_without_metadata_is_refused(scenario, tmp_path):
    path = _write(tmp_path, f"id,name,{FTE},outcomes.first_time_entrants.effect\na,A,0.05,0.1\n")
    with pytest.raises(AssumptionError) as exc:
        read_area_table(path, scenario)
    assert str(exc.value).startswith(
        f"{path}:1:4: outcomes.first_time_entrants.effect: not described in the metadata"
    )


def test_missing_metadata_file_is_named(scenario, tmp_path):
    path = tmp_path / "lone.csv"
    path.write_text(f"id,{FTE}\na,0.05\n")
    with pytest.raises(AssumptionError) as exc:
        read_area_table(path, scenario)
    assert str(exc.value).startswith(os.fspath(tmp_path / "lone.meta.yaml") + ": file not found")


def test_progress_bar_only_when_asked_or_on_a_terminal(tmp_path):
    code, _, err = _run_cli("batch", str(YOUTH_WORK), str(TABLE), "--draws", "100", "--progress")
    assert code == 0 and "running [####################] 100% 5/5 areas" in err
    code, _, err = _run_cli("batch", str(YOUTH_WORK), str(TABLE), "--draws", "100")
    assert code == 0 and err == ""  # standard error is not a terminal here
    code, out, err = _run_cli("batch", str(YOUTH_WORK), str(TABLE), "--draws", "100", "--quiet", "-o", str(tmp_path / "q.csv"))
    assert code == 0 and err == "" and out == ""


def test_flags_out_of_range_are_named_by_their_flag():
    code, _, err = _run_cli("batch", str(YOUTH_WORK), str(TABLE), "--jobs", "0")
    assert code == 1 and err.startswith("--jobs must be a whole number between 1 and 64")
    code, _, err = _run_cli("batch", str(YOUTH_WORK), str(TABLE), "--draws", "-1")
    assert code == 1 and err.startswith("--draws must be a whole number between 0")
    code, _, err = _run_cli("batch", str(YOUTH_WORK), str(TABLE), "-o", "out.doc")
    assert code == 1 and "must end in one of" in err


def test_per_area_ranges_from_low_and_high_columns(scenario, tmp_path):
    from costmodel.inputs.areas import area_ranges

    path = _write(tmp_path, f"id,name,{FTE},{FTE}_low,{FTE}_high,{COHORT}\na,A,0.05,0.05,0.05,100\nb,B,0.04,0.03,,100\n")
    with pytest.raises(AssumptionError) as exc:
        read_area_table(path, scenario)
    assert str(exc.value) == f"{path}:3:1: {FTE}: give both {FTE}_low and {FTE}_high, or neither"
    path = _write(tmp_path, f"id,name,{FTE},{FTE}_low,{FTE}_high,{COHORT}\na,A,0.05,0.05,0.05,100\nb,B,0.04,0.03,0.2,100\n")
    t = read_area_table(path, scenario)
    low, high = area_ranges(t, scenario)
    assert (low[0, 0], high[0, 0]) == (0.05, 0.05)  # a zero-width range: no uncertainty in area a
    assert (low[1, 0], high[1, 0]) == (0.03, 0.2)
    # the cohort has no range columns: the proposal's 150-350 around 250, scaled to 100: 60-140
    assert (low[0, 1], high[0, 1]) == pytest.approx((60.0, 140.0))
    bad = _write(tmp_path, f"id,name,{FTE},{FTE}_low,{FTE}_high,{COHORT}\na,A,0.05,0.06,0.07,100\n")
    with pytest.raises(AssumptionError) as exc:
        read_area_table(bad, scenario)
    assert str(exc.value) == f"{bad}:2:3: {FTE}: must lie between {FTE}_low and {FTE}_high (got 0.05)"


def test_a_money_column_in_another_price_year_is_converted(scenario, tmp_path):
    """A local team cost in 2024 prices replaces the proposal's 2007-price amount: the same as editing
    the file's amount to that sum converted to 2007 prices with the proposal's deflator."""
    from costmodel.appraisal.chain import appraise
    from costmodel.appraisal.discounting import price_conversion_factor

    amount = "prevention_costs.detached_team.amount"
    meta = META + f"  {amount}: {{unit: GBP_per_year, price_year: 2024, assumption: a local quote}}\n"
    path = _write(tmp_path, f"id,name,{FTE},{COHORT},{amount}\na,A,0.08,250,250000\n", meta)
    r = run_areas(scenario, read_area_table(path, scenario), draws=0)
    in_2007 = 250000 * price_conversion_factor(scenario.deflator.index, 2024, 2007)
    by_hand = appraise(load_proposal(YOUTH_WORK, {amount: in_2007, f"{amount}.high": max(190000.0, in_2007)}))
    assert abs(by_hand.npv - r.npv[0]) <= 0.005


def test_workbook_total_is_a_sum_formula_of_the_area_rows(scenario, tmp_path):
    import openpyxl

    from costmodel.export.areas_export import workbook_bytes

    t = read_area_table(TABLE, scenario)
    path = tmp_path / "b.xlsx"
    path.write_bytes(workbook_bytes(run_areas(scenario, t, draws=0), scenario))
    formulas = openpyxl.load_workbook(path)["Areas"]
    values = openpyxl.load_workbook(path, data_only=True)["Areas"]
    assert formulas["F9"].value == "=SUM(F4:F8)"
    assert values["F9"].value == pytest.approx(math.fsum(values[f"F{r}"].value for r in range(4, 9)), abs=1e-6)
    assert [values[f"A{r}"].value for r in range(4, 9)] == list(t.ids)


def test_a_table_for_another_proposal_is_refused_not_ignored(tmp_path):
    """The shipped table's columns are inputs of youth_work; early_help_pooled has no such outcome, so
    each column is a located error (a column described in the metadata is never silently data). Each line
    says the column is not an input of this proposal, that the table looks written for another, the one its
    metadata names, and how to write this proposal's template; no nearest-path guess (another outcome's
    baseline rate, 'outcomes.ae_attendances.baseline_rate', would mislead)."""
    early = ASSUMPTIONS / "proposals" / "early_help_pooled.yaml"
    out = tmp_path / "o.csv"
    code, _, err = _run_cli("batch", str(early), str(TABLE), "-o", str(out))
    assert code == 1 and not out.exists()
    template = f"costmodel batch {early} --template -o early_help_pooled_areas.yaml"
    assert err.splitlines() == [
        f"{TABLE}:1:{col}: {path}: is an input path, but not one of this proposal (early_help_pooled): the table "
        f"looks written for another proposal, 'youth_work' (its metadata says so); write one for this proposal "
        f"from its template: {template}"
        for col, path in ((7, FTE), (8, REPEAT))
    ]
    assert "did you mean" not in err


def _early_help_table(tmp_path: Path, header: str, row: str, meta_columns: str, proposal: str = "") -> Path:
    meta = META.split("columns:")[0] + proposal + "columns:\n" + meta_columns
    return _write(tmp_path, f"{header}\n{row}\n", meta)


def test_another_proposals_table_that_does_not_name_it_is_told_so_too(tmp_path):
    """Without the metadata's ``proposal``: no column is an input of this one and none is a close match, so
    the table looks written for another proposal (unnamed), with the template's command."""
    early = ASSUMPTIONS / "proposals" / "early_help_pooled.yaml"
    path = _early_help_table(tmp_path, f"id,{FTE}", "a,0.05", f"  {FTE}: {{unit: fraction, assumption: a test value}}\n")
    code, _, err = _run_cli("batch", str(early), str(path), "--draws", "0")
    assert code == 1
    assert err.splitlines() == [
        f"{path}:1:2: {FTE}: is an input path, but not one of this proposal (early_help_pooled): the table looks "
        "written for another proposal (none of its input columns is an input of this one); write one for this "
        f"proposal from its template: costmodel batch {early} --template -o early_help_pooled_areas.yaml"
    ]


def test_a_typo_on_a_fitting_table_keeps_its_did_you_mean(tmp_path):
    """A column a letter off one of youth work's inputs, beside one that is an input: a typo, suggested;
    no word of another proposal or of a template."""
    typo = "outcomes.first_time_entrant.baseline_rate"
    meta = f"  {typo}: {{unit: fraction, assumption: a}}\n  {COHORT}: {{unit: people_per_year, assumption: a}}\n"
    path = _early_help_table(tmp_path, f"id,{typo},{COHORT}", "a,0.05,10", meta)
    code, _, err = _run_cli("batch", str(YOUTH_WORK), str(path), "--draws", "0")
    assert code == 1
    assert err.splitlines()[0] == (
        f"{path}:1:2: {typo}: is an input path, but not one of this proposal; did you mean '{FTE}'?"
    )
    assert "another proposal" not in err and "--template" not in err


def test_an_input_of_no_outcome_on_a_fitting_table_is_not_a_guess(tmp_path):
    """A fitting table (its cohort column is youth work's) with another outcome's baseline rate: not one of
    this proposal's inputs, with no misleading nearest path and no claim about another proposal."""
    other = "outcomes.ae_attendances.baseline_rate"
    meta = f"  {other}: {{unit: fraction, assumption: a}}\n  {COHORT}: {{unit: people_per_year, assumption: a}}\n"
    path = _early_help_table(tmp_path, f"id,{other},{COHORT}", "a,0.05,10", meta)
    code, _, err = _run_cli("batch", str(YOUTH_WORK), str(path), "--draws", "0")
    assert code == 1
    assert err.splitlines() == [f"{path}:1:2: {other}: is an input path, but not one of this proposal (youth_work)"]


def test_a_table_naming_another_proposal_says_so_even_where_a_column_fits(tmp_path):
    meta = f"  {FTE}: {{unit: fraction, assumption: a}}\n  outcomes.ae_attendances.baseline_rate: {{unit: fraction, assumption: a}}\n"
    path = _early_help_table(
        tmp_path, f"id,{FTE},outcomes.ae_attendances.baseline_rate", "a,0.05,0.1", meta, proposal="proposal: early_help_pooled\n"
    )
    code, _, err = _run_cli("batch", str(YOUTH_WORK), str(path), "--draws", "0")
    assert code == 1
    [line] = err.splitlines()
    assert line.startswith(
        f"{path}:1:3: outcomes.ae_attendances.baseline_rate: is an input path, but not one of this proposal "
        "(youth_work): the table looks written for another proposal, 'early_help_pooled' (its metadata says so); "
        f"write one for this proposal from its template: costmodel batch {YOUTH_WORK} --template"
    )


def test_template_from_the_cli_runs_as_a_batch_of_the_proposal_itself(tmp_path):
    """``costmodel batch PROPOSAL --template -o AREAS.yaml`` writes the area table template the app offers;
    run as a batch, its one area is the proposal itself: the area's NPV is ``costmodel run``'s, to the penny
    (the template's row holds the proposal's own central values)."""
    from costmodel.inputs.areas import area_table_template

    early = ASSUMPTIONS / "proposals" / "early_help_pooled.yaml"
    target = tmp_path / "early_areas.yaml"
    code, out, err = _run_cli("batch", str(early), "--template", "-o", str(target))
    assert code == 0, err
    assert out == f"wrote {target}\n"
    text = target.read_text(encoding="utf-8")
    assert text == area_table_template(load_proposal(early))  # the app's download, byte for byte
    assert "proposal: early_help_pooled" in text  # the table says which proposal it is written for
    code, stdout, _ = _run_cli("batch", str(early), "--template")  # standard output without -o
    assert code == 0 and stdout == text
    code, batch, err = _run_cli("batch", str(early), str(target), "--draws", "0", "--format", "json")
    assert code == 0, err
    [area] = json.loads(batch)["areas"]
    code, run, _ = _run_cli("run", str(early), "--format", "json")
    assert abs(area["npv_gbp"] - json.loads(run)["totals"]["npv"]) < 0.005


@pytest.mark.parametrize(
    "argv, said",
    [
        (["x.csv", "--template"], "--template writes an area table for"),
        (["--template", "-o", "t.csv"], "--template writes one YAML file: -o AREAS.yaml"),
        (["--template", "-o", "a.yaml", "-o", "b.yaml"], "--template writes one YAML file"),
        ([], "batch needs an area table AREAS (or --template to write one for the proposal)"),
    ],
)
def test_template_and_missing_table_refusals_are_one_line(tmp_path, argv, said):
    code, out, err = _run_cli("batch", str(YOUTH_WORK), *argv)
    assert code == 1 and out == ""
    [line] = err.splitlines()
    assert line.startswith(said), line


def _outputs_figure(ws, label: str) -> float:
    """The value beside ``label`` in the proposal workbook's Outputs sheet (its first number)."""
    for row in ws.iter_rows():
        if row[0].value == label:
            return next(c.value for c in row[1:] if isinstance(c.value, (int, float)))
    raise AssertionError(f"{label!r} not on {ws.title}")


def test_workbook_has_the_proposals_own_sheets_for_the_total(scenario, tmp_path):
    """The batch workbook carries the proposal's sheets (Inputs ... Provenance, live formulas) for the
    proposal in every area at once: its NPV and PVs are the sums of the areas', to the penny per area."""
    import openpyxl

    from costmodel.export.areas_export import workbook_bytes

    t = read_area_table(TABLE, scenario)
    r = run_areas(scenario, t, draws=0)
    path = tmp_path / "b.xlsx"
    path.write_bytes(workbook_bytes(r, scenario))
    wb = openpyxl.load_workbook(path, data_only=True)
    assert wb.sheetnames == ["Areas", "By budget holder", "Sources", "Inputs", "Calculations", "Outputs", "Cash", "Provenance"]
    assert wb.active.title == "Areas"
    assert wb["Areas"]["A2"].value.startswith("The sheets Inputs, Calculations, Outputs, Cash and Provenance")
    out = wb["Outputs"]
    assert out["A1"].value.endswith(f"total of {t.n} areas")
    assert abs(_outputs_figure(out, "Net present value (NPV)") - math.fsum(r.npv)) <= 0.005 * t.n
    assert abs(_outputs_figure(out, "Present value of prevention costs") - math.fsum(r.pv_costs)) <= 0.005 * t.n
    assert abs(_outputs_figure(out, "  of which cashable") - math.fsum(r.pv_cashable)) <= 0.005 * t.n
    formulas = openpyxl.load_workbook(path)
    labels = [c.value for c in formulas["Inputs"]["A"] if isinstance(c.value, str)]
    for name in t.names:  # every area's lines and outcomes, named by their area
        assert any(label.startswith(f"{name}: ") for label in labels), name
    assert sum(isinstance(c.value, str) and c.value.startswith("=") for row in formulas["Calculations"].iter_rows() for c in row) > 100


def test_workbook_total_sheets_follow_money_converted_to_each_inputs_price_year(scenario, tmp_path):
    """A money column in another price year enters the total's sheets converted as it enters the batch."""
    import openpyxl

    from costmodel.export.areas_export import workbook_bytes

    amount = "prevention_costs.detached_team.amount"
    meta = META + f"  {amount}: {{unit: GBP_per_year, price_year: 2024, assumption: a local quote}}\n"
    path = _write(tmp_path, f"id,name,{FTE},{COHORT},{amount}\na,A,0.08,250,250000\nb,B,0.05,100,90000\n", meta)
    r = run_areas(scenario, read_area_table(path, scenario), draws=0)
    xlsx = tmp_path / "b.xlsx"
    xlsx.write_bytes(workbook_bytes(r, scenario))
    out = openpyxl.load_workbook(xlsx, data_only=True)["Outputs"]
    assert abs(_outputs_figure(out, "Net present value (NPV)") - math.fsum(r.npv)) <= 0.01


def test_workbook_says_why_the_total_sheets_are_left_out(scenario, tmp_path):
    import openpyxl

    from costmodel.export.areas_export import workbook_bytes
    from costmodel.inputs.areas import TOTAL_SHEETS_MAX_LINES

    n = TOTAL_SHEETS_MAX_LINES // 4 + 1  # youth_work has 2 cost lines and 2 outcomes an area
    rows = "".join(f"a{i},Area {i},0.08,250\n" for i in range(n))
    path = _write(tmp_path, f"id,name,{FTE},{COHORT}\n{rows}")
    r = run_areas(scenario, read_area_table(path, scenario), draws=0)
    xlsx = tmp_path / "b.xlsx"
    xlsx.write_bytes(workbook_bytes(r, scenario))
    wb = openpyxl.load_workbook(xlsx)
    assert wb.sheetnames == ["Areas", "By budget holder", "Sources"]
    assert wb["Areas"]["A2"].value == (
        f"The proposal's own sheets for the total are not included: {n} areas make {4 * n} cost lines and "
        f"outcomes, more than the {TOTAL_SHEETS_MAX_LINES} a readable workbook holds."
    )


def test_workbook_by_budget_holder_sums_to_each_agencys_total(scenario):
    import openpyxl

    from costmodel.export.areas_export import workbook_bytes

    t = read_area_table(TABLE, scenario)
    r = run_areas(scenario, t, draws=0)
    wb = openpyxl.load_workbook(io.BytesIO(workbook_bytes(r, scenario)), data_only=True)
    ws = wb["By budget holder"]
    names = [ws.cell(3, 3 + a).value for a in range(len(r.agency_ids))]
    assert names == list(r.agency_names)
    for a in range(len(r.agency_ids)):
        column = [ws.cell(4 + i, 3 + a).value for i in range(t.n)]
        assert column == [round(float(v), 2) for v in r.npv_by_agency[:, a]]
        assert abs(ws.cell(4 + t.n, 3 + a).value - r.npv_by_agency[:, a].sum()) <= 0.005 * t.n
    # the budget holders' totals add up to the total NPV
    total = math.fsum(ws.cell(4 + t.n, 3 + a).value for a in range(len(r.agency_ids)))
    assert abs(total - r.npv.sum()) <= 0.005 * t.n * len(r.agency_ids)


def test_libreoffice_recomputes_the_batch_workbook_to_its_cached_values(scenario, tmp_path):
    import shutil
    import subprocess

    import openpyxl

    from costmodel.export.areas_export import workbook_bytes

    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice is not installed")
    original = tmp_path / "batch.xlsx"
    original.write_bytes(workbook_bytes(run_areas(scenario, read_area_table(TABLE, scenario), draws=0), scenario))
    (tmp_path / "stripped").mkdir()
    openpyxl.load_workbook(original).save(tmp_path / "stripped" / "batch.xlsx")  # drops the cached values
    subprocess.run(
        [soffice, f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless", "--calc",
         "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(tmp_path / "out"),
         str(tmp_path / "stripped" / "batch.xlsx")],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    ours = openpyxl.load_workbook(original, data_only=True)
    formulas = openpyxl.load_workbook(original)
    theirs = openpyxl.load_workbook(tmp_path / "out" / "batch.xlsx", data_only=True)
    checked_by_sheet = {ws.title: 0 for ws in formulas.worksheets}
    for ws in formulas.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    a, b = ours[ws.title][cell.coordinate].value, theirs[ws.title][cell.coordinate].value
                    if isinstance(a, (int, float)) and not isinstance(a, bool):
                        assert b == pytest.approx(a, rel=1e-12, abs=1e-6), (ws.title, cell.coordinate)
                    else:  # a formula whose value is text or a truth value (the proposal's sheets)
                        assert b == a, (ws.title, cell.coordinate)
                    checked_by_sheet[ws.title] += 1
    # the six Areas totals (NPV, public value, PV of costs, savings, cashable, peak) and one per budget holder,
    # and every formula of the proposal's own sheets for the total
    assert checked_by_sheet["Areas"] + checked_by_sheet["By budget holder"] == 6 + len(scenario.agencies)
    assert checked_by_sheet["Outputs"] > 0 and checked_by_sheet["Calculations"] > 0


def test_a_source_homepage_is_refused_in_the_metadata(scenario, tmp_path):
    meta = META.replace("url: https://example.org/test", "url: https://example.org/")
    path = _write(tmp_path, f"id,name,{FTE},{COHORT}\na,A,0.05,10\n", meta)
    with pytest.raises(AssumptionError) as exc:
        read_area_table(path, scenario)
    assert str(exc.value) == (
        f"{tmp_path / 'areas.meta.yaml'}:8:10: sources.0.url: must be the document's own address, "
        "http(s)://host/path (not a homepage)"
    )


# --- a cut's release ramp set per area (issue 12 §4) ----------------------------------------------

CUT = ASSUMPTIONS / "proposals" / "youth_service_cut.yaml"
RAMP = "prevention_costs.youth_service_budget.release_profile.ramp_years"
RAMP_META = f"""\
title: Test areas
coverage: invented figures for a test, not data
sources: []
columns:
  {RAMP}: {{unit: years, assumption: a test value}}
"""


def test_an_area_table_sets_a_cuts_release_ramp(tmp_path):
    from costmodel.appraisal.chain import appraise

    cut = load_proposal(CUT)
    path = _write(tmp_path, f"id,name,{RAMP}\nfast,Fast,0\nmid,Mid,1\nslow,Slow,2\n", RAMP_META)
    t = read_area_table(path, cut)
    r = run_areas(cut, t, draws=0)
    for row in range(3):  # each area is the proposal with its ramp written in, to the penny
        assert abs(r.npv[row] - appraise(load_proposal(CUT, area_edits(t, row, cut))).npv) <= 0.005
    # by hand: B is the budget released in a full year (the same each year: no growth). A ramp of k years
    # releases (j + 1) / (k + 1) of it in year j < k, so against releasing it all at once a ramp of 1
    # loses B / 2 in year 0, and a ramp of 2 loses 2B / 3 in year 0 and B / 3 in year 1 (at 3.5%)
    half = r.npv[0] - r.npv[1]  # B / 2
    assert half > 0
    assert r.npv[0] - r.npv[2] == pytest.approx(2 * half * (2 / 3 + 1 / 3 / 1.035), abs=0.01)


@pytest.mark.parametrize(
    "proposal, column, says",
    [
        (
            CUT,
            "prevention_costs.youth_service_budget.release_profile.shares",
            "release shares are a list by year and an area table sets one number per area",
        ),
        (
            Path(__file__).parent / "cases" / "hand_worked_cut.yaml",
            "prevention_costs.service.release_profile.ramp_years",
            "cost line 'service' gives its release profile as shares by year, which an area table cannot set",
        ),
        (
            YOUTH_WORK,
            "prevention_costs.detached_team.release_profile.ramp_years",
            "a release ramp applies to a cut only",
        ),
    ],
)
def test_a_release_column_that_cannot_be_set_is_one_located_line_saying_why(tmp_path, proposal, column, says):
    meta = RAMP_META.replace(RAMP, column)
    path = _write(tmp_path, f"id,name,{column}\na,A,1\n", meta)
    with pytest.raises(AssumptionError) as exc:
        read_area_table(path, load_proposal(proposal))
    assert str(exc.value).startswith(f"{path}:1:3: {column}: {says}"), str(exc.value)


# --- what the figures are, in words (issue 15 after the risk-adjusted central case) -------------

ADJUSTED_NOTE = "Every figure is risk-adjusted for optimism bias, in the central case and in every Monte Carlo draw"
UNADJUSTED_NOTE = "No figure is risk-adjusted for optimism bias (appraisal.optimism_bias: off)"


def _every_batch_output(tmp_path: Path, *extra: str) -> dict[str, str]:
    """Every text-bearing output of ``costmodel batch`` on the shipped table, by extension (the workbook
    as the text of its Areas sheet's first two cells)."""
    import openpyxl

    exts = ("csv", "json", "md", "html", "txt", "xlsx", "svg")
    args = ["batch", str(YOUTH_WORK), str(TABLE), "--draws", "50", "--quiet", *extra]
    for ext in exts:
        args += ["-o", str(tmp_path / f"b.{ext}")]
    code, _, err = _run_cli(*args)
    assert code == 0, err
    texts = {ext: (tmp_path / f"b.{ext}").read_text(encoding="utf-8") for ext in exts if ext != "xlsx"}
    ws = openpyxl.load_workbook(tmp_path / "b.xlsx")["Areas"]
    texts["xlsx"] = f"{ws['A1'].value}\n{ws['A2'].value}"
    return texts


def test_every_batch_output_says_its_figures_are_risk_adjusted(scenario, tmp_path):
    """The batch's figures are the risk-adjusted central case (the default): the national row equals the
    risk-adjusted appraisal of the proposal and not its unadjusted figures, and every output says so in the
    same words; none calls them 'central values'."""
    from costmodel.appraisal.chain import appraise

    result = appraise(scenario)
    assert result.risk_adjusted and result.unadjusted is not None
    r = run_areas(scenario, read_area_table(TABLE, scenario), draws=0)
    assert r.risk_adjusted
    assert abs(r.npv[3] - result.npv) < 0.005
    assert abs(r.npv[3] - result.unadjusted.npv) > 1.0  # the words below would be false otherwise

    texts = _every_batch_output(tmp_path)
    n = int(np.count_nonzero(r.npv >= 0))
    headline = (
        f"In {n} of 5 areas the proposal passes the Ten Year Test (fiscal: whole-public-sector NPV of at least £0 "
        "over 10 years, 2026-27 prices; central case, risk-adjusted for optimism bias)."
    )
    for ext in ("json", "md", "txt", "xlsx"):
        assert headline in texts[ext], ext
    assert html_escape(headline) in texts["html"]
    for ext in ("csv", "json", "md", "html", "txt", "xlsx"):
        assert ADJUSTED_NOTE in texts[ext].replace("\\_", "_"), ext
        assert UNADJUSTED_NOTE not in texts[ext], ext
    for ext, text in texts.items():
        assert "central values" not in text, ext
    assert "risk-adjusted for optimism bias" in texts["svg"]  # the chart's subtitle
    payload = json.loads(texts["json"])
    assert payload["risk_adjusted"] is True
    assert payload["layers"] == {"npv_gbp": "fiscal", "public_value_npv_gbp": "public_value"}
    last = texts["csv"].splitlines()[-1]
    assert last.startswith("NOTE,") and "NPV: the fiscal layer" in last


def test_every_batch_output_says_when_its_figures_are_not_risk_adjusted(scenario, tmp_path):
    """--unadjusted (appraisal.optimism_bias: off): the national row equals the unadjusted appraisal, and
    every output says the figures are not risk-adjusted, never that they are."""
    from costmodel.appraisal.chain import appraise

    texts = _every_batch_output(tmp_path, "--unadjusted")
    payload = json.loads(texts["json"])
    assert payload["risk_adjusted"] is False
    national = next(a for a in payload["areas"] if a["area_id"] == "national")
    unadjusted = appraise(scenario).unadjusted
    assert unadjusted is not None and abs(national["npv_gbp"] - unadjusted.npv) <= 0.005
    for ext in ("csv", "json", "md", "html", "txt", "xlsx"):
        assert UNADJUSTED_NOTE in texts[ext].replace("\\_", "_"), ext
        assert ADJUSTED_NOTE not in texts[ext], ext
        if ext != "csv":  # the CSV has the note, not the headline
            assert "central case, not risk-adjusted for optimism bias)." in texts[ext], ext


def html_escape(text: str) -> str:
    import html

    return html.escape(text)


def test_an_area_table_template_is_a_valid_table_whose_one_area_is_the_proposal():
    """The template the Every-area page offers (for a proposal with no shipped table, such as pooled early
    help): every outcome's cohort and baseline rate as a column in the input's unit, one row holding the
    file's own central values, so the batch of that one row is `costmodel run` on the file."""
    from costmodel.appraisal.chain import appraise
    from costmodel.inputs.areas import area_table_template

    scenario = load_proposal(ASSUMPTIONS / "proposals" / "early_help_pooled.yaml")
    table = read_area_table("t.yaml", scenario, raw=area_table_template(scenario).encode("utf-8"))
    outcomes = [o.id for o in scenario.proposal.outcomes]
    assert table.paths == tuple(f"outcomes.{o}.{k}" for o in outcomes for k in ("cohort", "baseline_rate"))
    assert table.units == ("people_per_year", "fraction") * len(outcomes)
    r = run_areas(scenario, table, draws=0)
    assert abs(r.npv[0] - appraise(scenario).npv) < 0.01
