"""Value layers (issue 12 §1): fiscal, economic and social value, the net present public value and the
benefit-cost ratio (public value).

The expectations are worked by hand below from the published discount rates (Green Book standard 3.5%,
health 1.5%), the WELLBY value (£13,000 in 2019 prices) and the HMT GDP deflator (2019-20 = 80.8738,
2024-25 = 100), never read back from the engine.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from costmodel.appraisal.chain import appraise
from costmodel.appraisal.engine import compile_scenario, evaluate, layer_present_values, measures
from costmodel.errors import AssumptionError
from costmodel.inputs.loading import load_proposal, scenario_from_parsed
from costmodel.inputs.yamlio import ParsedYaml
from tests.hand_worked import hand, write

PENNY = 0.005

THREE_LAYERS = {
    """    bearers:
      - {agency: police, value: 60}
      - {agency: nhs, value: 40}
""": """    bearers:
      - {agency: police, value: 60}
      - {agency: nhs, value: 40}
    economic:
      - {component: lost output, value: 30}
    social:
      - {component: physical and emotional harm, value: 50}
    wellbeing: {measure: WELLBY, per_unit: 0.01, source: test_source}
"""
}


def three_layer_case(tmp_path, replacements=None):
    return appraise(load_proposal(write(tmp_path, hand({**THREE_LAYERS, **(replacements or {})}))))


def test_three_layers_by_hand_to_the_penny(tmp_path):
    r = three_layer_case(tmp_path)
    # events avoided: 100 people x 0.1 x 0.5 = 5 gross a year of intake, x (1 - 0.2 deadweight) = 4 net;
    # one year's lag, two years' persistence with half dropping off: each intake gives 4 then 2.
    # Intakes in years 0-3: year 0: 0; year 1: 4; year 2: 4 + 2 = 6; year 3: 6.
    events = [0.0, 4.0, 6.0, 6.0]
    standard = [1.0, 1 / 1.035, 1 / 1.035**2, 1 / 1.035**3]
    health = [1.0, 1 / 1.015, 1 / 1.015**2, 1 / 1.015**3]
    pv_events_standard = 4 / 1.035 + 6 / 1.035**2 + 6 / 1.035**3
    pv_events_health = 4 / 1.015 + 6 / 1.015**2 + 6 / 1.015**3
    assert sum(e * d for e, d in zip(events, standard, strict=True)) == pytest.approx(pv_events_standard)
    assert sum(e * d for e, d in zip(events, health, strict=True)) == pytest.approx(pv_events_health)

    pv_costs = 1000 * (1 + 1 / 1.035 + 1 / 1.035**2 + 1 / 1.035**3)  # £1,000 a year, years 0-3
    fiscal = 100 * pv_events_standard  # £60 police + £40 NHS per incident
    economic = 30 * pv_events_standard
    wellby_in_base_prices = 13000 * 100 / 80.8738  # 2019-20 prices -> 2024-25 prices
    wellbeing = 0.01 * wellby_in_base_prices * pv_events_health  # discounted at the health rate only
    social = 50 * pv_events_standard + wellbeing

    L = r.value_layers
    assert abs(L.pv_public_costs - pv_costs) < PENNY
    assert abs(L.fiscal.pv_benefits - fiscal) < PENNY
    assert abs(L.economic.pv_benefits - economic) < PENNY
    assert abs(L.social.pv_benefits - social) < PENNY
    assert abs(L.pv_wellbeing - wellbeing) < PENNY
    assert abs(L.fiscal.npv - (fiscal - pv_costs)) < PENNY
    assert abs(L.fiscal.npv - r.npv) < PENNY  # the Ten Year Test stays fiscal
    assert L.economic.pv_costs == 0.0 and L.social.pv_costs == 0.0
    nppv = fiscal + economic + social - pv_costs
    assert abs(L.net_present_public_value - nppv) < PENNY
    assert L.benefit_cost_ratio == pytest.approx((fiscal + economic + social) / pv_costs, rel=1e-12)
    assert L.fiscal_return_on_investment == pytest.approx(fiscal / pv_costs, rel=1e-12)
    assert L.economic.per_pound == pytest.approx(economic / pv_costs, rel=1e-12)
    # the cashable part: half of the savings from year 2 (intake 0 + lag 1 + delay 1) on
    cash = 100 * 0.5 * (6 / 1.035**2 + 6 / 1.035**3)
    assert abs(L.pv_cashable - cash) < PENNY
    assert abs(L.pv_non_cashable - (fiscal - cash)) < PENNY
    # the verdict is unchanged by the wider value: fiscal NPV negative here
    assert r.passes == (fiscal - pv_costs >= 0)


def test_health_rate_applies_only_to_wellbeing_values(tmp_path):
    r = three_layer_case(tmp_path)
    layers = r.flows.layers
    assert layers is not None
    np.testing.assert_allclose(layers.health_factors, [1, 1 / 1.015, 1 / 1.015**2, 1 / 1.015**3], rtol=1e-15)
    np.testing.assert_allclose(r.flows.factors, [1, 1 / 1.035, 1 / 1.035**2, 1 / 1.035**3], rtol=1e-15)
    # the same £ of harm written as a money value instead of WELLBYs is discounted at the standard rate
    as_money = 0.01 * 13000 * 100 / 80.8738
    money = three_layer_case(
        tmp_path,
        {"    wellbeing: {measure: WELLBY, per_unit: 0.01, source: test_source}\n": ""},
    )
    pv_events_standard = 4 / 1.035 + 6 / 1.035**2 + 6 / 1.035**3
    pv_events_health = 4 / 1.015 + 6 / 1.015**2 + 6 / 1.015**3
    assert abs(money.value_layers.social.pv_benefits - 50 * pv_events_standard) < PENNY
    assert abs(r.value_layers.social.pv_benefits - money.value_layers.social.pv_benefits
               - as_money * pv_events_health) < PENNY
    # fiscal and economic layers do not move with the wellbeing value
    assert r.value_layers.fiscal == money.value_layers.fiscal
    assert r.value_layers.economic == money.value_layers.economic


def test_qaly_uses_its_own_green_book_value(tmp_path):
    r = three_layer_case(
        tmp_path,
        {"    wellbeing: {measure: WELLBY, per_unit: 0.01, source: test_source}\n":
         "    wellbeing: {measure: QALY, per_unit: 0.001, source: test_source}\n"},
    )
    # £70,000 per QALY, taken as 2022-23 prices (91.2996) -> 2024-25 prices (100)
    pv_events_health = 4 / 1.015 + 6 / 1.015**2 + 6 / 1.015**3
    assert abs(r.value_layers.pv_wellbeing - 0.001 * 70000 * 100 / 91.2996 * pv_events_health) < PENNY


def test_without_wider_values_the_layers_are_fiscal_only(tmp_path):
    r = appraise(load_proposal(write(tmp_path, hand())))
    L = r.value_layers
    assert r.flows.layers is None
    assert L.economic.pv_benefits == 0.0 and L.social.pv_benefits == 0.0
    assert L.net_present_public_value == pytest.approx(r.npv, abs=1e-9)
    assert not L.has_wider_value


def test_monte_carlo_path_gives_the_deterministic_layers(tmp_path):
    r = three_layer_case(tmp_path)
    s, p = compile_scenario(r.scenario)
    batched = type(p)(**{k: np.stack([np.asarray(v)] * 3) for k, v in vars(p).items()})
    m = measures(s, batched)
    np.testing.assert_allclose(m.pv_economic, r.value_layers.economic.pv_benefits, rtol=1e-12)
    np.testing.assert_allclose(m.pv_social, r.value_layers.social.pv_benefits, rtol=1e-12)
    np.testing.assert_allclose(m.net_present_public_value, r.value_layers.net_present_public_value, rtol=1e-12)
    full = evaluate(s, batched)
    assert full.layers is not None and full.layers.economic.shape == (3, 4)
    # the series (evaluate) and the early-reduced present values (measures) agree
    pv_economic, pv_social = layer_present_values(full.layers, full.factors)
    np.testing.assert_allclose(pv_economic, m.pv_economic, rtol=1e-12)
    np.testing.assert_allclose(pv_social, m.pv_social, rtol=1e-12)


def test_a_unit_cost_with_no_layer_at_all_is_refused(tmp_path):
    text = hand(
        {
            """    total: 100
    bearers:
      - {agency: police, value: 60}
      - {agency: nhs, value: 40}
