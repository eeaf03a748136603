"""Options appraisal (issue 13 §1-2): incremental figures worked by hand for a small options file,
located refusals, common random numbers (an option identical to BAU differs by exactly zero), the
probability invariants, and the summary equal to the CLI's JSON and the workbook."""

from __future__ import annotations

import io
import json
import os
import re
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from costmodel.appraisal.options import appraise_options
from costmodel.cli import main
from costmodel.formatting import money, ratio
from costmodel.inputs.options import load_options
from costmodel.uncertainty.options import simulate_options

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "assumptions" / "options" / "youth_options.yaml"

BASE = """schema_version: 1
id: {id}
title: Test proposal {id}
description: A proposal small enough to work through by hand.
area: Test
kind: new_spending
appraisal:
  first_year: {first_year}
  horizon_years: 4
  firm_budget_years: 2
  price_base_year: 2024
unit_cost_library: null
agencies:
  - {{id: council, name: Council}}
  - {{id: police, name: Police}}
  - {{id: nhs, name: NHS}}
sources:
  - {{id: test_source, title: Test source, publisher: Tests, year: 2026, url: "https://example.org/test", grade: A}}
prevention_costs:
{costs}
savings:
{savings}
"""

SMALL_A = BASE.format(
    id="small_a",
    first_year=2025,
    costs="""  - id: service
    label: The service
    paid_by: council
    kind: recurring
    amount: {value: 1000, unit: GBP_per_year, price_year: 2024, source: test_source}""",
    savings="""  - id: police_saving
    label: Police time saved
    saved_by: police
    amount: {value: 600, unit: GBP_per_year, price_year: 2024, source: test_source, low: 300, high: 900}
    start_year: 1
    cashable_share: {value: 0.5, unit: fraction, source: test_source}""",
)

SMALL_B = BASE.format(
    id="small_b",
    first_year=2025,
    costs="""  - id: set_up
    label: Set-up
    paid_by: council
    kind: one_off
    amount: {value: 500, unit: GBP, price_year: 2024, source: test_source}""",
    savings="""  - id: nhs_saving
    label: NHS admissions avoided
    saved_by: nhs
    amount: {value: 200, unit: GBP_per_year, price_year: 2024, source: test_source, low: 0, high: 400}
    start_year: 1""",
)

OPTIONS = """schema_version: 1
id: small_options
title: Small options
description: Hand-worked options.
area: Test
sources:
  - {id: options_source, title: Options source, publisher: Tests, year: 2026, url: "https://example.org/o", grade: B}
bau:
  id: bau
  name: BAU
  proposal: a.yaml
do_minimum:
  id: nothing
  name: Nothing changes
options:
  - id: same
    name: Same as BAU
    proposal: a.yaml
  - id: bigger
    name: Bigger police saving
    proposal: a.yaml
    edits:
      savings.police_saving.amount: {value: 900, source: options_source}
  - id: plus_b
    name: A plus B
    proposal: a.yaml
    plus: [b.yaml]
"""

DF = 1.035 ** -np.arange(4.0)  # Green Book standard rate, 3.5% in years 0-30; year 0 undiscounted


def _write(folder: Path, options: str = OPTIONS, a: str = SMALL_A, b: str = SMALL_B) -> Path:
    (folder / "a.yaml").write_text(a, encoding="utf-8")
    (folder / "b.yaml").write_text(b, encoding="utf-8")
    path = folder / "options.yaml"
    path.write_text(options, encoding="utf-8")
    return path


def _cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    path = _write(tmp_path_factory.mktemp("options"))
    return appraise_options(load_options(path))


def test_incremental_figures_by_hand(small):
    by = {e.id: e for e in small.entries}
    years_1_3 = DF[1:].sum()
    # BAU against itself, and an option identical to it: zero everything
    for id in ("bau", "same"):
        inc = by[id].incremental
        assert inc.npv == 0 and inc.pv_costs == 0 and inc.pv_savings == 0
        assert not inc.cash_costs.any() and not inc.cash_cashable.any()
    # nothing changes = minus BAU: 1,000 a year of costs and 600 a year of police savings from year 1
    nothing = by["nothing"].incremental
    assert nothing.pv_costs == pytest.approx(-1000 * DF.sum(), rel=1e-12)
    assert nothing.pv_savings == pytest.approx(-600 * years_1_3, rel=1e-12)
    assert nothing.npv == pytest.approx(1000 * DF.sum() - 600 * years_1_3, rel=1e-12)
    # a bigger police saving: +300 a year from year 1, half cashable; no extra cost
    bigger = by["bigger"]
    assert bigger.incremental.pv_costs == pytest.approx(0, abs=1e-9)
    assert bigger.incremental.pv_savings == pytest.approx(300 * years_1_3, rel=1e-12)
    assert bigger.incremental.pv_cashable == pytest.approx(150 * years_1_3, rel=1e-12)
    assert bigger.fiscal_return is None and bigger.passes
    police = small.agency_ids.index("police")
    assert bigger.incremental.pv_net_by_agency[police] == pytest.approx(300 * years_1_3, rel=1e-12)
    # A plus B against A = B: 500 set-up in year 0, 200 a year for the NHS from year 1
    b = by["plus_b"]
    inc = b.incremental
    assert inc.pv_costs == pytest.approx(500, rel=1e-12)
    assert inc.pv_savings == pytest.approx(200 * years_1_3, rel=1e-12)
    assert inc.npv == pytest.approx(200 * years_1_3 - 500, rel=1e-12)
    assert inc.npv_firm == pytest.approx(200 * DF[1] - 500, rel=1e-12)  # firm years 0-1
    assert inc.npv_beyond == pytest.approx(200 * DF[2:].sum(), rel=1e-12)
    assert b.fiscal_return == pytest.approx(200 * years_1_3 / 500, rel=1e-12)
    assert b.passes == (200 * years_1_3 >= 500)
    council, nhs = small.agency_ids.index("council"), small.agency_ids.index("nhs")
    assert inc.pv_net_by_agency[council] == pytest.approx(-500, rel=1e-12)
    assert inc.pv_net_by_agency[nhs] == pytest.approx(200 * years_1_3, rel=1e-12)
    # cash: real 2024-25 prices times the deflator's D[year] / D[2024] (the published index)
    index = b.results[1].scenario.deflator.index
    cash = np.array([index[2025 + t] / index[2024] for t in range(4)])
    assert inc.cash_costs == pytest.approx(np.array([500, 0, 0, 0]) * cash, rel=1e-12)
    assert inc.cash_cashable == pytest.approx(np.array([0, 200, 200, 200]) * cash, rel=1e-12)
    # dual running on the incremental cash: the set-up is funded in year 0, covered from year 1
    assert b.dual_running.peak_funding_requirement == pytest.approx(500 * cash[0], rel=1e-12)
    assert b.dual_running.years == 1


