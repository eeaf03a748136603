"""The options workbook shows its working: each entry's yearly flows by proposal and budget holder are
input cells, and the discount factors, present values, NPV, the NPV against BAU, the verdict and the
ranking are live formulas of them that reconcile with the engine to the penny, in costmodel's own
cached values and after LibreOffice recalculates every formula (cached values removed first). Changing
an input cell moves the results by the amount worked out by hand.

LibreOffice is skipped where it is absent, except on CI (as tests/test_export_recalc.py)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from costmodel.appraisal.engine import MONEY_TOLERANCE
from costmodel.appraisal.options import OptionsAppraisal, appraise_options
from costmodel.export.excel_options import C_AGENCY, C_ENTRY, C_FIRM, C_PV, C_TOTAL, FIRST_ENTRY_COL
from costmodel.export.options_export import options_workbook_bytes
from costmodel.export.sheets import FIRST_YEAR_COL
from costmodel.inputs.options import load_options
from costmodel.present.options_report import options_dict

from .test_options import EXAMPLE, OPTIONS, ROOT, _write

openpyxl = pytest.importorskip("openpyxl")
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


def _committed_case(folder: Path) -> Path:
    """The shipped options with youth work counting the savings it commits beyond the horizon."""
    shutil.copytree(ROOT / "assumptions", folder / "assumptions")
    youth = folder / "assumptions" / "proposals" / "youth_work.yaml"
    text = youth.read_text(encoding="utf-8")
    youth.write_text(text.replace("  horizon_years: 10\n", "  horizon_years: 10\n  count_committed: true\n", 1))
    return folder / "assumptions" / "options" / "youth_options.yaml"


LAYER_OPTIONS = """schema_version: 1
id: layer_options
title: Value beyond public budgets against nothing
description: The hand-worked proposal with economic, social and WELLBY values, against doing nothing.
area: Test
bau: {id: bau, name: "BAU: nothing changes"}
options:
  - {id: layers, name: The hand-worked layers, proposal: hand_worked_layers.yaml}
  - id: weaker
    name: A weaker effect
    proposal: hand_worked_layers.yaml
    edits:
      outcomes.0.effect: {value: 0.3, assumption: a test edit}
"""


def _layers_case(folder: Path) -> Path:
    """Options with wellbeing valued in WELLBYs (the health discount rate), economic and social value."""
    folder.mkdir()
    shutil.copy(ROOT / "tests" / "cases" / "hand_worked_layers.yaml", folder)
    path = folder / "options.yaml"
    path.write_text(LAYER_OPTIONS, encoding="utf-8")
    return path


def _mkdir(folder: Path) -> Path:
    folder.mkdir()
    return folder


@pytest.fixture(scope="module")
def cases(tmp_path_factory) -> dict[str, tuple[OptionsAppraisal, Path]]:
    """Each case's appraisal and its workbook as costmodel writes it."""
    work = tmp_path_factory.mktemp("options_workbook")
    paths = {
        "youth_options": EXAMPLE,  # a cut as BAU, 'plus', edits, a pooled proposal, risk-adjusted
        "small": _write(work),  # hand-worked: 'nothing changes', an option identical to BAU
        "committed": _committed_case(work / "committed"),
        "layers": _layers_case(work / "layers"),  # BAU 'nothing changes'; WELLBYs at the health rate
        # discounted to two years before the first year: DF_0 = 1.035^-2, not 1
        "discounted_earlier": _write(_mkdir(work / "earlier"), OPTIONS.replace(
            "area: Test\n", "area: Test\nappraisal: {price_base_year: 2024, discount_year: 2023}\n", 1)),
    }
    out = {}
    for stem, path in paths.items():
        a = appraise_options(load_options(path))
        book = work / f"{stem}.xlsx"
        book.write_bytes(options_workbook_bytes(options_dict(a), a))
        out[stem] = (a, book)
    return out


def _inputs_row(ws, label: str, entry: str) -> int:
    """The 1-based row of an Inputs line by its label and entry id."""
    [row] = [c.row for c in ws["A"] if c.value == label and ws.cell(c.row, 5).value == entry]
    return row