""": "    bearers: []\n"
        }
    )
    with pytest.raises(AssumptionError) as e:
        load_proposal(write(tmp_path, text))
    assert "at least one bearer" in str(e.value)


def test_a_wellbeing_change_needs_provenance(tmp_path):
    text = hand(
        {
            "      - {agency: nhs, value: 40}\n":
            "      - {agency: nhs, value: 40}\n    wellbeing: {measure: WELLBY, per_unit: 0.01}\n"
        }
    )
    with pytest.raises(AssumptionError) as e:
        load_proposal(write(tmp_path, text))
    message = str(e.value)
    assert "wellbeing" in message and "source" in message
    assert ":" in message.splitlines()[0]  # located: file:line:col


# ---------------------------------------------------------------------------------------------
# Invariants (Hypothesis): zero effect gives zero value in every layer; the layers add up
# ---------------------------------------------------------------------------------------------

money = st.floats(min_value=0.0, max_value=1e5, allow_nan=False)


def _layered(effect, economic, social, wellbys, cohort, lag, horizon, kind="new_spending"):
    return {
        "schema_version": 1,
        "id": "h",
        "title": "h",
        "description": "h",
        "area": "h",
        "kind": kind,
        "appraisal": {"first_year": 2025, "horizon_years": horizon, "firm_budget_years": 1, "price_base_year": 2024},
        "unit_cost_library": None,
        "agencies": [{"id": "council", "name": "Council"}, {"id": "police", "name": "Police"}],
        "sources": [{"id": "s", "title": "s", "publisher": "s", "year": 2026, "url": "https://example.org/s", "grade": "A"}],
        "unit_costs": [
            {
                "id": "u",
                "label": "u",
                "per": "event",
                "unit": "GBP_per_unit",
                "price_year": 2015,
                "source": "s",
                "bearers": [{"agency": "police", "value": 100.0}],
                "economic": [{"component": "lost output", "value": economic}],
                "social": [{"component": "harm", "value": social}],
                "wellbeing": {"measure": "WELLBY", "per_unit": wellbys, "source": "s"},
            }
        ],
        "prevention_costs": [
            {"id": "c", "label": "c", "paid_by": "council", "kind": "recurring",
             "amount": {"value": 1000.0, "unit": "GBP_per_year", "price_year": 2024, "source": "s"}}
        ],
        "outcomes": [
            {
                "id": "o",
                "label": "o",
                "cohort": {"value": cohort, "unit": "people_per_year", "source": "s"},
                "baseline_rate": {"value": 0.2, "unit": "fraction", "source": "s"},
                "effect": {"value": effect, "unit": "fraction", "source": "s"},
                "unit_costs": [{"unit_cost": "u"}],
                "lag_years": {"value": lag, "unit": "years", "source": "s"},
                "persistence_years": {"value": 2, "unit": "years", "source": "s"},
                "drop_off": {"value": 0.1, "unit": "fraction", "source": "s"},
                "deadweight": {"value": 0.1, "unit": "fraction", "source": "s"},
                "displacement": {"value": 0.0, "unit": "fraction", "source": "s"},
                "attribution": {"value": 0.0, "unit": "fraction", "source": "s"},
                "optimism_bias": {"value": 0.0, "unit": "fraction", "source": "s"},
                "cashable_share": {"value": 0.5, "unit": "fraction", "source": "s"},
                "cashable_delay_years": {"value": 0, "unit": "years", "source": "s"},
            }
        ],
    }


def _appraise(data):
    text = json.dumps(data)
    return appraise(scenario_from_parsed(ParsedYaml("<generated>.yaml", text, json.loads(text), None)))


layer_inputs = dict(
    economic=money,
    social=money,
    wellbys=st.floats(min_value=0.0, max_value=2.0, allow_nan=False),
    cohort=st.floats(min_value=0.0, max_value=1e4, allow_nan=False),
    lag=st.integers(min_value=0, max_value=3),
    horizon=st.integers(min_value=1, max_value=40),
    kind=st.sampled_from(["new_spending", "cut"]),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(**layer_inputs)
def test_zero_effect_gives_zero_value_in_every_layer(economic, social, wellbys, cohort, lag, horizon, kind):
    r = _appraise(_layered(0.0, economic, social, wellbys, cohort, lag, horizon, kind))
    L = r.value_layers
    for layer in L.layers:
        assert layer.pv_benefits == 0.0
    assert L.pv_wellbeing == 0.0 and L.pv_cashable == 0.0


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(effect=st.floats(min_value=-1.0, max_value=1.0, allow_nan=False), **layer_inputs)
def test_layers_add_up_to_the_public_value(effect, economic, social, wellbys, cohort, lag, horizon, kind):
    r = _appraise(_layered(effect, economic, social, wellbys, cohort, lag, horizon, kind))
    L = r.value_layers
    scale = 1.0 + abs(L.pv_benefits) + abs(L.pv_public_costs)
    total = sum(layer.npv for layer in L.layers)
    assert abs(total - L.net_present_public_value) <= 1e-9 * scale
    assert abs(L.pv_benefits - L.pv_public_costs - L.net_present_public_value) <= 1e-9 * scale
    assert abs(L.fiscal.npv - r.npv) <= 1e-9 * scale  # the Ten Year Test's NPV is the fiscal layer's
    # the cashable part never exceeds the fiscal benefit it is part of, nor changes its sign
    assert abs(L.pv_cashable) <= abs(L.fiscal.pv_benefits) + 1e-9 * scale
    for v in (L.benefit_cost_ratio, *(layer.per_pound for layer in L.layers)):
        assert v is None or np.isfinite(v)


# ---------------------------------------------------------------------------------------------
# Surfaces: the "not counted" list, the unmonetised section, JSON keys, words
# ---------------------------------------------------------------------------------------------

UNMONETISED = {
    "prevention_costs:\n": """unmonetised:
  - impact: Trust between residents and the police
    direction: positive
    evidence: "Named by residents in the evaluation; no value found."
