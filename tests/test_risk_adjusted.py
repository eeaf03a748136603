"""The risk-adjusted central case (issue 12 §3): optimism bias applied by default, the unadjusted figures
beside it.

Expectations are computed by hand from the published Green Book capital table (HM Treasury,
Supplementary Green Book Guidance: Optimism Bias, 2003, Table 2: standard buildings capex upper bound
24%, non-standard buildings 51%) and the shipped grade table (a stated assumption: B 10%, U 25%,
assumption 40%), never pasted from the engine.
"""

from __future__ import annotations

import io
import json
import math
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from costmodel.appraisal.chain import appraise
from costmodel.appraisal.engine import compile_scenario, evaluate, summarise
from costmodel.appraisal.optimism import OptimismSettings
from costmodel.cli import main
from costmodel.inputs.loading import load_proposal, scenario_from_parsed
from costmodel.inputs.optimism_table import load_optimism_table
from costmodel.inputs.yamlio import ParsedYaml
from costmodel.uncertainty.sensitivity import optimism_effect

from .conftest import ROOT
from .test_properties import proposals

EXAMPLES = ROOT / "docs" / "examples"
PROPOSALS = ROOT / "assumptions" / "proposals"
ANNUITY_1_10 = sum(1 / 1.035**t for t in range(1, 11))  # Σ DF, years 1-10 at 3.5% = 8.316605
PENNY = 0.005


def _box15(kind: str = "one_off", optimism: str | None = None) -> str:
    """Green Book 2003 Box 15 (spend £1m in year 0, save £150,000 a year in years 1-10), with the cost
    line of ``kind`` and ``appraisal.optimism_bias`` left to its default (apply) unless given."""
    text = (EXAMPLES / "green_book_box15.yaml").read_text()
    text = "\n".join(ln for ln in text.splitlines() if not ln.strip().startswith("optimism_bias: off")) + "\n"
    if optimism is not None:
        text = text.replace("  price_base_year: 2026\n", f"  price_base_year: 2026\n  optimism_bias: {optimism}\n", 1)
    return text.replace("    kind: one_off\n", f"    kind: {kind}\n", 1)


def _cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(args), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


# --- hand-worked cases ------------------------------------------------------------------------------


def test_capital_line_goes_up_by_the_green_book_upper_bound():
    # the investment as a capital line (grade B source): the Green Book capital table's standard-buildings
    # capex upper bound, +24%, not the grade correction; the saving (grade B) down 10%
    r = appraise(load_proposal("box15.yaml", text=_box15("capital")))
    expected = 0.9 * 150_000 * ANNUITY_1_10 - 1.24 * 1_000_000
    assert r.risk_adjusted
    assert r.npv == pytest.approx(expected, abs=PENNY)
    # 0.9 x 150,000 x 8.316605 (the published annuity, 6 dp) - 1,240,000 = -117,258.33
    assert r.npv == pytest.approx(-117_258.33, abs=0.1)
    assert r.unadjusted is not None
    assert r.unadjusted.npv == pytest.approx(150_000 * ANNUITY_1_10 - 1_000_000, abs=PENNY)  # £247,491
    # the adjustment changes the answer, and the verdict says so with the unadjusted NPV
    assert r.unadjusted.passes and not r.passes
    assert "unadjusted, the net present value is £247k and the proposal passes" in r.verdict
    assert "so the adjustment changes the answer" in r.verdict
    capital = next(c for c in r.corrections if c.line == "prevention_costs.investment")
    assert (capital.basis, capital.category, capital.correction, capital.direction) == (
        "capital",
        "standard_buildings",
        0.24,
        "costs_up",
    )


def test_capital_category_and_mitigation_from_the_published_table():
    # non-standard buildings, upper bound 51%, half of it mitigated: 1,000,000 x (1 + 0.51 x (1 - 0.5))
    sc = load_proposal("box15.yaml", text=_box15("capital"))
    settings_ = OptimismSettings(load_optimism_table(), capital_category="non_standard_buildings", mitigation=0.5)
    r = appraise(sc, optimism=settings_)
    assert r.npv == pytest.approx(0.9 * 150_000 * ANNUITY_1_10 - 1.255 * 1_000_000, abs=PENNY)


def test_grade_corrections_on_a_one_off_line():
    # a one-off (not capital) line takes its grade's cost correction: B, +10%
    r = appraise(load_proposal("box15.yaml", text=_box15()))
    assert r.npv == pytest.approx(0.9 * 150_000 * ANNUITY_1_10 - 1.1 * 1_000_000, abs=PENNY)
    assert {c.line: c.direction for c in r.corrections} == {
        "prevention_costs.investment": "costs_up",
        "savings.annual_saving": "benefits_down",
    }


