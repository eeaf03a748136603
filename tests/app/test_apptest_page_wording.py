"""The Ten Year Test page (AppTest): the briefing's one-sentence headline, quotable as it stands, and the main
table with its totals first."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from costmodel.appraisal.chain import appraise
from costmodel.export.brief import brief_content
from costmodel.formatting import money
from costmodel.inputs.loading import load_proposal
from tests.app.tabs import open_tab

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")


def start(stem: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["example"] = stem
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_the_headline_sentence_is_on_the_page_as_the_briefing_has_it():
    at = start("big_local_neighbourhood")
    sentence = brief_content(
        appraise(load_proposal(ROOT / "assumptions/proposals/big_local_neighbourhood.yaml"))
    ).headline
    assert (
        "Every £1 spent on Big Local-style neighbourhood investment" in sentence
    )  # a proper name keeps its capitals
    assert sentence in [t.value for t in at.main.text]


def test_the_main_table_puts_the_totals_first_and_pins_the_budget_holder():
    at = start("early_help_pooled")
    tab = open_tab(at, "Ten Year Test table")
    frame = tab.dataframe[0]
    order = list(frame.proto.column_order)
    assert order[:4] == ["Budget holder", "NPV", "PV firm-budget years", "PV years beyond"]
    assert order[4] == "2026-27"


def shown_text(at: AppTest) -> list[str]:
    texts = []
    for kind in ("markdown", "caption", "info", "warning", "success", "error", "text"):
        texts += [str(e.value) for e in getattr(at.main, kind)]
    texts += [f"{m.label} {m.value}" for m in at.main.metric]
    texts += [t.value.to_string() for t in at.main.table]
    return texts


def test_budget_holders_are_named_not_given_as_ids_on_any_tab():
    at = start("early_help_pooled")
    sc = load_proposal(ROOT / "assumptions/proposals/early_help_pooled.yaml")
    ids = [a.id for a in sc.agencies if "_" in a.id]  # e.g. council_childrens_services, other_cjs
    assert ids
    for label in ("Charts", "Pooling", "Ten Year Test table", "Conventions"):
        open_tab(at, label)
        for text in shown_text(at):
            assert not [i for i in ids if i in text], (label, text[:200])
    pooling = "\n".join(shown_text(open_tab(at, "Pooling") and at))
    assert (
        "The host, Council children's services, pays" in pooling
        or "the host, Council children's services, pays" in pooling
    )


def test_a_cut_is_shown_in_its_own_words():
    at = start("youth_service_cut")
    labels = {m.label: m.value for m in at.main.metric}
    assert "Money released (PV)" in labels and "Costs shunted (PV)" in labels
    assert "PV prevention costs" not in labels
    assert not labels["Money released (PV)"].startswith("−")
    # issue 12 §4: no benefit-cost ratio for a cut; the one ratio shown is defined in its label
    assert "Benefit-cost ratio" not in labels and "Net return per £1" not in labels
    assert labels["Costs shunted per £1 released"].endswith("(PV costs shunted ÷ PV money released)")
    assert "Closure costs (PV)" in labels
    # the cut's victim unit cost carries UCD CR8.0's social value (issue 12 §1), so the harm of the extra
    # crime is counted: the engine's social layer, lost (a cut's layers are negative)
    cut = appraise(load_proposal(ROOT / "assumptions/proposals/youth_service_cut.yaml"))
    assert cut.value_layers.social.pv_benefits < 0
    assert labels["Social value lost (PV)"] == money(-cut.value_layers.social.pv_benefits)


def test_a_pooled_proposal_says_where_each_budget_holder_ends_under_the_agreement():
    from costmodel.pooling.accounting import appraise_pool

    at = start("early_help_pooled")
    r = appraise(load_proposal(ROOT / "assumptions/proposals/early_help_pooled.yaml"))
    pr = appraise_pool(r)
    assert pr is not None and abs(pr.npv - r.npv) < 0.01  # the agreement moves money, the total stays
    note = next(i.value for i in at.main.info if str(i.value).startswith("Pooled:"))
    from costmodel.formatting import money

    for p in pr.positions:
        if abs(p.pv_net_after) > 0.005:
            assert f"{p.name} ({money(p.pv_net_after, signed=True)})" in note
    assert "before the agreement" in note
    plain = start("youth_work")
    assert not [i for i in plain.main.info if str(i.value).startswith("Pooled:")]