prevention_costs:
"""
}


def test_unmonetised_impacts_are_listed_in_every_output(tmp_path):
    import openpyxl

    from costmodel.export.brief import brief_content, brief_markdown
    from costmodel.export.excel import OUTPUTS, workbook_bytes
    from costmodel.present.report import render_csv, render_table, result_to_dict

    path = write(tmp_path, hand({**THREE_LAYERS, **UNMONETISED}))
    r = appraise(load_proposal(path))
    impact = "Trust between residents and the police"
    data = result_to_dict(r)
    assert data["unmonetised"] == [
        {"impact": impact, "direction": "positive", "evidence": "Named by residents in the evaluation; no value found."}
    ]
    assert data["not_counted"][0] == f"{impact} (would add value)."
    assert "Distributional weights (who gains, by income): not applied." in data["not_counted"]
    assert f"- {impact} (would add value)." in render_table(r)
    assert impact in render_csv(r).splitlines()[-1]
    assert impact in " ".join(brief_content(r).not_counted) and impact in brief_markdown(r)
    import io

    ws = openpyxl.load_workbook(io.BytesIO(workbook_bytes(r)))[OUTPUTS]
    assert any(c.value == f"{impact} (would add value)." for row in ws.iter_rows() for c in row)


def test_a_bad_unmonetised_direction_is_a_located_error(tmp_path):
    text = hand({"prevention_costs:\n": "unmonetised:\n  - {impact: x, direction: upwards, evidence: y}\nprevention_costs:\n"})
    path = write(tmp_path, text)
    with pytest.raises(AssumptionError) as e:
        load_proposal(path)
    lines = str(e.value).splitlines()
    assert len(lines) == 1
    line = next(ln for ln, t in enumerate(text.splitlines(), start=1) if "direction: upwards" in t)
    assert lines[0].startswith(f"{path}:{line}:")
    assert "unmonetised.0.direction" in lines[0]


def test_the_json_has_the_layers_under_their_keys(tmp_path):
    from costmodel.present.report import result_to_dict

    r = three_layer_case(tmp_path)
    data = result_to_dict(r)
    L = r.value_layers
    assert data["fiscal"]["npv"] == round(L.fiscal.npv, 2) or abs(data["fiscal"]["npv"] - L.fiscal.npv) < PENNY
    assert abs(data["economic"]["pv_benefits"] - L.economic.pv_benefits) < PENNY
    assert abs(data["social"]["pv_benefits"] - L.social.pv_benefits) < PENNY
    assert abs(data["social"]["pv_wellbeing"] - L.pv_wellbeing) < PENNY
    pv = data["public_value"]
    assert abs(pv["net_present_public_value"] - L.net_present_public_value) < PENNY
    assert pv["benefit_cost_ratio"] == pytest.approx(L.benefit_cost_ratio, rel=1e-9)
    assert data["fiscal"]["return_on_investment"] == pytest.approx(L.fiscal_return_on_investment, rel=1e-9)
    assert abs(data["fiscal"]["pv_non_cashable"] - L.pv_non_cashable) < PENNY
    assert len(data["economic"]["series"]) == 4 and len(data["social"]["series_wellbeing"]) == 4


def test_the_words_say_cash_and_freed_capacity(tmp_path):
    from costmodel.present.report import render_table

    r = three_layer_case(tmp_path)
    L = r.value_layers
    # by hand: cash £100 x 0.5 x (6/1.035^2 + 6/1.035^3) per PV costs; capacity the rest of the fiscal savings
    pv_costs = 1000 * (1 + 1 / 1.035 + 1 / 1.035**2 + 1 / 1.035**3)
    cash = 50 * (6 / 1.035**2 + 6 / 1.035**3) / pv_costs
    capacity = 100 * (4 / 1.035 + 6 / 1.035**2 + 6 / 1.035**3) / pv_costs - cash
    total = round(cash + capacity, 2)
    words = f"returns £{round(cash, 2):.2f} in cash and £{total - round(cash, 2):.2f} in freed capacity for every £1"
    assert words in r.verdict
    assert "saves the public purse" not in r.verdict.split(":")[1].split("in cash")[0]
    table = render_table(r)
    assert "Fiscal return on investment" in table and "Benefit-cost ratio (public value)" in table
    assert "Benefit-cost ratio  " not in table  # the fiscal ratio is never called a BCR
    assert "IRR (real)" in table
    assert "payback counts" in table and "cash break-even" in table
    assert f"frees capacity worth £{L.pv_non_cashable:,.0f}" in r.verdict


WIDER_LINES = {
    "outcomes:\n": """savings:
  - id: earnings
    label: Earnings gained by participants
    layer: economic
    kind: recurring
    amount: {value: 200, unit: GBP_per_year, price_year: 2024, source: test_source}
    start_year: 1
  - id: disruption
    label: Disruption to neighbours during building work
    layer: social
    kind: one_off
    amount: {value: -150, unit: GBP, price_year: 2024, source: test_source}
