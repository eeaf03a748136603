"""What the switching-value and tornado tables and the Sources page write (issue 14 item 10): no impossible
value in a reason, no scientific notation, one format per column, formulas and units in words."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from costmodel.appraisal.chain import appraise
from costmodel.inputs.loading import load_proposal
from costmodel.present.charts import tornado_data
from costmodel.present.input_values import readable_formula, unit_in_words, value_in_words
from costmodel.present.uncertainty_report import switching_table
from costmodel.present.uncertainty_tables import tornado_table
from costmodel.uncertainty.compile import compile_uncertainty
from costmodel.uncertainty.sensitivity import switching_values, tornado

ROOT = Path(__file__).resolve().parents[1]
PROPOSALS = sorted((ROOT / "assumptions" / "proposals").glob("*.yaml"))
PERCENT = re.compile(r"([−-]?[\d,]+(?:\.\d+)?)%")


@pytest.fixture(scope="module", params=PROPOSALS, ids=lambda p: p.stem)
def tables(request):
    r = appraise(load_proposal(request.param))
    c = compile_uncertainty(r.scenario)
    names = {a.id: a.name for a in r.scenario.agencies}
    return r, switching_table(switching_values(c), names), tornado_table(tornado(c, r))


def test_no_reason_quotes_an_impossible_value(tables):
    _, switching, _ = tables
    for reason in switching["Why none"]:
        assert "would take" not in reason
        for number in PERCENT.findall(reason):  # every percentage named is one the input can take
            assert -100 <= float(number.replace(",", "").replace("−", "-")) <= 100, reason
        edge = reason.split("even at")[-1]
        assert "%" in edge or not re.search(r"[−-]\d", edge), reason  # no negative cohort or amount
    for change in switching["Change from central"]:
        assert change == "" or change == "opposite sign" or re.fullmatch(r"[+−-]\d+%|×[\d,]+\.\d", change), (
            change
        )


def test_input_values_are_never_in_scientific_notation(tables):
    r, switching, tornado_frame = tables
    for column in ("Low", "Central", "High"):
        assert not tornado_frame[column].str.contains(r"\de[+-]", regex=True).any()
    for column in ("Central", "Switching value"):
        assert not switching[column].str.contains(r"\de[+-]", regex=True).any()
    data = tornado_data(r)
    for text in [*data["value_text"], *data["central_text"]]:  # the chart's tooltip says it in words
        assert text and not re.search(r"\de[+-]", text)


def test_the_tornado_writes_each_input_in_its_own_unit():
    r = appraise(load_proposal(ROOT / "assumptions" / "proposals" / "youth_service_cut.yaml"))
    t = tornado_table(tornado(compile_uncertainty(r.scenario), r)).set_index("Input")
    cohort = t.loc["Extra young offenders (10-17) after the youth clubs close: cohort"]
    assert (cohort["Low"], cohort["Central"], cohort["High"]) == ("9,250", "18,500", "18,500")
    effect = t.loc["Extra young offenders (10-17) after the youth clubs close: effect"]
    assert (effect["Low"], effect["Central"], effect["High"]) == ("7.0%", "14.0%", "21.0%")


def test_sources_page_words():
    assert value_in_words(0.0233, "fraction") == "2.3%"
    assert value_in_words(0.00014, "fraction") == "0.01%"
    assert value_in_words(1350000.0, "GBP_per_year") == "£1,350,000"
    assert unit_in_words("units_per_event") == "units per event"
    names = {"council_housing": "Council housing and neighbourhoods", "police": "Police"}
    assert (
        readable_formula("police = council_housing = £500 / 2 = £250", names)
        == "Police = Council housing and neighbourhoods = £500 / 2 = £250"
    )
    assert readable_formula("0.08 x 0.325 = 0.026") == "0.08 × 0.325 = 0.026"
