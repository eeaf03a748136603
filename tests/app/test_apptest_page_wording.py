"""The Ten Year Test page (AppTest): the briefing's one-sentence headline, quotable as it stands, and the main
table with its totals first."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from costmodel.appraisal.chain import appraise
from costmodel.export.brief import brief_content
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