def test_common_random_numbers_identical_option_differs_by_zero(small):
    sim = simulate_options(small, 2000, 7)
    same = sim.entry_ids.index("same")
    assert not sim.incremental[:, same].any()  # exactly zero in every draw
    assert sim.p_beats_bau[same] == 0 and sim.p_beats[0, same] == 0
    # the bigger saving beats BAU whenever its drawn saving is above BAU's in the same draw: with common
    # random numbers (one uniform per quantity) 900's range sits above 600's at every quantile
    bigger = sim.entry_ids.index("bigger")
    assert sim.p_beats_bau[bigger] == 1.0
    # the same seed gives the same draws; another seed others
    again = simulate_options(small, 2000, 7)
    assert np.array_equal(again.npv, sim.npv)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    low=st.floats(0, 500, allow_nan=False),
    width=st.floats(0, 800, allow_nan=False),
    nhs=st.floats(0, 400, allow_nan=False),
    seed=st.integers(0, 2**32),
)
def test_probabilities_are_coherent(low, width, nhs, seed):
    a = SMALL_A.replace("low: 300, high: 900", f"low: {low!r}, high: {low + width!r}").replace(
        "value: 600,", f"value: {low + width / 2!r},"
    )
    b = SMALL_B.replace("value: 200,", f"value: {nhs!r},")
    options = OPTIONS.replace("{value: 900,", f"{{value: {low + width!r},")  # the top of the range
    with tempfile.TemporaryDirectory() as folder:
        appraisal = appraise_options(load_options(_write(Path(folder), options, a=a, b=b)))
        sim = simulate_options(appraisal, 300, seed)
    p = sim.p_beats
    assert np.all((p >= 0) & (p <= 1))
    assert np.all(p + p.T <= 1 + 1e-12)  # P(A beats B) + P(B beats A) ≤ 1
    assert np.all(np.diag(p) == 0)
    same = sim.entry_ids.index("same")
    assert not sim.incremental[:, same].any() and p[0, same] == 0 and p[same, 0] == 0
    assert sim.p_beats_bau == pytest.approx(p[:, 0])


# ---------------------------------------------------------------------------------------------
# Located refusals
# ---------------------------------------------------------------------------------------------


def _error(tmp_path: Path, options: str, a: str = SMALL_A, b: str = SMALL_B) -> str:
    path = _write(tmp_path, options, a, b)
    code, out, err = _cli("options", str(path), "--draws", "0")
    assert code == 1 and out == "" and "Traceback" not in err
    return err


def test_unknown_edit_path_is_located_and_suggests_the_nearest(tmp_path):
    err = _error(tmp_path, OPTIONS.replace("savings.police_saving.amount", "savings.police_savng.amount"))
    line = (
        OPTIONS.splitlines().index("      savings.police_saving.amount: {value: 900, source: options_source}")
        + 1
    )
    assert err.count("\n") == 1
    assert re.match(rf".*options\.yaml:{line}:7: options\.1\.edits\.savings\.police_savng\.amount: ", err)
    assert "did you mean 'savings.police_saving.amount'" in err


def test_first_year_that_cannot_be_aligned_is_refused_at_the_entry(tmp_path):
    err = _error(tmp_path, OPTIONS, b=SMALL_B.replace("first_year: 2025", "first_year: 2026"))
    line = OPTIONS.splitlines().index("    plus: [b.yaml]") + 1
    assert f"options.yaml:{line}:" in err and "options.2.plus.0:" in err
    assert "2026-27 differs from BAU's 2025-26" in err and "appraisal.first_year" in err


def test_other_refusals_are_one_located_line_each(tmp_path):
    err = _error(tmp_path, OPTIONS.replace("  - id: bigger", "  - id: same"))
    assert "options.1.id: id 'same' is used twice" in err
    err = _error(tmp_path, OPTIONS.replace("proposal: a.yaml\n    plus", "proposal: missing.yaml\n    plus"))
    assert "options.2.proposal: proposal file not found" in err
    err = _error(tmp_path, OPTIONS.replace("source: options_source}", "source: nowhere}"))
    assert "options.1.edits.savings.police_saving.amount.source: unknown source 'nowhere'" in err
    err = _error(tmp_path, OPTIONS.replace("{value: 900, source: options_source}", "{value: 900}"))
    assert "exactly one of 'source'" in err
    err = _error(tmp_path, OPTIONS.replace("name: BAU\n", "name: BAU\n  edits: {}\n  colour: red\n"))
    assert "bau.colour" in err
    err = _error(tmp_path, OPTIONS.replace("{value: 900, source", "{value: -5, source"))
    assert "options.1.edits.savings.police_saving.amount" in err and err.count("\n") == 1


