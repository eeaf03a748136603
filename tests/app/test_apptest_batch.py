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
    assert any(h.startswith("In 0 of 5 areas the proposal passes the Ten Year Test") for h in heads), heads
    frame = at.dataframe[0].value
    assert list(frame["area_id"]) == ["buckinghamshire", "thames_valley", "south_east", "national", "bath_and_north_east_somerset"]
    assert at.query_params["areas"] == "youth_justice_fte_2024"
    assert at.query_params["bdraws"] == "1000"
    # no stray text: module-level strings would be drawn by Streamlit's magic
    assert all("draws per area the page runs" not in m.value for m in at.markdown)
    # 2026-27 prices since issue 11 (was −£7.11m in 2024-25 prices, Dec 2025 deflator splice); −£7.38m
    # for the first four areas, −£9.23m since Bath and North East Somerset's row (−£1.85m) was added;
    # −£12.57m since the central case is risk-adjusted for optimism bias by default (RISK-CORE, issue 12 §3);
    # −£12.56m since youth_work counts one victim's NHS treatment per crime avoided (issue 12 §1, layers)
    assert any("−£12.56m" in m.value for m in at.markdown)
    # the net present public value beside the fiscal NPV (issue 12's layers): youth_work's victim unit cost
    # carries economic and social value (UCD CR8.0), so every area's public value is above its NPV
    assert (frame["public_value_npv_gbp"] > frame["npv_gbp"]).all()
    assert any("net present public value (fiscal + economic + social): **−£12.26m**" in m.value for m in at.markdown)
    # what the figures are (issue 15 after the risk-adjusted default): the subheader and a caption say so
    assert any(h.endswith("central case, risk-adjusted for optimism bias).") for h in heads), heads
    assert any("Every figure is risk-adjusted for optimism bias" in c.value for c in at.caption)
    assert any("Total of the areas' fiscal NPVs: **−£12.56m**" in m.value for m in at.markdown)


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


def test_a_link_to_an_uploaded_table_reopens_it_from_the_store():
    from app_pages.scenario_store import StoredScenario, default_store

    table = (ROOT / "assumptions" / "areas" / "youth_justice_fte_2024.csv").read_text(encoding="utf-8")
    meta = (ROOT / "assumptions" / "areas" / "youth_justice_fte_2024.meta.yaml").read_text(encoding="utf-8")
    two_rows = "\n".join(table.splitlines()[:3]) + "\n"  # the header and the first two areas
    key = default_store().put(StoredScenario("mine.csv", "area_table", two_rows, {"metadata": meta}))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["at"] = key
    at.run()
    at.switch_page("app_pages/batch.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert any(h.value.startswith("In 0 of 2 areas") for h in at.subheader)
    assert list(at.dataframe[0].value["area_id"]) == ["buckinghamshire", "thames_valley"]


def test_a_table_that_does_not_fit_the_proposal_shows_its_located_problems():
    # the youth-work table uploaded (reopened from a link) for early help: its columns are not early
    # help's inputs (the shipped copy is no longer offered for early help: see the next test)
    from app_pages.scenario_store import StoredScenario, default_store

    table = (ROOT / "assumptions" / "areas" / "youth_justice_fte_2024.csv").read_text(encoding="utf-8")
    meta = (ROOT / "assumptions" / "areas" / "youth_justice_fte_2024.meta.yaml").read_text(encoding="utf-8")
    key = default_store().put(StoredScenario("youth_justice_fte_2024.csv", "area_table", table, {"metadata": meta}))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["example"] = "early_help_pooled"
    at.query_params["at"] = key
    at.run()
    at.switch_page("app_pages/batch.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.error[0].value.startswith("The area table has problems")
    text = " ".join(m.value for m in at.markdown)
    assert (
        "youth\\_justice\\_fte\\_2024.csv\\:1\\:7" in text
        and "is an input path, but not one of this proposal" in text
    )


def test_without_a_table_for_the_proposal_the_page_says_why_and_offers_a_template():
    """Early help (pooled): the one shipped table sets youth-work inputs. The page does not run it into a
    wall of errors: it says why no shipped table is offered, names the example the table is written for,
    and offers a template of early help's own area inputs, which runs as a batch once uploaded."""
    from costmodel.inputs.areas import read_area_table
    from costmodel.inputs.loading import load_proposal

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["example"] = "early_help_pooled"
    at.run()
    at.switch_page("app_pages/batch.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error  # no wall of located problems for a table nobody chose
    assert at.selectbox(key="batch_table").options == ["Upload a table"]
    why = at.info[0].value
    assert why.startswith("No shipped area table sets the inputs of **Early-help family support")
    assert "`youth_justice_fte_2024` is written for *Targeted detached youth work" in why
    # what is wrong with it for early help, in words: its columns are another proposal's inputs (no
    # misleading "did you mean" a nearest early-help path)
    assert (
        "its columns set `outcomes.first_time_entrants.baseline_rate`, `outcomes.repeat_offending.baseline_rate`, "
        "which are not inputs of this proposal" in why
    )
    assert "did you mean" not in why
    assert "upload a table" in why
    [template] = [b for b in at.get("download_button") if b.label == "Area table template for this proposal (YAML)"]
    # the template reads back as a table of early help's inputs whose one row is the proposal's own
    # figures: 400 children a year with a 2.5% baseline rate of entering care (the file's central values)
    scenario = load_proposal(ROOT / "assumptions" / "proposals" / "early_help_pooled.yaml")
    from costmodel.inputs.areas import area_table_template

    table = read_area_table("early_help_pooled-areas.yaml", scenario, raw=area_table_template(scenario).encode())
    assert table.ids == ("proposal",)
    row = dict(zip(table.paths, table.values[0], strict=True))
    assert row["outcomes.children_entering_care.cohort"] == 400
    assert row["outcomes.children_entering_care.baseline_rate"] == 0.025
    assert all(cm.assumption for cm in table.metadata.columns.values())  # no source claimed for them


def test_a_link_to_a_table_of_another_proposal_says_so():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["example"] = "early_help_pooled"
    at.query_params["areas"] = "youth_justice_fte_2024"
    at.run()
    at.switch_page("app_pages/batch.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.selectbox(key="batch_table").value == "Upload a table"
    assert at.info[0].value.startswith("No shipped area table sets the inputs")