outcomes:
"""
}


def test_savings_lines_beyond_public_budgets_by_hand(tmp_path):
    import io

    import openpyxl

    from costmodel.export.excel import OUTPUTS, workbook_bytes

    plain = appraise(load_proposal(write(tmp_path, hand(), "plain.yaml")))
    r = appraise(load_proposal(write(tmp_path, hand(WIDER_LINES))))
    L = r.value_layers
    # £200 a year of earnings in years 1-3; £150 of disruption in year 0 (undiscounted); 3.5%
    economic = 200 * (1 / 1.035 + 1 / 1.035**2 + 1 / 1.035**3)
    assert abs(L.economic.pv_benefits - economic) < PENNY
    assert abs(L.social.pv_benefits - (-150)) < PENNY
    # the fiscal layer, the Ten Year Test and every budget holder are untouched
    assert r.npv == plain.npv and r.pv_cashable == plain.pv_cashable
    np.testing.assert_array_equal(r.flows.savings, plain.flows.savings)
    assert abs(L.net_present_public_value - (plain.npv + economic - 150)) < PENNY
    ws = openpyxl.load_workbook(io.BytesIO(workbook_bytes(r)), data_only=True)[OUTPUTS]
    rows = {row[0].value: row[4].value for row in ws.iter_rows() if isinstance(row[0].value, str)}
    assert abs(next(v for k, v in rows.items() if k.startswith("PV economic value")) - economic) < PENNY
    assert abs(next(v for k, v in rows.items() if k.startswith("PV social value")) - (-150)) < PENNY


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("    layer: economic\n    saved_by: police\n", "drop 'saved_by'"),
        ("    layer: fiscal\n", "needs 'saved_by'"),
    ],
)
def test_a_savings_line_names_a_budget_only_in_the_fiscal_layer(tmp_path, line, message):
    text = hand(
        {
            "outcomes:\n": "savings:\n  - id: x\n    label: x\n"
            + line
            + "    amount: {value: 1, unit: GBP_per_year, price_year: 2024, source: test_source}\noutcomes:\n"
        }
    )
    with pytest.raises(AssumptionError) as e:
        load_proposal(write(tmp_path, text))
    assert message in str(e.value) and "savings.0" in str(e.value)


def _three_areas(tmp_path):
    """The three-layer case in three areas of cohorts 100, 50 and 250, central values only."""
    from costmodel.inputs.areas import read_area_table
    from costmodel.uncertainty.areas import run_areas

    scenario = load_proposal(write(tmp_path, hand(THREE_LAYERS)))
    cohort = "outcomes.incidents.cohort"
    (tmp_path / "areas.csv").write_text(f"id,name,{cohort}\na,Area A,100\nb,Area B,50\nc,Area C,250\n", encoding="utf-8")
    (tmp_path / "areas.meta.yaml").write_text(
        "title: Test areas\ncoverage: invented figures for a test, not data\nsources: []\n"
        f"columns:\n  {cohort}: {{unit: people_per_year, assumption: a test value}}\n",
        encoding="utf-8",
    )
    return scenario, run_areas(scenario, read_area_table(tmp_path / "areas.csv", scenario), draws=0)


def _three_area_figures_by_hand() -> tuple[float, float, float]:
    """By hand, per 100 people of cohort: PV events at 3.5%, PV costs, and PV benefits of every layer
    (fiscal 100 + economic 30 + social 50 per event at 3.5%; 0.01 WELLBY per event at 1.5%, in 2019 prices
    moved by the deflator ratio 100 / 80.8738)."""
    pv_events_standard = 4 / 1.035 + 6 / 1.035**2 + 6 / 1.035**3
    pv_events_health = 4 / 1.015 + 6 / 1.015**2 + 6 / 1.015**3
    pv_costs = 1000 * (1 + 1 / 1.035 + 1 / 1.035**2 + 1 / 1.035**3)
    wellbeing = 0.01 * 13000 * 100 / 80.8738 * pv_events_health
    benefits_per_100 = (100 + 30 + 50) * pv_events_standard + wellbeing  # fiscal + economic + social
    return pv_events_standard, pv_costs, benefits_per_100


def test_batch_public_value_column_by_hand_in_every_area(tmp_path):
    """costmodel batch's net present public value per area (issue 15 with issue 12's layers): the
    three-layer case's benefits scale with the cohort, so an area with cohort c has fiscal, economic and
    social value c / 100 of the by-hand figures above, less the same costs. Every output carries it, and
    its total is the sum of the areas."""
    from costmodel.export.areas_export import parquet_bytes, workbook_bytes
    from costmodel.present.areas_report import area_rows, batch_csv, batch_dict, totals

    scenario, r = _three_areas(tmp_path)
    pv_events_standard, pv_costs, benefits_per_100 = _three_area_figures_by_hand()
    fiscal_per_100 = 100 * pv_events_standard
    for i, c in enumerate((100, 50, 250)):
        assert abs(r.public_value_npv[i] - (benefits_per_100 * c / 100 - pv_costs)) < PENNY
        assert abs(r.npv[i] - (fiscal_per_100 * c / 100 - pv_costs)) < PENNY  # the verdict stays fiscal
    rows = area_rows(r)
    assert [row["public_value_npv_gbp"] for row in rows] == [round(float(v), 2) for v in r.public_value_npv]
    assert totals(r)["public_value_npv_gbp"] == round(float(r.public_value_npv.sum()), 2)
    assert batch_dict(r, scenario)["areas"][2]["public_value_npv_gbp"] == rows[2]["public_value_npv_gbp"]
    header, *lines = batch_csv(r).splitlines()
    k = header.split(",").index("public_value_npv_gbp")
    assert [float(line.split(",")[k]) for line in lines[:3]] == [row["public_value_npv_gbp"] for row in rows]
    import io

    import openpyxl
    import pyarrow.parquet as pq

    frame = pq.read_table(io.BytesIO(parquet_bytes(r, scenario))).to_pandas()
    assert list(frame["public_value_npv_gbp"]) == [row["public_value_npv_gbp"] for row in rows]
    path = tmp_path / "b.xlsx"
    path.write_bytes(workbook_bytes(r, scenario))
    ws = openpyxl.load_workbook(path)["Areas"]
    col = [c.value for c in ws[3]].index("Net present public value (£): fiscal + economic + social") + 1
    assert [ws.cell(4 + i, col).value for i in range(3)] == [row["public_value_npv_gbp"] for row in rows]
    assert str(ws.cell(7, col).value).startswith("=SUM(")


def test_batch_briefing_adds_up_the_public_value_with_its_layer_named(tmp_path):
    """The set briefing ('if every area did this ...') gives the areas' net present public value beside the
    fiscal total, naming the layer, and a Public value column per area; figures worked by hand as in
    test_batch_public_value_column_by_hand_in_every_area (cohorts 100, 50 and 250)."""
    from costmodel.export.areas_export import brief_html, brief_markdown
    from costmodel.formatting import money

    scenario, r = _three_areas(tmp_path)
    pv_events_standard, pv_costs, benefits_per_100 = _three_area_figures_by_hand()
    fiscal_total = 100 * pv_events_standard * 400 / 100 - 3 * pv_costs
    public_value_total = benefits_per_100 * 400 / 100 - 3 * pv_costs
    assert not r.risk_adjusted  # the hand-worked file says appraisal.optimism_bias: off
    basis = "not risk-adjusted for optimism bias"
    md = brief_markdown(r, scenario)
    assert (
        f"the fiscal NPVs (whole public sector) of its 3 rows would add up to {money(fiscal_total)} over 4 years "
        f"(2024-25 prices, {basis};"
    ) in md
    assert (
        "Their net present public value (the public-value layer: fiscal + economic + social) would add up to "
        f"{money(public_value_total)}, {basis} too."
    ) in md
    assert "| Area | NPV (fiscal) | Verdict | P(pass) | Public value | Loses most |" in md
    area_c = benefits_per_100 * 250 / 100 - pv_costs
    assert f"| Area C | {money(100 * pv_events_standard * 2.5 - pv_costs)} | " in md
    assert f" | {money(area_c)} | " in md
    assert f"{money(public_value_total)}, {basis} too." in brief_html(r, scenario)
