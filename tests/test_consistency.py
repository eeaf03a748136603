"""One proposal, one NPV: every output of every shipped example states the same headline figure.

For each file in ``assumptions/proposals/`` the whole-public-sector net present value is read from
``run`` (JSON, CSV and table), ``compare``, ``pool`` (where the proposal pools or charges),
``sensitivity`` (its central case), ``simulate`` (its deterministic NPV), the Excel workbook's cached
NPV cell, the Markdown briefing and the Streamlit app. The figures with full precision must agree
to the penny; the rounded ones must print exactly the rounded figure. The CSV's net flows,
discounted by its own discount factors, give the NPV independently of the engine's present values.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import openpyxl
import pytest

from costmodel.cli import main
from costmodel.export.excel import OUTPUTS
from costmodel.formatting import money

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "assumptions" / "proposals").glob("*.yaml"))
PENNY = 0.005


def cli(*argv: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    status = main(list(argv), out, err)
    assert status == 0, err.getvalue()
    return out.getvalue()


@pytest.fixture(scope="module", params=EXAMPLES, ids=[p.stem for p in EXAMPLES])
def example(request, tmp_path_factory):
    path = str(request.param)
    report = json.loads(cli("run", path, "--format", "json"))
    return path, report["totals"]["npv"], report, tmp_path_factory.mktemp(request.param.stem)


def test_csv_flows_discount_to_the_json_npv(example):
    path, npv, _, _ = example
    text = cli("run", path, "--format", "csv")
    assert text.startswith("# ") and "deflator: HM Treasury GDP deflators; March 2026" in text.splitlines()[0]
    rows = [r for r in csv.reader(io.StringIO(text)) if not r[0].startswith("#")]
    header = rows[0]
    years = [i for i, h in enumerate(header) if h[:4].isdigit()]
    factors = next(r for r in rows if r[2] == "discount_factor")
    net = next(r for r in rows if r[0] == "total" and r[2] == "net")
    by_hand = sum(float(net[i]) * float(factors[i]) for i in years)
    assert by_hand == pytest.approx(npv, abs=PENNY)
    assert float(net[header.index("present_value")]) == pytest.approx(npv, abs=PENNY)


def test_table_prints_the_npv(example):
    path, npv, _, _ = example
    line = next(ln for ln in cli("run", path).splitlines() if ln.startswith("Net present value"))
    assert line.split()[-1] == money(npv)


def test_compare_json_and_table(example):
    path, npv, _, _ = example
    [entry] = json.loads(cli("compare", path, "--format", "json"))["proposals"]
    assert entry["npv"] == pytest.approx(npv, abs=PENNY)
    line = next(ln for ln in cli("compare", path).splitlines() if ln.startswith("NPV "))
    assert line.split()[-1] == money(npv)


def test_pool(example):
    path, npv, report, _ = example
    if report.get("pooling") is None:
        pytest.skip("no pool and no responsibility charges")
    pooled = json.loads(cli("pool", path, "--format", "json"))["pooling"]
    assert pooled["npv"] == pytest.approx(npv, abs=PENNY)
    assert report["pooling"]["npv"] == pytest.approx(npv, abs=PENNY)


def test_sensitivity_central_and_simulation_deterministic(example):
    path, npv, _, _ = example
    assert json.loads(cli("sensitivity", path, "--format", "json"))["npv"] == pytest.approx(npv, abs=PENNY)
    sim = json.loads(cli("simulate", path, "--draws", "20", "--format", "json"))
    assert sim["deterministic_npv"] == pytest.approx(npv, abs=PENNY)


def test_workbook_npv_cell(example):
    path, npv, _, tmp = example
    target = tmp / "p.xlsx"
    cli("export", path, "-o", str(target))
    ws = openpyxl.load_workbook(target, data_only=True)[OUTPUTS]
    [cell] = [
        r[4].value for r in ws.iter_rows(min_col=1, max_col=5) if r[0].value == "Net present value (NPV)"
    ]
    assert cell == pytest.approx(npv, abs=PENNY)


def test_briefing(example):
    path, npv, _, tmp = example
    target = tmp / "p.md"
    cli("brief", path, "-o", str(target))
    text = target.read_text(encoding="utf-8")
    assert f"| Net present value | {money(npv, signed=True)} " in text


def test_app(example):
    from streamlit.testing.v1 import AppTest

    path, npv, _, _ = example
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    at.selectbox(key="proposal_choice").set_value(f"example:{Path(path).stem}").run()
    assert not at.exception
    shown = {m.label: m.value for m in at.metric}
    assert shown["Net present value"] == money(npv)
    from .app.tabs import open_tab

    tab = open_tab(at, "Ten Year Test table")  # lazy tabs: only the open tab runs
    table = next(d.value for d in tab.dataframe if {"Budget holder", "NPV"} <= set(d.value.columns))
    total = table.loc[table["Budget holder"] == "Total public sector", "NPV"].iloc[0]
    assert float(total) == pytest.approx(npv, abs=PENNY)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_csv_present_values_are_the_engines_to_the_last_digit(path: Path) -> None:
    """The CSV's present_value column carries the engine's present values, so the CSV, the JSON and the
    table agree exactly (not just to rounding): total and every agency, for costs, savings, cashable and net."""
    from costmodel.appraisal.chain import appraise
    from costmodel.inputs.loading import load_proposal
    from costmodel.present.report import render_csv

    r = appraise(load_proposal(path))
    # the CSV opens with a '#' comment line (prices and deflator vintage); cash_* rows are undiscounted
    lines = [ln for ln in render_csv(r).splitlines(keepends=True) if not ln.startswith("#")]
    rows = list(csv.DictReader(io.StringIO("".join(lines))))
    pv = {
        (row["agency_id"], row["measure"]): float(row["present_value"])
        for row in rows
        if row["agency_id"] and not row["measure"].startswith("cash_")
    }
    assert pv[("total", "net")] == r.npv
    assert pv[("total", "costs")] == r.pv_costs
    assert pv[("total", "savings")] == r.pv_savings
    assert pv[("total", "cashable_savings")] == r.pv_cashable
    for i, a in enumerate(r.scenario.agencies):
        assert pv[(a.id, "net")] == float(r.pv_net_by_agency[i])
        assert pv[(a.id, "costs")] == float(r.pv_costs_by_agency[i])