def test_the_uncertainty_optimism_effect_is_the_same_code():
    for path in sorted(PROPOSALS.glob("*.yaml")):
        sc = load_proposal(path)
        r = appraise(sc)
        eff = optimism_effect(sc)
        assert r.unadjusted is not None
        assert eff.npv_with == r.npv and eff.npv_without == r.unadjusted.npv
        assert eff.corrections == r.corrections


def test_a_cut_releases_less_and_adds_more_demand():
    # the youth service budget (grade B) releases 10% less; the demand it adds (every outcome's weakest
    # input is a stated assumption) is 40% more: the cut is made less favourable, never more
    r = appraise(load_proposal(PROPOSALS / "youth_service_cut.yaml"))
    u = r.unadjusted
    assert u is not None
    youth = r.structure.agency_ids.index("council_youth_service")
    # issue 12 §4: the youth service's budget line now also carries the cut's closure costs (exit packages
    # and building holding costs, both resting on stated assumptions: +40%, "costs up"), so the money
    # released is checked in the cut's own view and the closure costs beside it
    assert r.cut is not None and u.cut is not None
    np.testing.assert_allclose(r.cut.released[:, youth], 0.9 * u.cut.released[:, youth], rtol=1e-12)
    np.testing.assert_allclose(r.cut.closure[:, youth], 1.4 * u.cut.closure[:, youth], rtol=1e-12)
    np.testing.assert_allclose(
        r.flows.costs[:, youth], -0.9 * u.cut.released[:, youth] + 1.4 * u.cut.closure[:, youth], rtol=1e-12
    )
    np.testing.assert_allclose(r.flows.savings, 1.4 * u.flows.savings, rtol=1e-12)
    assert r.npv == pytest.approx(0.9 * u.cut.pv_released - 1.4 * u.cut.pv_closure + 1.4 * u.pv_savings, abs=PENNY)
    assert r.npv < u.npv
    directions = {c.direction for c in r.corrections}
    assert directions == {"released_down", "demand_up", "costs_up"}
    assert {c.line for c in r.corrections if c.direction == "costs_up"} == {
        "closure_costs.exit_packages",
        "closure_costs.building_holding",
    }


def test_early_help_flips_and_the_verdict_says_so():
    r = appraise(load_proposal(PROPOSALS / "early_help_pooled.yaml"))
    assert r.unadjusted is not None and r.unadjusted.passes and not r.passes
    assert r.verdict.startswith("Fails the Ten Year Test")
    assert "the proposal passes the Ten Year Test, so the adjustment changes the answer" in r.verdict


# --- the switch ----------------------------------------------------------------------------------------


def test_off_gives_the_unadjusted_figures_exactly():
    """``optimism_bias: off`` (or --unadjusted) gives the pure engine chain's figures bit for bit: the
    figures before this change, and the ``unadjusted`` beside a risk-adjusted result."""
    for path in sorted(PROPOSALS.glob("*.yaml")):
        sc = load_proposal(path)
        off = appraise(replace(sc, proposal=sc.proposal.model_copy(update={"appraisal": sc.proposal.appraisal.model_copy(update={"optimism_bias": "off"})})))
        s, p = compile_scenario(sc)
        plain = summarise(sc, s, p, evaluate(s, p))
        adjusted = appraise(sc)
        assert not off.risk_adjusted and off.unadjusted is None and off.corrections == ()
        for r in (off, adjusted.unadjusted):
            assert r is not None
            for name in ("npv", "pv_costs", "pv_savings", "pv_cashable", "npv_firm", "bcr", "pv_cash_net"):
                assert getattr(r, name) == getattr(plain, name), (path.stem, name)
            np.testing.assert_array_equal(r.flows.costs, plain.flows.costs)
            np.testing.assert_array_equal(r.flows.savings, plain.flows.savings)
            np.testing.assert_array_equal(r.pv_net_by_agency, plain.pv_net_by_agency)
        assert off.verdict == adjusted.unadjusted.verdict  # type: ignore[union-attr]


