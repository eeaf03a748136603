"""Links that reopen a scenario: the SQLite store on its own (no Streamlit), then the app reading and
writing the address (AppTest)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from app_pages.scenario_store import ScenarioStore, StoredScenario, StoreError, data_dir, is_key

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
YOUTH = (ROOT / "assumptions" / "proposals" / "youth_work.yaml").read_text(encoding="utf-8")


def scenario(**edits) -> StoredScenario:
    return StoredScenario("assumptions/proposals/youth_work.yaml", "example", YOUTH, dict(edits), dict(edits))


def test_the_key_is_the_content_hash_and_a_put_is_idempotent(tmp_path):
    store = ScenarioStore(tmp_path / "s.sqlite3")
    a, b = scenario(), scenario(**{"appraisal.horizon_years": 12})
    ka, kb = store.put(a), store.put(b)
    assert is_key(ka) and is_key(kb) and ka != kb
    assert store.put(a) == ka  # same content, same key, stored once
    with sqlite3.connect(tmp_path / "s.sqlite3") as conn:
        assert conn.execute("SELECT COUNT(*) FROM scenarios").fetchone() == (2,)
    assert store.get(kb) == b
    # a fresh store object on the same file (a restarted server) reads the same scenario
    assert ScenarioStore(tmp_path / "s.sqlite3").get(kb) == b


def test_unknown_keys_and_a_missing_store_give_none(tmp_path):
    store = ScenarioStore(tmp_path / "absent" / "s.sqlite3")
    assert store.get("0" * 20) is None
    assert store.get("not a key; drop table") is None
    assert not (tmp_path / "absent").exists()  # reading never creates the store


def test_a_corrupt_store_is_a_one_line_error_naming_the_file(tmp_path):
    path = tmp_path / "s.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    store = ScenarioStore(path)
    for call in (lambda: store.get("0" * 20), lambda: store.put(scenario())):
        with pytest.raises(StoreError) as info:
            call()
        message = str(info.value)
        assert str(path) in message and "\n" not in message and "examples still work" in message


def test_a_tampered_record_is_refused(tmp_path):
    store = ScenarioStore(tmp_path / "s.sqlite3")
    key = store.put(scenario())
    with sqlite3.connect(tmp_path / "s.sqlite3") as conn:
        conn.execute("UPDATE scenarios SET record = replace(record, 'youth', 'yout') WHERE key = ?", (key,))
    with pytest.raises(StoreError, match="does not match its key"):
        store.get(key)


def test_the_data_folder_is_configurable(monkeypatch, tmp_path):
    monkeypatch.setenv("COSTMODEL_DATA_DIR", str(tmp_path))
    assert data_dir() == tmp_path
    monkeypatch.delenv("COSTMODEL_DATA_DIR")
    assert data_dir() == ROOT / "data"


# ---------------------------------------------------------------------------------------------
# The app
# ---------------------------------------------------------------------------------------------


def sidebar_sha(at: AppTest) -> str:
    return next(c.value for c in at.sidebar.caption if c.value.startswith("inputs_sha256"))


def test_an_example_link_names_the_example_and_reopens_it():
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.selectbox(key="proposal_choice").set_value("example:early_help_pooled").run()
    assert at.query_params["example"] == "early_help_pooled" and "s" not in at.query_params
    title, sha = at.title[0].value, sidebar_sha(at)

    again = AppTest.from_file(APP, default_timeout=60)
    again.query_params["example"] = "early_help_pooled"
    again.run()
    assert not again.exception
    assert (again.title[0].value, sidebar_sha(again)) == (title, sha)
    assert again.selectbox(key="proposal_choice").value == "example:early_help_pooled"


def test_an_edit_is_saved_and_its_link_reopens_it_with_the_same_figures():
    at = AppTest.from_file(APP, default_timeout=60)
    at.switch_page("app_pages/edit_assumptions.py").run()
    box = next(n for n in at.number_input if n.label == "Horizon (years)")
    box.set_value(15).run()
    assert not at.exception
    key = at.query_params["s"]
    assert is_key(key) and "example" not in at.query_params
    npv, sha = at.metric[0].value, sidebar_sha(at)

    fresh = AppTest.from_file(APP, default_timeout=60)  # another browser, same server (and store)
    fresh.query_params["s"] = key
    fresh.switch_page("app_pages/edit_assumptions.py").run()
    assert not fresh.exception
    assert (fresh.metric[0].value, sidebar_sha(fresh)) == (npv, sha)
    assert next(n for n in fresh.number_input if n.label == "Horizon (years)").value == 15


def test_a_link_to_a_scenario_not_in_the_store_says_so_and_shows_an_example():
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["s"] = "0123456789abcdef0123"
    at.run()
    assert not at.exception
    assert any("not in this app's store" in w.value for w in at.sidebar.warning)
    assert at.title[0].value  # an example is shown


def test_a_corrupt_store_is_said_in_the_sidebar_and_the_examples_still_work(tmp_path, monkeypatch):
    folder = tmp_path / "corrupt"
    folder.mkdir()
    (folder / "scenarios.sqlite3").write_bytes(b"garbage" * 1000)
    monkeypatch.setenv("COSTMODEL_DATA_DIR", str(folder))
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["s"] = "0123456789abcdef0123"
    at.run()
    assert not at.exception
    assert any("scenario store cannot be used" in w.value for w in at.sidebar.warning)
    at.selectbox(key="proposal_choice").set_value("example:youth_service_cut").run()
    assert not at.exception and at.title[0].value


def test_a_tab_link_uses_a_stable_id_and_links_with_the_old_label_still_open_it():
    for asked in ("uncertainty", "Uncertainty"):  # the id; the label, as links made before the ids carry it
        at = AppTest.from_file(APP, default_timeout=60)
        at.query_params["example"] = "youth_work"
        at.query_params["tab"] = asked
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        assert at.session_state["tab"] == "Uncertainty"
        assert at.query_params["tab"] == "uncertainty"  # the address now carries the id
        assert any(s.value == "Which assumptions matter most" for s in at.subheader)  # the open tab ran
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["tab"] = "no such tab"
    at.run()
    assert not at.exception and at.query_params["tab"] == "charts"  # the first tab


def test_an_uploaded_scenario_reopened_from_its_link_names_its_file():
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.selectbox(key="proposal_choice").set_value("upload").run()
    mine = YOUTH.replace("cohort: {value: 250,", "cohort: {value: 300,", 1).encode("utf-8")
    at.file_uploader(key="upload").set_value(("mine.yaml", mine, "application/x-yaml")).run()
    assert not at.exception
    key, npv = at.query_params["s"], at.metric[0].value

    fresh = AppTest.from_file(APP, default_timeout=60)
    fresh.query_params["s"] = key
    fresh.run()
    assert not fresh.exception
    assert fresh.selectbox(key="proposal_choice").value == "upload"
    assert fresh.metric[0].value == npv
    # the upload box is empty (a browser cannot be given the file back), so the sidebar says which file is in use
    assert any("mine.yaml" in i.value and "opened from a link" in i.value for i in fresh.sidebar.info)
    assert not any(c.value.startswith("Choose a file") for c in fresh.sidebar.caption)


def test_the_sidebar_lists_titles_not_file_names():
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    options = at.selectbox(key="proposal_choice").options
    assert "Example: Targeted detached youth work for young people at risk of offending" in options
    assert "Example: Early-help family support, pooled by the council, the police and the NHS" in options
    assert not any("_" in o for o in options)
    in_use = next(m.value for m in at.sidebar.markdown if m.value.startswith("**In use:**"))
    assert "Targeted detached youth work for young people at risk of offending" in in_use
    assert "youth_work.yaml" in in_use  # and the file it comes from