# ---------------------------------------------------------------------------------------------
# The shipped example: the CLI's JSON, CSV, the summary and the workbook agree
# ---------------------------------------------------------------------------------------------

DRAWS = "400"


@pytest.fixture(scope="module")
def example_json():
    code, out, err = _cli("options", str(EXAMPLE), "--format", "json", "--draws", DRAWS)
    assert code == 0, err
    return json.loads(out)


def test_example_runs_and_is_described_honestly(example_json):
    d = example_json
    assert [e["role"] for e in d["entries"]] == ["bau", "do_minimum", "option", "option"]
    assert d["entries"][0]["incremental"]["npv"] == 0
    # the fiscal ratio is the fiscal return on investment; "benefit-cost ratio" is the public-value one
    assert "bcr" not in json.dumps(d).lower()
    a_layers = d["entries"][2]["incremental"]
    assert a_layers["fiscal_return_on_investment"] == pytest.approx(
        a_layers["pv_savings"] / a_layers["pv_costs"], abs=1e-4
    )
    # option A = the cut plus detached youth work, against the cut: youth work's own figures
    code, out, _ = _cli("run", str(ROOT / "assumptions/proposals/youth_work.yaml"), "--format", "json")
    youth_work = json.loads(out)
    a = d["entries"][2]["incremental"]
    assert a["npv"] == pytest.approx(youth_work["totals"]["npv"], abs=0.01)
    # risk-adjusted (the cut's corrections cancel: it is in BAU and in option A alike), unadjusted beside
    assert d["basis"]["risk_adjusted"] is True
    assert d["entries"][2]["unadjusted"]["npv"] == pytest.approx(
        youth_work["unadjusted"]["totals"]["npv"], abs=0.01
    )
    assert d["entries"][2]["unadjusted"]["npv"] != pytest.approx(a["npv"], abs=1.0)
    assert a["pv_costs"] == pytest.approx(youth_work["totals"]["pv_costs"], abs=0.01)
    assert "2026-27 prices, discounted to 2027-28" in d["notes"][0]


def _chance_by_hand(p: float, se: float, n: int) -> str:
    """'39.1% ± 0.5 points' (the count when every draw or none beats), written out here."""
    if round(p * n) == 0:
        return f"0.0% (none of {n:,} draws)"
    if round(p * n) == n:
        return f"100.0% (all {n:,} draws)"
    points = se * 100
    return (
        f"{p * 100:.1f}% ± {points:.1f} points" if points >= 0.05 else f"{p * 100:.1f}% ± {points:.2f} points"
    )


def _summary_expected(d: dict) -> dict[str, list[str]]:
    """Each summary row's cells as the JSON's figures formatted (an independent reading of the JSON):
    every row of the summary's table."""
    es = d["entries"]
    n = d["simulation"]["draws"]

    def inc(key):
        return [money(e["incremental"][key]) for e in es]

    rows = {
        "PV costs to the public sector": inc("pv_costs"),
        "PV savings: cashable (saves the public purse)": inc("pv_cashable"),
        "PV savings: non-cashable (frees capacity)": inc("pv_non_cashable"),
        "Net present value (fiscal)": inc("npv"),
        "before optimism bias (unadjusted)": [money(e["unadjusted"]["npv"]) for e in es],
        "NPV, firm-budget years": inc("npv_firm"),
        "NPV, years beyond": inc("npv_beyond"),
        "Fiscal return on investment (savings per £1)": [
            ratio(e["incremental"]["fiscal_return_on_investment"]) for e in es
        ],
        "PV economic layer (output and earnings)": [
            money(e["incremental"]["layers"]["economic"]["pv_benefits"]) for e in es
        ],
        "PV social layer (harm avoided, wellbeing)": [
            money(e["incremental"]["layers"]["social"]["pv_benefits"]) for e in es
        ],
        "Net present public value (all layers)": [
            money(e["incremental"]["public_value"]["net_present_public_value"]) for e in es
        ],
        "Benefit-cost ratio (public value)": [
            ratio(e["incremental"]["public_value"]["benefit_cost_ratio"]) for e in es
        ],
        "Peak dual-running funding (cash)": [
            money(e["incremental"]["dual_running"]["peak_funding_requirement"]) for e in es
        ],
        "Probability of beating BAU": [
            "— (baseline)"  # BAU against itself: a dash, never "0.0% (none of N draws)"
            if e["role"] == "bau"
            else _chance_by_hand(e["probability"]["beats_bau"], e["probability"]["beats_bau_standard_error"], n)
            for e in es
        ],
        **{
            f"Incremental NPV, {q}th percentile": [
                f"{money(e['probability'][f'incremental_npv_p{q}'])} ± "
                f"{money(e['probability'][f'incremental_npv_p{q}_standard_error'])}"
                for e in es
            ]
            for q in (5, 95)
        },
        "Verdict against BAU": [
            "reference"
            if e["role"] == "bau"
            else ("passes" if e["incremental"]["ten_year_test"]["passes"] else "does not pass")
            for e in es
        ],
        "Verdict before optimism bias": [
            "reference"
            if e["role"] == "bau"
            else ("passes" if e["unadjusted"]["passes"] else "does not pass")
            for e in es
        ],
        "Cash break-even year": [
            "reference"
            if e["role"] == "bau"
            else (
                f"{y}-{(y + 1) % 100:02d}"
                if (y := e["incremental"]["dual_running"]["cash_break_even_year"]) is not None
                else "not within horizon"
            )
            for e in es
        ],
    }
    for other in es[1:]:
        rows[f"Probability of beating {other['name']}"] = [
            "— (itself)"  # an option against itself: a dash, never a blank or "0.0%"
            if other["id"] == e["id"]
            else _chance_by_hand(
                e["probability"]["beats"][other["id"]],
                e["probability"]["beats_standard_error"][other["id"]],
                n,
            )
            for e in es
        ]
    for aid, name in d["budget_holders"].items():
        vals = [e["incremental"]["by_budget_holder"][aid]["npv"] for e in es]
        if any(abs(v) >= 0.5 for v in vals):
            rows[name] = [money(v) for v in vals]
    return rows


