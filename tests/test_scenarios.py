"""Named scenarios (issue 13 §3): a proposal's sourced sets of edits, chosen with --scenario; compare
and options across scenarios; unknown inputs located with the nearest path; the workbook side by side."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest

from costmodel.appraisal.chain import appraise
from costmodel.cli import main
from costmodel.errors import UsageError
from costmodel.inputs.loading import load_proposal

ROOT = Path(__file__).resolve().parent.parent
YOUTH_WORK = ROOT / "assumptions" / "proposals" / "youth_work.yaml"
OPTIONS = ROOT / "assumptions" / "options" / "youth_options.yaml"


def _cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def test_pessimistic_moves_the_team_cost_by_the_deflated_difference():
    base = appraise(load_proposal(YOUTH_WORK))
    sc = load_proposal(YOUTH_WORK, scenario="pessimistic")
    pess = appraise(sc)
    assert sc.scenario_name == "pessimistic" and sc.notes[0].startswith("Scenario 'pessimistic': 2 edits")
    # the team's cost rises from £152,000 to £190,000 a year in 2007 prices, every year of the horizon:
    # the PV rises by 38,000 x D[2026] / D[2007] x sum of the discount factors (3.5%, year 0 undiscounted)
    index = sc.deflator.index
    k = index[2026] / index[2007]
    factors = sum(1.035**-t for t in range(10))
    # (before optimism bias: the risk-adjusted figures scale every cost line by its correction)
    assert pess.unadjusted is not None and base.unadjusted is not None
    assert pess.unadjusted.pv_costs - base.unadjusted.pv_costs == pytest.approx(
        38_000 * k * factors, rel=1e-9
    )
    # the same as the edits written out
    direct = appraise(
        load_proposal(
            YOUTH_WORK,
            {"outcomes.first_time_entrants.effect": 0.08, "prevention_costs.detached_team.amount": 190000},
        )
    )
    assert pess.npv == direct.npv
    assert appraise(load_proposal(YOUTH_WORK, scenario="central")).npv == base.npv
    # scenarios are choices, not values in use: the file's hash is what it was without them
    assert load_proposal(YOUTH_WORK).inputs_sha256 == base.scenario.inputs_sha256
    assert sc.inputs_sha256 != base.scenario.inputs_sha256


def test_run_scenario_flag_and_unknown_names():
    code, out, _ = _cli("run", str(YOUTH_WORK), "--scenario", "optimistic", "--format", "json")
    assert code == 0
    optimistic = appraise(load_proposal(YOUTH_WORK, scenario="optimistic"))
    assert json.loads(out)["totals"]["npv"] == pytest.approx(optimistic.npv, abs=0.01)
    code, out, err = _cli("run", str(YOUTH_WORK), "--scenario", "pesimistic")
    assert code == 1 and out == "" and err.count("\n") == 1
    assert err.startswith("--scenario 'pesimistic' is not a scenario") and "did you mean 'pessimistic'" in err
    with pytest.raises(UsageError, match="its scenarios: none"):
        load_proposal(ROOT / "assumptions" / "proposals" / "early_help_pooled.yaml", scenario="central")


def test_a_scenario_naming_an_unknown_input_is_located_with_the_nearest_path(tmp_path):
    text = YOUTH_WORK.read_text(encoding="utf-8").replace(
        "      outcomes.first_time_entrants.effect:\n        value: 0.21",
        "      outcomes.first_time_entrant.effect:\n        value: 0.21",
    )
    path = tmp_path / "p.yaml"
    path.write_text(
        text.replace("../unit_costs.yaml", str(ROOT / "assumptions" / "unit_costs.yaml")), encoding="utf-8"
    )
    line = text.splitlines().index("      outcomes.first_time_entrant.effect:") + 1
    code, _, err = _cli("run", str(path))  # checked whether chosen or not
    assert code == 1 and err.count("\n") == 1
    assert re.match(
        rf".*p\.yaml:{line}:7: scenarios\.optimistic\.edits\.outcomes\.first_time_entrant\.effect: ", err
    )
    assert "did you mean 'outcomes.first_time_entrants.effect'" in err
    # an out-of-domain value, and an unknown source, are located too
    original = YOUTH_WORK.read_text(encoding="utf-8")
    bad = original.replace("value: 0.21", "value: 1.5")
    path.write_text(
        bad.replace("../unit_costs.yaml", str(ROOT / "assumptions" / "unit_costs.yaml")), encoding="utf-8"
    )
    code, _, err = _cli("validate", str(path))
    assert code == 1 and "scenarios.optimistic.edits.outcomes.first_time_entrants.effect: " in err
    assert "must be between -1 and 1" in err and err.count("\n") == 1
    nosrc = original.replace(
        "source: cypnow_2007_camden_detached\n        note: \"The range's bottom",
        "source: nowhere\n        note: \"The range's bottom",
    )
    path.write_text(
        nosrc.replace("../unit_costs.yaml", str(ROOT / "assumptions" / "unit_costs.yaml")), encoding="utf-8"
    )
    code, _, err = _cli("validate", str(path))
    assert code == 1 and "unknown source 'nowhere'" in err and "scenarios.optimistic" in err


def test_compare_across_scenarios_and_options_with_a_scenario():
    code, out, _ = _cli("compare", str(YOUTH_WORK), "--all-scenarios", "--format", "json")
    assert code == 0
    d = json.loads(out)
    assert [p.get("scenario") for p in d["proposals"]] == [None, "pessimistic", "central", "optimistic"]
    npvs = {p.get("scenario"): p["npv"] for p in d["proposals"]}
    assert npvs["pessimistic"] < npvs[None] == npvs["central"] < npvs["optimistic"]
    code, out, _ = _cli(
        "options", str(OPTIONS), "--scenario", "pessimistic", "--format", "json", "--draws", "0"
    )
    assert code == 0
    o = json.loads(out)
    # the scenario note is the last of the options' own notes; the report then adds its note on a BAU
    # that is a cut (this file's BAU closes the youth service: present/options_report._cut_notes)
    assert o["notes"][-1].startswith("BAU is a cut (BAU: close the youth service)")
    assert o["scenario"] == "pessimistic" and "applied to youth_work" in o["notes"][-2]
    assert "of the options file edits early_help" in o["notes"][-2]
    a = next(e for e in o["entries"] if e["id"] == "detached")["incremental"]
    pess = appraise(load_proposal(YOUTH_WORK, scenario="pessimistic"))
    assert a["npv"] == pytest.approx(pess.npv, abs=0.01)  # option A against BAU = youth work's own figures
    # the options file's own scenario: early help's effect on entries to care at the range's low end
    b = next(e for e in o["entries"] if e["id"] == "early_help")["incremental"]
    early = ROOT / "assumptions" / "proposals" / "early_help_pooled.yaml"
    edits = {"appraisal.first_year": 2027, "outcomes.children_entering_care.effect": 0.15}
    assert b["npv"] == pytest.approx(appraise(load_proposal(early, edits)).npv, abs=0.01)
    code, _, err = _cli("options", str(OPTIONS), "--scenario", "gloomy", "--draws", "0")
    assert code == 1 and err.startswith("--scenario 'gloomy' is not a scenario of any proposal")


def test_workbook_has_the_scenarios_side_by_side(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    out = tmp_path / "w.xlsx"
    assert _cli("export", str(YOUTH_WORK), "-o", str(out), "--all-scenarios")[0] == 0
    ws = openpyxl.load_workbook(out)["Scenarios"]
    rows = {r[0]: r[1:5] for r in ws.iter_rows(values_only=True) if r[0]}
    assert rows["Measure"] == ("This workbook's values", "pessimistic", "central", "optimistic")
    expected = [
        appraise(load_proposal(YOUTH_WORK, scenario=n)).npv for n in ("pessimistic", "central", "optimistic")
    ]
    assert list(rows["Net present value"][1:]) == pytest.approx(expected, abs=1e-6)


def test_an_options_scenario_naming_an_unknown_input_or_entry_is_located(tmp_path):
    text = OPTIONS.read_text(encoding="utf-8")
    folder = tmp_path / "options"
    folder.mkdir()
    bad = text.replace("outcomes.children_entering_care.effect:", "outcomes.children_entering_car.effect:")
    (folder / "o.yaml").write_text(
        bad.replace("../proposals/", str(ROOT / "assumptions" / "proposals") + "/")
    )
    line = bad.splitlines().index("        outcomes.children_entering_car.effect:") + 1
    code, _, err = _cli("options", str(folder / "o.yaml"), "--draws", "0")
    assert code == 1 and err.count("\n") == 1
    assert (
        f"o.yaml:{line}:9: scenarios.pessimistic.edits.early_help.outcomes.children_entering_car.effect: "
        in err
    )
    assert "did you mean 'outcomes.children_entering_care.effect'" in err
    bad = text.replace("      early_help:\n        outcomes", "      early_hlp:\n        outcomes")
    (folder / "o.yaml").write_text(
        bad.replace("../proposals/", str(ROOT / "assumptions" / "proposals") + "/")
    )
    code, _, err = _cli("options", str(folder / "o.yaml"), "--draws", "0")
    assert code == 1 and "scenarios.pessimistic.edits.early_hlp: 'early_hlp' is not an entry" in err
