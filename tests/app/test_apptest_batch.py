"""The Batch page ("Every area"): the shipped real table, the headline, the table, a bad upload."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
PAGE = str(ROOT / "app_pages" / "batch.py")


def test_batch_page_shows_every_area_of_the_shipped_table():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    at.switch_page("app_pages/batch.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Every area at once"
    heads = [h.value for h in at.subheader]
    assert any(h.startswith("In 0 of 4 areas the proposal passes the Ten Year Test") for h in heads), heads
    frame = at.dataframe[0].value
    assert list(frame["area_id"]) == ["buckinghamshire", "thames_valley", "south_east", "national"]
    assert at.query_params["areas"] == "youth_justice_fte_2024"
    assert at.query_params["bdraws"] == "1000"


def test_a_link_reopens_the_same_batch():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["areas"] = "youth_justice_fte_2024"
    at.query_params["bdraws"] = "200"
    at.query_params["bseed"] = "5"
    at.run()
    at.switch_page("app_pages/batch.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.number_input(key="batch_draws").value == 200
    assert at.number_input(key="batch_seed").value == 5