def _html_rows(doc: str) -> dict[str, list[str]]:
    import html as h

    rows = {}
    for tr in re.findall(r"<tr><td>(.*?)</td>(.*?)</tr>", doc):
        rows[h.unescape(tr[0])] = [h.unescape(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", tr[1])]
    return rows


def test_summary_equals_cli_json_and_workbook(example_json, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    d = example_json
    html_path, md_path, xlsx_path = tmp_path / "s.html", tmp_path / "s.md", tmp_path / "o.xlsx"
    for path in (html_path, md_path):
        code, _, err = _cli("summary", str(EXAMPLE), "-o", str(path), "--draws", DRAWS)
        assert code == 0, err
    code, _, err = _cli("options", str(EXAMPLE), "-o", str(xlsx_path), "--draws", DRAWS)
    assert code == 0, err
    expected = _summary_expected(d)
    html_rows = _html_rows(html_path.read_text(encoding="utf-8"))
    markdown = md_path.read_text(encoding="utf-8")
    assert set(html_rows) == set(expected), "every row of the summary is checked"
    for label, cells in expected.items():
        assert html_rows[label] == cells, label
        assert "| " + " | ".join(cells) + " |" in markdown, label
    # the workbook's Summary sheet holds the JSON's numbers themselves
    ws = openpyxl.load_workbook(xlsx_path)["Summary"]
    found = {}
    for row in ws.iter_rows(values_only=True):
        if row and isinstance(row[0], str):
            found[row[0]] = list(row[1 : 1 + len(d["entries"])])
    es = d["entries"]
    assert found["Net present value (fiscal)"] == [e["incremental"]["npv"] for e in es]
    assert found["PV costs to the public sector"] == [e["incremental"]["pv_costs"] for e in es]
    # BAU's own cell is the baseline's dash in both rows; every other entry's is the JSON's number
    assert found["Probability of beating BAU"] == ["— (baseline)"] + [e["probability"]["beats_bau"] for e in es[1:]]
    assert found["Probability of beating BAU (standard error)"] == ["— (baseline)"] + [
        e["probability"]["beats_bau_standard_error"] for e in es[1:]
    ]
    assert es[0]["probability"]["beats_bau"] is None and es[0]["probability"]["beats_bau_standard_error"] is None
    for other in es[1:]:
        label = f"Probability of beating {other['name']}"
        # an option's own cell is the dash in both rows; every other entry's is the JSON's number
        assert found[label] == [
            "— (itself)" if e["id"] == other["id"] else e["probability"]["beats"][other["id"]] for e in es
        ]
        assert found[f"{label} (standard error)"] == [
            "— (itself)" if e["id"] == other["id"] else e["probability"]["beats_standard_error"][other["id"]]
            for e in es
        ]
    for q in (5, 95):
        label = f"Incremental NPV, {q}th percentile"
        assert found[label] == [e["probability"][f"incremental_npv_p{q}"] for e in es]
        assert found[f"{label} (standard error)"] == [
            e["probability"][f"incremental_npv_p{q}_standard_error"] for e in es
        ]
    money_rows = {
        "PV savings: cashable (saves the public purse)": "pv_cashable",
        "PV savings: non-cashable (frees capacity)": "pv_non_cashable",
        "NPV, firm-budget years": "npv_firm",
        "NPV, years beyond": "npv_beyond",
        "Fiscal return on investment (savings per £1)": "fiscal_return_on_investment",
    }
    for label, key in money_rows.items():
        assert found[label] == [e["incremental"][key] for e in es], label
    assert found["Net present public value (all layers)"] == [
        e["incremental"]["public_value"]["net_present_public_value"] for e in es
    ]
    assert found["Benefit-cost ratio (public value)"] == [
        e["incremental"]["public_value"]["benefit_cost_ratio"] for e in es
    ]
    assert found["before optimism bias (unadjusted)"] == [e["unadjusted"]["npv"] for e in es]
    # the tornado sheet holds every bar of the JSON
    tornado = [r for r in openpyxl.load_workbook(xlsx_path)["Tornado"].iter_rows(values_only=True)][1:]
    assert [(r[0], r[1], r[6], r[7]) for r in tornado] == [
        (e["id"], b["input"], b["incremental_npv_low"], b["incremental_npv_high"])
        for e in es[1:]
        for b in e["tornado"]
    ]
    for aid, name in d["budget_holders"].items():
        if name in found:
            assert found[name] == [e["incremental"]["by_budget_holder"][aid]["npv"] for e in es]
    # one sheet per entry, with its incremental NPV
    wb = openpyxl.load_workbook(xlsx_path)
    for e in es:
        sheet = wb[e["id"]]
        npv_row = next(r for r in sheet.iter_rows(values_only=True) if r[0] == "NPV (fiscal)")
        assert npv_row[1] == e["incremental"]["npv"]
    # the CSV carries the same figures, every digit
    code, out, _ = _cli("options", str(EXAMPLE), "--format", "csv", "--draws", DRAWS)
    npv_line = next(line for line in out.splitlines() if line.startswith("Incremental NPV (fiscal),"))
    assert [float(x) for x in npv_line.split(",")[1:]] == [e["incremental"]["npv"] for e in es]
    lines = {line.split(",")[0]: line.split(",")[1:] for line in out.splitlines()}
    assert lines["P(beats BAU) standard error"][0] == ""  # BAU against itself: no chance, an empty cell
    assert [float(x) for x in lines["P(beats BAU) standard error"][1:]] == [
        e["probability"]["beats_bau_standard_error"] for e in es[1:]
    ]
    # the summary's tornado and switching sentences are the CLI table's
    code, table, _ = _cli("options", str(EXAMPLE), "--draws", DRAWS)
    summary_md = md_path.read_text(encoding="utf-8")
    for e in es[1:]:
        bar = e["tornado"][0]
        assert f"moves its incremental NPV from {money(bar['incremental_npv_low'])} to " in table
        assert f"moves its incremental NPV from {money(bar['incremental_npv_low'])} to " in summary_md


def test_summary_refuses_a_wrong_extension(tmp_path):
    code, _, err = _cli("summary", str(EXAMPLE), "-o", str(tmp_path / "s.docx"), "--draws", "0")
    assert code == 1 and err.count("\n") == 1 and os.listdir(tmp_path) == []


@pytest.mark.e2e
def test_summary_prints_on_two_a4_pages_at_most_in_chromium(example_json, tmp_path):
    from costmodel.export.brief import CHROMIUM_ARGS, find_chromium
    from costmodel.export.options_export import pdf_page_count, summary_html

    if find_chromium() is None:
        pytest.skip("Debian's chromium is not installed")
    playwright = pytest.importorskip("playwright.sync_api")
    src = tmp_path / "summary.html"
    src.write_text(summary_html(example_json), encoding="utf-8")
    shots = ROOT / "test-output"
    shots.mkdir(exist_ok=True)
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=find_chromium(), args=list(CHROMIUM_ARGS))
        try:
            page = browser.new_page(viewport={"width": 1123, "height": 794})  # A4 landscape at 96 dpi
            page.goto(src.as_uri())
            page.emulate_media(media="print")
            page.screenshot(path=str(shots / "options-summary-print.png"), full_page=True)
            pdf = page.pdf(print_background=True, prefer_css_page_size=True)
            text = page.inner_text("body")
        finally:
            browser.close()
    assert 1 <= pdf_page_count(pdf) <= 2, "the appraisal summary must print on two A4 pages at most"
    for e in example_json["entries"]:
        assert e["name"] in text
        assert money(e["incremental"]["npv"]) in text


def test_text_from_the_file_is_never_markup_or_a_formula(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    hostile = OPTIONS.replace(
        "name: Bigger police saving", 'name: "=HYPERLINK(\\"http://x\\") <script>x</script>"'
    )
    path = _write(tmp_path, hostile)
    html_path, xlsx_path, md_path = tmp_path / "s.html", tmp_path / "o.xlsx", tmp_path / "s.md"
    for out in (html_path, md_path):
        assert _cli("summary", str(path), "-o", str(out), "--draws", "50")[0] == 0
    assert _cli("options", str(path), "-o", str(xlsx_path), "--draws", "50")[0] == 0
    doc = html_path.read_text(encoding="utf-8")
    assert "<script>" not in doc and "&lt;script&gt;" in doc
    assert "<script>" not in md_path.read_text(encoding="utf-8")
    wb = openpyxl.load_workbook(xlsx_path)
    cells = [c for ws in wb for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    # the working is live formulas, costmodel's own; the file's text is a string cell, never one of them
    assert any(c.value.startswith("=HYPERLINK") and c.data_type == "s" for c in cells)
    assert all("HYPERLINK" not in c.value and "script" not in c.value for c in cells if c.data_type == "f")
    code, out, _ = _cli("options", str(path), "--format", "csv", "--draws", "0")
    assert code == 0 and "\n=HYPERLINK" not in out and ",=HYPERLINK" not in out


def test_switching_value_between_options_by_hand(small):
    from costmodel.uncertainty.options import option_switching_values

    switches = option_switching_values(small)
    # "nothing changes" leads (BAU spends 1,000 a year to save 600 a year from year 1); its lead over BAU
    # closes when BAU's service costs x with x * sum(DF_0..3) = 600 * sum(DF_1..3)
    sw = next(s for s in switches if s.other == "bau" and s.input.id == "prevention_costs.service.amount")
    assert sw.leader == "nothing" and sw.method == "linear"
    assert sw.value == pytest.approx(600 * DF[1:].sum() / DF.sum(), rel=1e-9)
    assert sw.gap == pytest.approx(1000 * DF.sum() - 600 * DF[1:].sum(), rel=1e-12)
    # against "same" (BAU's twin), the lead closes when its police saving x reaches x * sum(DF_1..3) =
    # 1,000 * sum(DF_0..3)
    sw = next(s for s in switches if s.other == "same" and s.input.id == "savings.police_saving.amount")
    assert sw.value == pytest.approx(1000 * DF.sum() / DF[1:].sum(), rel=1e-9)


# --- cuts among the entries (issue 12 §4): words say what the increments are; no inverted ratio --------

CUT_FILE = ROOT / "tests" / "cases" / "hand_worked_cut.yaml"
R = 1.035
RELEASED = 500 + 1000 * (1 / R + 1 / R**2 + 1 / R**3)  # £3,301.64 (docs/cuts.md)
CLOSURE = 600 + 300 / R  # £889.86
SHUNTED = 400 / R + 600 / R**2 + 600 / R**3  # £1,487.75

CUT_OPTIONS = """schema_version: 1
id: cut_options
title: Cut options
description: Hand-worked options with a cut.
area: Test
bau:
  id: bau
  name: "BAU: {bau_name}"
{bau_proposal}
{middle}
  - id: cut_and_spend
    name: Cut and spend
    proposal: cut.yaml
    plus: [a.yaml]
"""


def _cut_options(tmp_path, bau_is_cut: bool):
    (tmp_path / "cut.yaml").write_text(CUT_FILE.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "a.yaml").write_text(SMALL_A, encoding="utf-8")
    if bau_is_cut:  # the do-minimum keeps the service (nothing changes)
        text = CUT_OPTIONS.format(
            bau_name="close the service",
            bau_proposal="  proposal: cut.yaml",
            middle="do_minimum:\n  id: other\n  name: Keep the service\noptions:\n"
            "  - id: spend\n    name: Keep it and spend\n    proposal: a.yaml",
        )
    else:
        text = CUT_OPTIONS.format(
            bau_name="nothing changes",
            bau_proposal="",
            middle="options:\n  - id: other\n    name: Close the service\n    proposal: cut.yaml",
        )
    path = tmp_path / "options.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_against_a_bau_that_cuts_keeping_the_budget_is_a_cost_by_hand(tmp_path):
    from costmodel.present.options_report import options_dict, options_rows

    a = appraise_options(load_options(_cut_options(tmp_path, bau_is_cut=True)))
    keep = a.entry("other").incremental
    # keeping the service: the budget BAU's cut releases is kept (a cost), its closure costs avoided, and
    # the demand the cut would shunt avoided (savings)
    assert keep.pv_released == pytest.approx(-RELEASED, abs=0.005)
    assert keep.pv_closure == pytest.approx(-CLOSURE, abs=0.005)
    assert keep.pv_costs == pytest.approx(RELEASED - CLOSURE, abs=0.005)  # £2,411.78
    assert keep.pv_savings == pytest.approx(SHUNTED, abs=0.005)
    # a return on the budget kept reads the right way round: £1,487.75 / £2,411.78 = 0.6169 per £1
    assert a.entry("other").fiscal_return == pytest.approx(SHUNTED / (RELEASED - CLOSURE), abs=1e-6)
    d = options_dict(a)
    note = next(n for n in d["notes"] if "cut's money released" in n)
    assert note.startswith("BAU is a cut (BAU: close the service): a cut's money released counts as a negative cost")
    assert "a budget an option keeps is a cost (the budget kept) and the demand it avoids a saving" in note
    _, rows = options_rows(d)
    labels = {label: values for label, _, values in rows}
    kept = labels["  of which budget kept from a cut (+) or released by one (−)"]
    assert kept[1] == pytest.approx(RELEASED, abs=0.005)
    assert labels["  of which closure costs of a cut (− = avoided)"][1] == pytest.approx(-CLOSURE, abs=0.005)


def test_an_option_that_releases_money_against_bau_shows_no_ratio(tmp_path):
    from costmodel.present.options_report import (
        options_dict,
        options_rows,
        options_table,
        summary_content,
        summary_markdown,
    )

    a = appraise_options(load_options(_cut_options(tmp_path, bau_is_cut=False)))
    close = a.entry("other")
    assert close.incremental.pv_costs == pytest.approx(-(RELEASED - CLOSURE), abs=0.005)
    assert close.incremental.pv_savings == pytest.approx(-SHUNTED, abs=0.005)
    # cut and spend: the £1,000 a year service's costs (£3,801.64 before optimism bias) outweigh the
    # cut's net release (£2,411.78), so its incremental costs are positive, yet they net money released
    # against spending: no ratio for either
    both = a.entry("cut_and_spend")
    assert both.incremental.pv_costs > 0 and both.incremental.releases_money
    for e in (close, both):
        assert e.fiscal_return is None and e.incremental.benefit_cost_ratio is None
    d = options_dict(a)
    for entry in d["entries"][1:]:
        assert entry["incremental"]["fiscal_return_on_investment"] is None
        assert entry["incremental"]["public_value"]["benefit_cost_ratio"] is None
    note = next(n for n in d["notes"] if "cut's money released" in n)
    assert note.startswith("Among the options, Close the service, Cut and spend are cuts: ")
    assert "No fiscal return on investment or benefit-cost ratio is shown for Close the service, Cut and spend" in note
    _, rows = options_rows(d)
    ratios = next(values for label, _, values in rows if label == "Fiscal return on investment")
    assert ratios[1:] == [None, None]
    section = summary_content(d).sections[0]
    bcr = next(values for label, _, values in section.rows if label == "Benefit-cost ratio (public value)")
    assert bcr[1:] == [None, None]
    assert "No fiscal return on investment or benefit-cost ratio is shown" in options_table(d)
    assert "No fiscal return on investment or benefit-cost ratio is shown" in summary_markdown(summary_content(d))


# ---------------------------------------------------------------------------------------------
# Issue 13 §4 on options: the tornado of the difference an option makes, switching values by
# bisection, standard errors on every probability, the committed tail in the verdict
# ---------------------------------------------------------------------------------------------


def test_option_tornado_by_hand(small):
    from costmodel.uncertainty.options import option_tornado

    bars = option_tornado(small)
    saved = DF[1:].sum()  # a saving of £1 a year in years 1-3, discounted
    # "nothing changes" against BAU: BAU's police saving at its low (300) and high (900)
    bar = next(b for b in bars if b.entry == "nothing" and b.input.id == "savings.police_saving.amount")
    assert bar.incremental_npv_low == pytest.approx(-(-1000 * DF.sum() + 300 * saved), rel=1e-12)
    assert bar.incremental_npv_high == pytest.approx(-(-1000 * DF.sum() + 900 * saved), rel=1e-12)
    # A plus B against BAU (= A): B's NHS saving at 0 and 400; B's set-up cost of 500 has no range
    bar = next(b for b in bars if b.entry == "plus_b" and b.input.id == "savings.nhs_saving.amount")
    assert bar.incremental_npv_low == pytest.approx(-500 + 0 * saved, abs=1e-9)
    assert bar.incremental_npv_high == pytest.approx(-500 + 400 * saved, rel=1e-12)
    assert bar.swing == pytest.approx(400 * saved, rel=1e-12)
    # the police saving moves BAU and the options built on a.yaml alike: no swing, no bar
    assert not [b for b in bars if b.entry in ("same", "bigger", "plus_b") and "police" in b.input.id]
    # sorted by swing within an option; BAU has no tornado of its own
    assert "bau" not in {b.entry for b in bars}
    for entry in {b.entry for b in bars}:
        swings = [b.swing for b in bars if b.entry == entry]
        assert swings == sorted(swings, reverse=True)


def test_non_linear_switching_value_is_found_by_bisection_to_the_penny(tmp_path):
    from costmodel.uncertainty.options import option_switching_values

    # option "cheap" (A with its service at £400 a year) leads; its lead over "nothing changes" is its
    # own NPV, 600·(v + v² + v³) − 400·(1 + v + v² + v³) with v = 1/(1 + r) at a flat discount rate r: it
    # closes where v + v² + v³ = 400 / 200 = 2
    options = (
        OPTIONS
        + """  - id: cheap
    name: Cheap service
    proposal: a.yaml
    edits:
      prevention_costs.service.amount: {value: 400, source: options_source}
"""
    )
    appraisal = appraise_options(load_options(_write(tmp_path, options)))
    sw = next(
        s
        for s in option_switching_values(appraisal)
        if s.other == "nothing" and s.input.id == "appraisal.discount_rate"
    )
    assert sw.leader == "cheap" and sw.method == "bisection"
    v = next(x.real for x in np.roots([1, 1, 1, -2]) if abs(x.imag) < 1e-12 and x.real > 0)
    assert sw.value == pytest.approx(1 / v - 1, abs=1e-9)
    vs = (1 / (1 + sw.value)) ** np.arange(1, 4)
    assert abs(600 * vs.sum() - 400 * (1 + vs.sum())) < 0.005  # the lead closes to the penny


def test_every_probability_has_its_standard_error_and_every_pair_is_shown(small, tmp_path):
    from costmodel.present.options_report import options_dict, options_table
    from costmodel.uncertainty.options import option_switching_values, option_tornado

    n = 500
    sim = simulate_options(small, n, 7)
    d = options_dict(small, sim, option_switching_values(small), option_tornado(small))
    ids = [e["id"] for e in d["entries"]]
    for k, e in enumerate(d["entries"]):
        p = e["probability"]
        assert p["draws"] == n
        share = np.mean(sim.incremental[:, k] > 0.005)
        if e["role"] == "bau":  # the baseline against itself: null with the reason, not 0%
            assert p["beats_bau"] is None and p["beats_bau_standard_error"] is None
            assert "baseline" in p["beats_bau_reason"] and "cannot beat itself" in p["beats_bau_reason"]
            assert share == 0.0  # (the engine's increment of BAU on BAU is zero in every draw)
        else:
            assert p["beats_bau_reason"] is None
            assert p["beats_bau"] == pytest.approx(share, abs=5e-5)
            assert p["beats_bau_standard_error"] == pytest.approx(np.sqrt(share * (1 - share) / n), abs=5e-5)
        assert set(p["beats"]) == set(p["beats_standard_error"]) == set(ids) - {e["id"]}
        for j, other in enumerate(ids):
            if other != e["id"]:
                q = np.mean(sim.npv[:, k] - sim.npv[:, j] > 0.005)
                assert p["beats"][other] == pytest.approx(q, abs=5e-5)
                assert p["beats_standard_error"][other] == pytest.approx(np.sqrt(q * (1 - q) / n), abs=5e-5)
    table = options_table(d)
    plus_b = next(e for e in d["entries"] if e["id"] == "plus_b")["probability"]
    pts = plus_b["beats_standard_error"]["bigger"] * 100
    assert f"{plus_b['beats']['bigger'] * 100:.1f}% ± {pts:.1f} points" in table
    assert "(none of 500 draws)" in table  # "same" never beats BAU, its twin
    bau_row = next(line for line in table.splitlines() if line.startswith("P(beats BAU)"))
    assert bau_row.split("  ")[0] == "P(beats BAU)" and "— (baseline)" in bau_row
    assert bau_row.count("(none of 500 draws)") == 1  # "same" only; BAU's own column is the baseline's dash
    for other in d["entries"][1:]:  # a row for every entry beaten, a column for every entry beating it
        assert f"P(beats {other['name']})" in table


def test_an_option_against_itself_is_a_dash_with_a_reason_not_a_blank(small):
    """The pairwise rows (P(beats X)): X's own column shows '— (itself)' as BAU's column of P(beats BAU)
    shows '— (baseline)', in the table, the summary and the workbook; JSON beats_itself null with the reason
    (beats keeps every other entry's number); the CSV cell empty, as BAU's own is."""
    import csv as csv_module
    import io

    import openpyxl

    from costmodel.export.options_export import options_workbook_bytes, summary_html
    from costmodel.present.options_report import (
        options_csv,
        options_dict,
        options_table,
        summary_content,
        summary_markdown,
    )

    n = 200
    d = options_dict(small, simulate_options(small, n, 3))
    es = d["entries"]
    for e in es:
        p = e["probability"]
        assert p["beats_itself"] is None and "cannot beat itself" in p["beats_itself_reason"]
        assert e["id"] not in p["beats"] and all(isinstance(v, float) for v in p["beats"].values())
    lines = options_table(d).splitlines()
    header = next(i for i, ln in enumerate(lines) if ln.startswith("---")) - 1
    # each column's right edge, from the header row (cells are right-aligned under the entry names)
    ends = [lines[header].index(e["name"]) + len(e["name"]) for e in es]
    for j, other in enumerate(es[1:], start=1):
        row = next(ln for ln in lines if ln.startswith(f"P(beats {other['name']})"))
        for k in range(len(es)):
            cell = row[: ends[k]].rsplit("  ", 1)[-1].strip()
            if k == j:
                assert cell == "— (itself)", (other["id"], k)
            else:
                assert cell.endswith(("points", "draws)")), (other["id"], k, cell)
    summary = {
        label.strip(): vals for s in summary_content(d).sections for label, _, vals in s.rows
    }
    for j, other in enumerate(es[1:], start=1):
        vals = summary[f"Probability of beating {other['name']}"]
        assert vals[j] == "— (itself)" and all(isinstance(v, tuple) for k, v in enumerate(vals) if k != j)
    # the summary as Markdown and HTML: one dash per pairwise row (the option's own column)
    md = summary_markdown(summary_content(d)).splitlines()
    html = summary_html(d)
    for other in es[1:]:
        row = next(ln for ln in md if ln.startswith(f"| Probability of beating {other['name']} |"))
        assert row.count("— (itself)") == 1
    assert html.count("— (itself)") == len(es) - 1
    rows = list(csv_module.reader(io.StringIO(options_csv(d))))
    for j, other in enumerate(es[1:], start=1):
        for label in (f"P(beats {other['name']})", f"P(beats {other['name']}) standard error"):
            cells = next(r for r in rows if r[0] == label)[1:]
            assert cells[j] == "" and all(float(c) >= 0 for k, c in enumerate(cells) if k != j)
    book = openpyxl.load_workbook(io.BytesIO(options_workbook_bytes(d, small)), data_only=True)
    found = {r[0].value: [c.value for c in r[1 : 1 + len(es)]] for r in book["Summary"].iter_rows() if r[0].value}
    for j, other in enumerate(es[1:], start=1):
        for label in (f"Probability of beating {other['name']}", f"Probability of beating {other['name']} (standard error)"):
            assert found[label][j] == "— (itself)", label


def test_options_use_the_files_correlations():
    # the shipped youth-work proposal declares correlations; the options appraisal's copula acts on them
    from costmodel.uncertainty import options as uo

    appraisal = appraise_options(load_options(EXAMPLE))
    comps = uo._components(appraisal)
    keys: dict[str, int] = {}
    for comp in comps:
        for k in comp.keys:
            keys.setdefault(k, len(keys))
    assert uo._copula(comps, keys) is not None


def test_the_verdict_counts_the_committed_tail_when_the_file_says_so(tmp_path):
    import shutil

    shutil.copytree(ROOT / "assumptions", tmp_path / "assumptions")
    youth = tmp_path / "assumptions" / "proposals" / "youth_work.yaml"
    text = youth.read_text(encoding="utf-8")
    youth.write_text(
        text.replace("  horizon_years: 10\n", "  horizon_years: 10\n  count_committed: true\n", 1)
    )
    options = tmp_path / "assumptions" / "options" / "youth_options.yaml"
    code, out, err = _cli("options", str(options), "--format", "json", "--draws", "0")
    assert code == 0, err
    d = json.loads(out)
    code, out, err = _cli("run", str(youth), "--format", "json")
    assert code == 0, err
    run = json.loads(out)["totals"]
    assert run["counts_committed"] is True and run["committed_beyond_horizon"]["pv_net"] > 0
    # option A = the cut plus youth work, against the cut: youth work's own counted NPV and tail
    a = next(e for e in d["entries"] if e["id"] == "detached")["incremental"]
    assert a["npv_committed_counted"] == pytest.approx(run["committed_beyond_horizon"]["pv_net"], abs=0.01)
    assert a["npv_counted"] == pytest.approx(run["npv_counted"], abs=0.01)
    assert a["npv_counted"] == pytest.approx(a["npv"] + a["npv_committed_counted"], abs=0.01)
    assert "committed beyond the horizon" in a["ten_year_test"]["verdict"]
    files = d["committed_beyond_horizon"]["files"]
    assert {k.rsplit("/", 1)[-1]: v for k, v in files.items()} == {
        "youth_service_cut.yaml": False,
        "youth_work.yaml": True,
        "early_help_pooled.yaml": False,
    }
    assert "the files differ on this" in d["committed_beyond_horizon"]["note"].lower()
    assert "not drawn" in d["committed_beyond_horizon"]["note"]
    # the shipped files do not count it: said, and the verdict rests on the horizon's NPV
    code, out, _ = _cli("options", str(EXAMPLE), "--format", "json", "--draws", "0")
    shipped = json.loads(out)
    assert "shown, not counted" in shipped["committed_beyond_horizon"]["note"]
    for e in shipped["entries"]:
        assert e["incremental"]["npv_committed_counted"] == 0
        assert e["incremental"]["npv_counted"] == e["incremental"]["npv"]


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cost=st.floats(min_value=300.0, max_value=440.0))
def test_bisection_closes_the_lead_to_the_penny(cost):
    # the lead of "cheap" (A with its service at `cost` a year) over "nothing changes" closes at the
    # discount rate r where 600·S = cost·(1 + S), S = v + v² + v³, v = 1/(1 + r)
    from costmodel.uncertainty.options import option_switching_values

    options = OPTIONS + (
        "  - id: cheap\n    name: Cheap service\n    proposal: a.yaml\n    edits:\n"
        f"      prevention_costs.service.amount: {{value: {cost!r}, source: options_source}}\n"
    )
    with tempfile.TemporaryDirectory() as folder:
        appraisal = appraise_options(load_options(_write(Path(folder), options)))
    sw = next(
        s
        for s in option_switching_values(appraisal)
        if s.other == "nothing" and s.input.id == "appraisal.discount_rate"
    )
    assert sw.method == "bisection" and sw.value is not None and 0 <= sw.value <= 1
    vs = (1 / (1 + sw.value)) ** np.arange(1, 4)
    assert abs(600 * vs.sum() - cost * (1 + vs.sum())) < 0.005