def test_cli_unadjusted_flag_and_json_keys():
    path = str(PROPOSALS / "early_help_pooled.yaml")
    code, out, _ = _cli("run", path, "--format", "json")
    assert code == 0
    d = json.loads(out)
    assert d["risk_adjustment"]["applied"] is True and d["risk_adjustment"]["changes_the_answer"] is True
    assert d["risk_adjustment"]["table_status"] == "assumption"
    assert "stated assumption" in d["risk_adjustment"]["note"]
    code, out, _ = _cli("run", path, "--format", "json", "--unadjusted")
    plain = json.loads(out)
    assert plain["unadjusted"] is None and plain["risk_adjustment"]["applied"] is False
    assert d["unadjusted"]["totals"]["npv"] == plain["totals"]["npv"]
    assert d["unadjusted"]["ten_year_test"]["passes"] is plain["ten_year_test"]["passes"] is True
    assert d["totals"]["npv"] < plain["totals"]["npv"]
    # the table and the CSV carry the unadjusted figures too
    _, table, _ = _cli("run", path)
    assert "  before optimism bias" in table
    _, csv_text, _ = _cli("run", path, "--format", "csv")
    assert "total,Total public sector,unadjusted_net," in csv_text


def test_simulate_refuses_contradictory_flags():
    code, _, err = _cli("simulate", str(PROPOSALS / "youth_work.yaml"), "--unadjusted", "--optimism-bias")
    assert code != 0 and "--unadjusted" in err and "Traceback" not in err


# --- invariants (Hypothesis) -----------------------------------------------------------------------


@st.composite
def graded_proposals(draw):
    """Random proposals (new spending or cuts) whose figures carry every grade, some stated assumptions,
    and plain savings lines of either sign (a negative one is a cost)."""
    data = draw(proposals())
    data["sources"][0]["grade"] = draw(st.sampled_from(["A", "B", "C", "U"]))
    data["sources"].append({**data["sources"][0], "id": "t", "grade": draw(st.sampled_from(["A", "B", "C", "U"]))})

    def regrade(q):
        choice = draw(st.sampled_from(["s", "t", "assumption"]))
        q.pop("source", None)
        if choice == "assumption":
            q["assumption"] = "generated"
        else:
            q["source"] = choice

    for line in data["prevention_costs"]:
        regrade(line["amount"])
    for o in data["outcomes"]:
        regrade(o["effect"])
    n = draw(st.integers(0, 2))
    horizon = data["appraisal"]["horizon_years"]
    data["savings"] = [
        {
            "id": f"s{i}",
            "label": "saving",
            "saved_by": draw(st.sampled_from(["council", "police", "courts", "nhs"])),
            "kind": "recurring",
            "amount": {
                "value": draw(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)),
                "unit": "GBP_per_year",
                "price_year": 2024,
                "source": draw(st.sampled_from(["s", "t"])),
            },
            "start_year": draw(st.integers(0, horizon - 1)),
        }
        for i in range(n)
    ]
    return data


def _run(data, optimism=True):
    parsed = ParsedYaml("<generated>.yaml", json.dumps(data), json.loads(json.dumps(data)), None)
    return appraise(scenario_from_parsed(parsed), optimism=optimism)


@settings(max_examples=150, deadline=None)
@given(graded_proposals())
def test_adjustment_never_makes_a_case_more_favourable(data):
    r = _run(data)
    u = r.unadjusted
    assert r.risk_adjusted and u is not None
    scale = max(1.0, abs(u.pv_costs), abs(u.pv_savings))
    assert r.npv <= u.npv + 1e-9 * scale
    assert r.passes <= u.passes  # a failing case never passes after adjustment
    # and with the largest corrections the Green Book table gives (equipment/development, +200% capex)
    big = OptimismSettings(load_optimism_table(), capital_category="equipment_development")
    rb = _run(data, big)
    assert rb.npv <= u.npv + 1e-9 * scale
    assert all(math.isfinite(x) for x in (r.npv, rb.npv))
    for c in r.corrections:  # every correction's factor moves its line the unfavourable way
        up = c.direction in ("costs_up", "demand_up")
        assert c.factor >= 1.0 if up else 0.0 <= c.factor <= 1.0


def test_inputs_sha256_names_the_basis():
    """The risk-adjusted figures rest on the optimism-bias table too, so it is hashed; ``off`` hashes the
    inputs exactly as before the switch existed (the figures are the same as before it)."""
    import hashlib

    sc = load_proposal(PROPOSALS / "youth_work.yaml")
    off = replace(
        sc,
        proposal=sc.proposal.model_copy(
            update={"appraisal": sc.proposal.appraisal.model_copy(update={"optimism_bias": "off"})}
        ),
    )
    assert sc.inputs_sha256 != off.inputs_sha256
    # off: the canonical payload has no optimism_bias key and no table (the pre-switch payload)
    proposal = off.proposal.model_dump(mode="json")
    assert proposal["appraisal"].pop("optimism_bias") == "off"
    assert len(off.inputs_sha256) == len(hashlib.sha256(b"").hexdigest())