@pytest.fixture(scope="module")
def recalculated(cases, tmp_path_factory):
    """Each workbook recalculated by LibreOffice from its formulas alone; and the small one with input
    cells changed by hand ("small_edited")."""
    if SOFFICE is None:
        if os.environ.get("CI"):
            pytest.fail("LibreOffice is not installed: on CI, scripts/test must install libreoffice-calc-nogui")
        pytest.skip("LibreOffice is not installed")
    work = tmp_path_factory.mktemp("options_recalc")
    (work / "stripped").mkdir()
    for stem, (_, book) in cases.items():
        openpyxl.load_workbook(book).save(work / "stripped" / f"{stem}.xlsx")  # drops every cached value
    wb = openpyxl.load_workbook(cases["small"][1])
    ws = wb["Inputs"]
    # + £1,000 of the council's costs in year 1 of option "A plus B" (its proposal small_b)
    ws.cell(_inputs_row(ws, "small_b: Council: prevention costs", "plus_b"), FIRST_YEAR_COL + 2).value += 1000
    # + £100 of police savings in year 0 of BAU
    ws.cell(_inputs_row(ws, "small_a: Police: savings", "bau"), FIRST_YEAR_COL + 1).value += 100
    wb.save(work / "stripped" / "small_edited.xlsx")
    stems = [*cases, "small_edited"]
    subprocess.run(
        [SOFFICE, f"-env:UserInstallation=file://{work / 'profile'}", "--headless", "--calc",
         "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(work / "out"),
         *[str(work / "stripped" / f"{stem}.xlsx") for stem in stems]],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    return {stem: work / "out" / f"{stem}.xlsx" for stem in stems}


# ---- what the engine says each row is ------------------------------------------------------------


def _flows(a: OptionsAppraisal, k: int, key: str, agency: str | None) -> np.ndarray:
    """An entry's yearly real flow (its proposals added), for one budget holder or all of them."""
    out = np.zeros(len(a.years))
    for r in a.entries[k].results:
        ids = [ag.id for ag in r.scenario.agencies]
        if key == "released":
            out += r.cut.released.sum(axis=1) if r.cut is not None else 0.0
            continue
        if key in ("economic", "social", "wellbeing"):
            layers = r.flows.layers
            if layers is not None:  # social: the part valued in money (wellbeing has its own rate)
                out += {"economic": layers.economic, "social": layers.social - layers.wellbeing,
                        "wellbeing": layers.wellbeing}[key]  # fmt: skip
            continue
        arr = getattr(r.flows, key)
        out += arr.sum(axis=1) if agency is None else (arr[:, ids.index(agency)] if agency in ids else 0.0)
    return out


def _expected_calculations(a: OptionsAppraisal, label: str, agency: str | None, entry: str | None) -> np.ndarray:
    """The engine's figures of one Calculations row, year by year."""
    first = next(r for e in a.entries for r in e.results)
    T = len(a.years)
    timeline = {
        "Appraisal year (0 = first year)": np.arange(T),
        "Financial year (starting)": np.array(a.years),
        "Firm-budget year? (1 = yes)": (np.arange(T) < a.firm_budget_years).astype(float),
        "Real discount rate": first.params.rates,
        "Discount factor": first.flows.factors,
        "Real-to-cash factor D[year] / D[price base]": first.structure.cash_factor,
    }
    health = [r for e in a.entries for r in e.results if r.params.health_rates.size]
    if health:
        timeline["Health discount rate (WELLBY and QALY values only)"] = health[0].params.health_rates
        timeline["Health discount factor (WELLBY and QALY values only)"] = health[0].flows.layers.health_factors
    if label in timeline:
        return timeline[label]
    k = [e.id for e in a.entries].index(entry)
    words = {"prevention costs": "costs", "savings": "savings", "cashable savings": "cashable",
             "a cut's money released": "released"}  # fmt: skip

    def flow(j: int, what: str) -> np.ndarray:
        if what.startswith("net"):
            return _flows(a, j, "savings", agency) - _flows(a, j, "costs", agency)
        return _flows(a, j, words[what], agency)

    inc = a.entries[k].incremental
    cash = {
        "Incremental prevention costs in cash (nominal): real × the real-to-cash factor": inc.cash_costs,
        "Incremental cashable savings in cash (nominal): real × the real-to-cash factor": inc.cash_cashable,
        "Incremental net cash position (cashable savings − costs)": inc.cash_net,
        "Incremental cumulative net cash": inc.cash_net.cumsum(),
    }
    if label in cash:
        return cash[label]
    if label == "A cut's money released (within the costs above, negative there)":
        return _flows(a, k, "released", None)
    layers = {"economic value (beyond public budgets)": "economic", "social value valued in money": "social",
              "social value in wellbys or qalys (health rate)": "wellbeing"}  # fmt: skip
    what = label.lower().removeprefix("incremental ")
    if what in layers:
        mine = _flows(a, k, layers[what], None)
        return mine - _flows(a, 0, layers[what], None) if label.startswith("Incremental") else mine
    what = label.split(": ", 1)[1]
    if what == "incremental net":
        return flow(k, "net") - flow(0, "net")
    if what.startswith("incremental "):
        what = what.removeprefix("incremental ")
        return flow(k, what) - flow(0, what)
    return flow(k, what)


def _check_calculations(a: OptionsAppraisal, ws) -> int:
    """Every formula cell of the Calculations sheet against the engine; returns how many were checked."""
    first = next(r for e in a.entries for r in e.results)
    health = [r.flows.layers.health_factors for e in a.entries for r in e.results if r.params.health_rates.size]
    firm = np.arange(len(a.years)) < a.firm_budget_years
    T = len(a.years)
    checked = 0
    for row in ws.iter_rows(min_row=5):
        label = row[0].value
        if not isinstance(label, str) or row[FIRST_YEAR_COL].value is None:
            continue
        expected = _expected_calculations(a, label, row[C_AGENCY].value, row[C_ENTRY].value)
        df = health[0] if "WELLBYs or QALYs" in label else first.flows.factors  # the rows exist only with it
        got = [c.value for c in row[FIRST_YEAR_COL : FIRST_YEAR_COL + T]]
        assert got == pytest.approx(list(expected), abs=0.005, rel=1e-9), label
        for col, value in ((C_TOTAL, expected.sum()), (C_PV, expected @ df), (C_FIRM, (expected * df * firm).sum())):
            if row[col].value is not None:
                assert row[col].value == pytest.approx(value, abs=0.005), (label, col)
                checked += 1
        checked += T
    return checked


def _comparison(ws) -> dict[str, list]:
    return {
        row[0].value: [c.value for c in row[FIRST_ENTRY_COL:]]
        for row in ws.iter_rows(min_row=5)
        if isinstance(row[0].value, str) and row[FIRST_ENTRY_COL].value is not None
    }


def _check_comparison(a: OptionsAppraisal, ws) -> int:
    """Every figure of the Comparison sheet against the engine's, to the penny."""
    rows = _comparison(ws)
    es = a.entries
    npv = np.array([e.incremental.npv for e in es])
    expected = {
        "PV prevention costs": [e.absolute.pv_costs for e in es],
        "PV savings": [e.absolute.pv_savings for e in es],
        "NPV (fiscal): PV savings − PV prevention costs": [e.absolute.npv for e in es],
        "Incremental PV costs": [e.incremental.pv_costs for e in es],
        "  of which budget kept from a cut (+) or released by one (−)": [-e.incremental.pv_released for e in es],
        "Incremental PV savings": [e.incremental.pv_savings for e in es],
        "  of which cashable (saves the public purse)": [e.incremental.pv_cashable for e in es],
        "  of which non-cashable (frees capacity)": [e.incremental.pv_savings - e.incremental.pv_cashable for e in es],
        "Incremental NPV (fiscal): PV savings − PV costs": list(npv),
        "  NPV in the firm-budget years": [e.incremental.npv_firm for e in es],
        "  NPV in the years beyond": [e.incremental.npv_beyond for e in es],
        "Committed beyond the horizon, counted (Inputs: costmodel's figures)": [
            e.incremental.npv_committed_counted for e in es
        ],
        "NPV the verdict rests on (the horizon's plus the committed tail counted)": [e.incremental.npv_counted for e in es],
        "Peak dual-running funding (cash): the largest incremental cumulative shortfall": [
            e.dual_running.peak_funding_requirement for e in es
        ],
        "Incremental PV economic value (output and earnings beyond public budgets)": [
            e.incremental.pv_economic for e in es
        ],
        "Incremental PV social value (harm avoided; WELLBYs and QALYs at the health rate)": [
            e.incremental.pv_social for e in es
        ],
        "Net present public value (fiscal NPV + economic + social)": [e.incremental.net_present_public_value for e in es],
        # by hand: 1 + how many entries have a higher NPV against BAU
        "Rank by incremental NPV over the horizon (1 = highest)": [
            1 + int(np.sum(npv > x + MONEY_TOLERANCE)) for x in npv
        ],
    }
    for aid, name in zip(a.agency_ids, a.agency_names, strict=True):
        expected[name] = [e.incremental.pv_net_by_agency[a.agency_ids.index(aid)] for e in es]
    for label, want in expected.items():
        assert rows[label] == pytest.approx(want, abs=0.005), label
    assert rows["Ten Year Test against BAU (incremental NPV ≥ 0)"] == [
        "passes" if e.passes else "does not pass" for e in es
    ]
    roi = next(v for k, v in rows.items() if k.startswith("Fiscal return on investment"))
    assert [None if x == "n/a" else pytest.approx(x, rel=1e-9) for x in roi] == [e.fiscal_return for e in es]
    bcr = next(v for k, v in rows.items() if k.startswith("Benefit-cost ratio (public value"))
    assert [None if x == "n/a" else pytest.approx(x, rel=1e-9) for x in bcr] == [
        e.incremental.benefit_cost_ratio for e in es
    ]
    return len(es) * (len(expected) + 2)


@pytest.mark.parametrize("stem", ["youth_options", "small", "committed", "layers", "discounted_earlier"])
def test_cached_values_are_the_engines_figures(cases, stem):
    """The values stored beside the formulas (computed from the formula text) are the engine's."""
    a, book = cases[stem]
    wb = openpyxl.load_workbook(book, data_only=True)
    assert _check_calculations(a, wb["Calculations"]) > 200
    _check_comparison(a, wb["Comparison"])


@pytest.mark.parametrize("stem", ["youth_options", "small", "committed", "layers", "discounted_earlier"])
def test_libreoffice_recomputes_every_formula_to_the_engines_figures(cases, recalculated, stem):
    a, book = cases[stem]
    formulas = openpyxl.load_workbook(book)
    cached = openpyxl.load_workbook(book, data_only=True)
    lo = openpyxl.load_workbook(recalculated[stem], data_only=True)
    n_formulas = 0
    for ws in formulas.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    assert ws.title in ("Inputs", "Calculations", "Comparison"), (ws.title, cell.coordinate)
                    ours, theirs = cached[ws.title][cell.coordinate].value, lo[ws.title][cell.coordinate].value
                    if isinstance(ours, (int, float)):
                        assert theirs == pytest.approx(ours, rel=1e-9, abs=0.005), (ws.title, cell.coordinate, cell.value)
                    else:
                        assert theirs == ours, (ws.title, cell.coordinate, cell.value)
                    n_formulas += 1
    assert n_formulas > 300
    assert _check_calculations(a, lo["Calculations"]) > 200
    _check_comparison(a, lo["Comparison"])


def test_changing_an_input_cell_moves_the_results_by_hand(cases, recalculated):
    """Formulas, not pasted values: + £1,000 of costs in year 1 of one option lowers its NPV against BAU by
    1,000 / 1.035 (3.5%, year 0 undiscounted); + £100 of BAU's savings in year 0 lowers every other
    entry's NPV against BAU by exactly 100."""
    a, _ = cases["small"]
    before = _comparison(openpyxl.load_workbook(recalculated["small"], data_only=True)["Comparison"])
    after = _comparison(openpyxl.load_workbook(recalculated["small_edited"], data_only=True)["Comparison"])
    ids = [e.id for e in a.entries]
    npv = "Incremental NPV (fiscal): PV savings − PV costs"
    moved = np.array(after[npv]) - np.array(before[npv])
    expected = np.array([0.0 if id == "bau" else -100.0 for id in ids])
    expected[ids.index("plus_b")] -= 1000 / 1.035
    assert moved == pytest.approx(expected, abs=1e-6)
    # BAU's own NPV moves, and the council's NPV of option A plus B against BAU
    own = "NPV (fiscal): PV savings − PV prevention costs"
    assert after[own][0] - before[own][0] == pytest.approx(100, abs=1e-6)
    assert after["Council"][ids.index("plus_b")] - before["Council"][ids.index("plus_b")] == pytest.approx(
        -1000 / 1.035, abs=1e-6
    )


def test_text_from_files_is_text_in_the_working(tmp_path):
    """An entry name or a budget holder's name beginning with '=' is written as a string cell, never a
    formula (as the single-proposal workbook: tests/test_hardening.py)."""
    from .test_options import OPTIONS, SMALL_A

    hostile = '=HYPERLINK("http://x")'
    path = _write(
        tmp_path,
        OPTIONS.replace("name: Bigger police saving", 'name: "=HYPERLINK(\\"http://x\\")"'),
        a=SMALL_A.replace("name: Police}", 'name: "=HYPERLINK(\\"http://x\\")"}'),
    )
    a = appraise_options(load_options(path))
    book = tmp_path / "o.xlsx"
    book.write_bytes(options_workbook_bytes(options_dict(a), a))
    wb = openpyxl.load_workbook(book)
    cells = [c for ws in wb for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert sum(1 for c in cells if c.data_type == "f") > 300
    assert any(c.value == hostile and c.data_type == "s" for c in cells)
    for name in ("Inputs", "Calculations", "Comparison"):
        assert any(hostile in c.value and c.data_type == "s" for row in wb[name].iter_rows() for c in row
                   if isinstance(c.value, str))  # fmt: skip
    assert all("HYPERLINK" not in c.value for c in cells if c.data_type == "f")