def _grade_c_with_layers() -> str:
    """tests/cases/hand_worked.yaml risk-adjusted, every input grade C (the shipped grade table: costs up
    15%, benefits down 15%), its unit cost with £30 of economic and £50 of social value per incident."""
    from tests.hand_worked import hand

    return hand(
        {
            "  optimism_bias: off ": "  # optimism bias applied ",
            "grade: A}": "grade: C}",
            "      - {agency: nhs, value: 40}\n": "      - {agency: nhs, value: 40}\n"
            "    economic:\n      - {component: lost output, value: 30}\n"
            "    social:\n      - {component: physical and emotional harm, value: 50}\n",
        }
    )


def _grade_c_by_hand() -> tuple[float, dict[str, float], dict[str, float], float, float]:
    """PV costs before optimism bias, each layer's PV benefits before and after it, and the net present
    public value before and after it, for :func:`_grade_c_with_layers` [£]."""
    # events avoided (tests/test_value_layers.py): 0, 4, 6, 6 in years 0-3
    pv_events = 4 / 1.035 + 6 / 1.035**2 + 6 / 1.035**3
    pv_costs = 1000 * (1 + 1 / 1.035 + 1 / 1.035**2 + 1 / 1.035**3)
    before = {"fiscal": 100 * pv_events, "economic": 30 * pv_events, "social": 50 * pv_events}
    after = {k: 0.85 * v for k, v in before.items()}  # benefits down by grade C's 15%
    nppv_before = sum(before.values()) - pv_costs
    nppv_after = sum(after.values()) - 1.15 * pv_costs  # costs up by 15%
    return pv_costs, before, after, nppv_before, nppv_after


def test_every_layer_before_optimism_bias_by_hand(tmp_path):
    """The JSON ``unadjusted`` block, the table's 'before optimism bias' lines and the CSV's
    ``unadjusted_*`` rows carry every layer (fiscal, economic, social, public value), not the fiscal one
    only. Every input is grade C (the shipped grade table: costs up 15%, benefits down 15%)."""
    from costmodel.formatting import money
    from costmodel.present.report import render_csv, render_table, result_to_dict
    from tests.hand_worked import write

    r = appraise(load_proposal(write(tmp_path, _grade_c_with_layers())))
    pv_costs, before, after, nppv_before, nppv_after = _grade_c_by_hand()

    d = result_to_dict(r)
    u = d["unadjusted"]
    for layer in ("fiscal", "economic", "social"):
        assert abs(u[layer]["pv_benefits"] - before[layer]) < PENNY, layer
        assert abs(d[layer]["pv_benefits"] - after[layer]) < PENNY, layer
        assert set(u[layer]) == set(d[layer]), layer  # the same keys as the risk-adjusted block
    assert abs(u["fiscal"]["npv"] - (before["fiscal"] - pv_costs)) < PENNY
    assert abs(u["fiscal"]["pv_costs"] - pv_costs) < PENNY
    assert abs(u["public_value"]["net_present_public_value"] - nppv_before) < PENNY
    assert abs(d["public_value"]["net_present_public_value"] - nppv_after) < PENNY
    assert u["public_value"]["benefit_cost_ratio"] == pytest.approx(sum(before.values()) / pv_costs, rel=1e-9)

    table = render_table(r).splitlines()
    for label, value in (
        ("PV economic value", before["economic"]),
        ("PV social value", before["social"]),
        ("Net present public value", nppv_before),
    ):
        at = next(i for i, ln in enumerate(table) if ln.startswith(label))
        assert table[at + 1].split() == ["before", "optimism", "bias", money(value)], label

    rows = {ln.split(",")[2]: ln.split(",") for ln in render_csv(r).splitlines() if ln.startswith("public,")}
    for name, value in (
        ("unadjusted_economic_value", before["economic"]),
        ("unadjusted_social_value", before["social"]),
        ("unadjusted_net_public_value", nppv_before),
        ("economic_value", after["economic"]),
    ):
        assert abs(float(rows[name][-1]) - value) < PENNY, name
    # by year: year 1's 4 events at £30 economic value, before the correction
    assert float(rows["unadjusted_economic_value"][3 + 1]) == pytest.approx(4 * 30, abs=1e-9)

    # the workbook's Outputs sheet: the same figures before optimism bias beside the live risk-adjusted ones
    from costmodel.export.excel import OUTPUTS, _Builder, _evaluate

    b = _Builder(r)
    ev = _evaluate(b.build())
    for key, value in (
        ("unadjusted_npv", before["fiscal"] - pv_costs),
        ("unadjusted_pv_economic", before["economic"]),
        ("unadjusted_pv_social", before["social"]),
        ("unadjusted_npv_public_value", nppv_before),
        ("pv_economic", after["economic"]),  # the live formula, risk-adjusted
        ("npv_public_value", nppv_after),
    ):
        assert ev.value(OUTPUTS, b.headline[key], 4) == pytest.approx(value, abs=PENNY), key


def test_compare_json_carries_every_layer_before_optimism_bias_under_runs_keys(tmp_path):
    """``costmodel compare --format json`` gives each proposal the value layers and the ``unadjusted``
    object under the same keys as ``costmodel run --format json``, with the same figures (worked by hand)."""
    from costmodel.present.report import result_to_dict
    from tests.hand_worked import cli, write

    path = write(tmp_path, _grade_c_with_layers())
    pv_costs, before, after, nppv_before, nppv_after = _grade_c_by_hand()
    code, out, err = cli("compare", str(path), "--format", "json")
    assert code == 0, err
    [p] = json.loads(out)["proposals"]
    u = p["unadjusted"]
    for layer in ("fiscal", "economic", "social"):
        assert abs(u[layer]["pv_benefits"] - before[layer]) < PENNY, layer
        assert abs(p[layer]["pv_benefits"] - after[layer]) < PENNY, layer
    assert abs(u["fiscal"]["pv_costs"] - pv_costs) < PENNY
    assert abs(p["fiscal"]["pv_costs"] - 1.15 * pv_costs) < PENNY
    assert abs(u["public_value"]["net_present_public_value"] - nppv_before) < PENNY
    assert abs(p["public_value"]["net_present_public_value"] - nppv_after) < PENNY
    assert u["public_value"]["benefit_cost_ratio"] == pytest.approx(sum(before.values()) / pv_costs, rel=1e-9)
    # the flat keys compare always had stay, and agree
    assert p["npv_unadjusted"] == u["fiscal"]["npv"] == u["totals"]["npv"]
    assert abs(p["npv_unadjusted"] - (before["fiscal"] - pv_costs)) < PENNY
    # run's keys, block by block: a script reading run's JSON reads compare's the same way
    run = result_to_dict(appraise(load_proposal(path)))
    assert u == run["unadjusted"]
    for key in ("fiscal", "economic", "social", "public_value"):
        assert p[key] == run[key], key


def test_compare_json_unadjusted_is_null_when_nothing_is_adjusted():
    from tests.hand_worked import HAND, cli

    code, out, err = cli("compare", str(HAND), "--format", "json")  # optimism_bias: off
    assert code == 0, err
    [p] = json.loads(out)["proposals"]
    assert p["unadjusted"] is None and p["risk_adjusted"] is False
    assert p["npv_unadjusted"] == p["fiscal"]["npv"] == p["npv"]


def test_briefing_gives_the_net_present_public_value_before_optimism_bias_beside_it(tmp_path):
    """The one-page briefing's figures give the net present public value before optimism bias beside the
    risk-adjusted one, as its NPV row does; the ratio it shows is the risk-adjusted one only."""
    from costmodel.export.brief import brief_html, brief_markdown
    from costmodel.formatting import money, ratio
    from tests.hand_worked import write

    r = appraise(load_proposal(write(tmp_path, _grade_c_with_layers())))
    pv_costs, before, after, nppv_before, nppv_after = _grade_c_by_hand()
    bcr_after = sum(after.values()) / (1.15 * pv_costs)  # Green Book: PV benefits / PV public costs
    npv_before, npv_after = before["fiscal"] - pv_costs, after["fiscal"] - 1.15 * pv_costs
    rows = {
        ln.split(" | ")[0].lstrip("| "): ln.split(" | ")[1]
        for ln in brief_markdown(r).splitlines()
        if ln.startswith("| ") and " | " in ln
    }
    assert rows["Net present value"].startswith(
        f"{money(npv_after, signed=True)} ({money(npv_before, signed=True)} before optimism bias)"
    )
    wanted = f"{money(nppv_after, signed=True)} ({money(nppv_before, signed=True)} before optimism bias) · {ratio(bcr_after)}"
    assert rows["Public value: NPV · BCR"].startswith(wanted)
    assert wanted in brief_html(r, charts=False)
    # nothing adjusted (the file turns it off): no 'before optimism bias' anywhere in the figures
    off = appraise(load_proposal(write(tmp_path, _grade_c_with_layers().replace("  # optimism bias applied ", "  optimism_bias: off "), "off.yaml")))
    assert "before optimism bias" not in brief_markdown(off)
