"""The app given hostile uploads and edits (issue 10): never an exception, never a read outside the
allowed library, never markup from a file rendered, never an edit lost silently."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
EDIT = "app_pages/edit_assumptions.py"
YOUTH = (ROOT / "assumptions" / "proposals" / "youth_work.yaml").read_text()
LOCATED = re.compile(r"[\w.-]+\.yaml:\d+:\d+: ")


def start() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def npv(at: AppTest) -> str:
    return at.metric[0].value


def upload(at: AppTest, name: str, text: str | bytes) -> AppTest:
    data = text.encode("utf-8") if isinstance(text, str) else text
    at.selectbox(key="proposal_choice").set_value("upload").run()
    at.file_uploader(key="upload").set_value((name, data, "application/x-yaml")).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def all_text(at: AppTest) -> str:
    parts = [e.value for e in at.error] + [w.value for w in at.warning] + [m.value for m in at.markdown]
    parts += [c.value for c in at.caption] + [t.value for t in at.title]
    return "\n".join(str(p) for p in parts)


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "lib.fifo"
    os.mkfifo(path)
    return path


SECRET = "sk-live-SECRET-TOKEN-1234"


@pytest.mark.parametrize(
    "ref",
    ["/etc/passwd", "/proc/self/status", "../../../../etc/passwd", "{secret}", "{fifo}", "..", "/dev/zero"],
)
def test_uploaded_library_paths_outside_the_allowed_ones_are_refused(tmp_path, fifo, ref):
    secret = tmp_path / "secret.yaml"
    secret.write_text(f"schema_version: {SECRET}\n")
    ref = ref.format(secret=secret, fifo=fifo)
    at = start()
    before = npv(at)
    upload(
        at, "mine.yaml", YOUTH.replace("unit_cost_library: ../unit_costs.yaml", f"unit_cost_library: {ref}")
    )
    text = all_text(at)
    assert "only the shipped unit-cost library" in text
    assert SECRET not in text and "root:" not in text
    assert npv(at) == before


@pytest.mark.parametrize(
    "name, text, says",
    [
        ("deep.yaml", "a: " + "[" * 10_000 + "]" * 10_000 + "\n", "nested more than"),
        ("yaml11.yaml", "%YAML 1.1\n---\n" + YOUTH, "'%YAML 1.1' directive"),
        ("esc.yaml", YOUTH.replace("kind: new_spending", "kind: new\x1bspending"), "U+001B (ESC)"),
        (
            "look.yaml",
            YOUTH.replace("    deadweight: ", "    d\u0435adweight: ", 1),
            "did you mean 'deadweight'",
        ),
        ("range.yaml", YOUTH.replace("low: 150, high: 350", "low: 150, high: 1e308", 1), "like the value"),
        (
            "rate.yaml",
            YOUTH.replace("discount_schedule: green_book_standard", "discount_schedule: constant_3"),
            "write one constant rate as discount_rate",
        ),
    ],
)
def test_nasty_uploads_give_one_located_message_and_keep_the_app_usable(name, text, says):
    at = start()
    before = npv(at)
    upload(at, name, text)
    msgs = " ".join(e.value for e in at.error)
    assert says in msgs and LOCATED.search(msgs), msgs
    assert npv(at) == before
    for page in ("app_pages/ten_year_test.py", EDIT, "app_pages/sources.py"):
        at.switch_page(page).run()
        assert not at.exception, (page, [e.value for e in at.exception])


def test_markup_and_formulas_from_a_file_are_shown_as_text():
    hostile = YOUTH.replace(
        "title: Targeted detached youth work for young people at risk of offending",
        'title: "<script>alert(1)</script> ![x](http://evil.example/a.png) :red[alarm]"',
    ).replace(
        "area: An illustrative English unitary council (one ward cluster)",
        'area: "[click me](http://evil.example) =10*10+1"',
    )
    at = start()
    upload(at, "markup.yaml", hostile)
    assert not at.sidebar.error, [e.value for e in at.sidebar.error]  # accepted: the text is only text
    title = at.title[0].value
    caption = " ".join(c.value for c in at.caption)
    for shown in (title, caption):
        assert re.search(r"(?<!\\)[<>]", shown) is None, shown
        assert re.search(r"(?<!\\)\]\(", shown) is None and re.search(r"(?<!\\)!\[", shown) is None, shown
    assert ":red[" not in title
    for page in (EDIT, "app_pages/sources.py", "app_pages/compare.py"):
        at.switch_page(page).run()
        assert not at.exception, (page, [e.value for e in at.exception])


def editor_key(at: AppTest, group: int) -> str:
    """The data editor of ``group`` as drawn now (its key changes with each accepted edit)."""
    return f"ed-example:youth_work-{group}-{drafts(at).rev}"


def edit_cells(at: AppTest, group: int, rows: dict[int, dict[str, object]]) -> None:
    at.session_state[editor_key(at, group)] = {"edited_rows": rows, "added_rows": [], "deleted_rows": []}
    at.run()
    assert not at.exception, [e.value for e in at.exception]


def drafts(at: AppTest):
    return at.session_state["drafts"]["example:youth_work"]


def test_clearing_a_value_keeps_the_pending_edit_and_says_so():
    at = start()
    at.switch_page(EDIT).run()
    before = npv(at)
    edit_cells(at, 1, {2: {"Value": 20.0}})  # the effect, shown as a percentage: 20%, a valid edit
    valid = npv(at)
    assert valid != before
    edit_cells(at, 1, {0: {"Value": None}})  # clear the cohort's value
    d = drafts(at)
    assert d.edits["outcomes.first_time_entrants.effect.value"] == 0.2  # the earlier edit is not thrown away
    assert (
        "outcomes.first_time_entrants.cohort.value" in d.edits
        and d.edits["outcomes.first_time_entrants.cohort.value"] is None
    )
    assert any("the value is empty" in e.value for e in at.error)
    assert npv(at) == valid  # figures from the last valid edits
    assert any(
        "leaves out" in c.value and "outcomes.first_time_entrants.cohort.value" in c.value for c in at.caption
    )


def test_a_huge_range_typed_in_is_refused_beside_the_field_and_uncertainty_still_works():
    at = start()
    at.switch_page(EDIT).run()
    before = npv(at)
    edit_cells(at, 1, {0: {"High": 1e308}})
    assert any("like the value" in e.value for e in at.error)
    assert npv(at) == before
    assert (
        drafts(at).edits["outcomes.first_time_entrants.cohort.high"] == 1e308
    )  # the user's entry is kept, not reverted
    at.switch_page("app_pages/ten_year_test.py").run()
    assert not at.exception
    assert at.warning  # "your latest edit breaks a rule"
    assert "Uncertainty" in [t.label for t in at.tabs]


def test_download_says_what_it_leaves_out():
    at = start()
    at.switch_page(EDIT).run()
    edit_cells(at, 1, {2: {"Value": 20.0}})  # 20%: valid
    assert not any("leaves out" in c.value for c in at.caption)
    edit_cells(at, 1, {2: {"High": 5.0}})  # 5%, below the 20% value: an invalid high for the effect
    captions = " ".join(c.value for c in at.caption)
    assert "leaves out" in captions and "outcomes.first_time_entrants.effect.high" in captions


LIBRARY = (ROOT / "assumptions" / "unit_costs.yaml").read_text()


def upload_with_library(at: AppTest, name: str, text: str, lib_name: str, lib_text: str) -> AppTest:
    at.selectbox(key="proposal_choice").set_value("upload").run()
    at.file_uploader(key="upload_library").set_value(
        (lib_name, lib_text.encode(), "application/x-yaml")
    ).run()
    at.file_uploader(key="upload").set_value((name, text.encode(), "application/x-yaml")).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_a_library_uploaded_alongside_is_the_one_other_library_allowed():
    mine = LIBRARY.replace(
        "{agency: council_childrens_services, value: 29}",
        "{agency: council_childrens_services, value: 290}",
        1,
    )  # a library of one's own: YOT practitioner time at £290 an hour rather than £29
    assert mine != LIBRARY
    at = start()
    before = npv(at)
    proposal = YOUTH.replace("unit_cost_library: ../unit_costs.yaml", "unit_cost_library: my_costs.yaml")
    upload_with_library(at, "mine.yaml", proposal, "my costs.yaml", mine)
    assert not at.sidebar.error, [e.value for e in at.sidebar.error]
    assert npv(at) != before  # the uploaded library is used
    # a proposal naming some other file next to it, or out of the folder, is still refused
    for ref in ("../unit_costs.yaml", "../../../../etc/passwd", "/etc/passwd"):
        probe = YOUTH.replace("unit_cost_library: ../unit_costs.yaml", f"unit_cost_library: {ref}")
        upload_with_library(at, "probe.yaml", probe, "my costs.yaml", mine)
        assert "only the shipped unit-cost library" in " ".join(e.value for e in at.error), ref


def test_an_uploaded_library_is_checked_like_a_file():
    at = start()
    upload_with_library(at, "mine.yaml", YOUTH, "lib.yaml", YOUTH)  # a proposal is not a library
    assert "not a unit-cost library" in " ".join(e.value for e in at.error)
    upload_with_library(at, "mine.yaml", YOUTH, "lib.yaml", "a: &x 1\nb: *x\n")
    assert "anchors and aliases" in " ".join(e.value for e in at.error)


def test_tables_rendered_as_markdown_escape_names_from_the_file():
    # st.table renders its cells as Markdown: an agency's name from the file must stay text there too
    src = (ROOT / "assumptions" / "proposals" / "big_local_neighbourhood.yaml").read_text()
    hostile = src.replace(
        "name: Neighbourhood investment fund (the funder)", 'name: "![x](http://evil.example/a.png) fund"'
    )
    assert hostile != src
    at = start()
    upload(at, "names.yaml", hostile)
    assert not at.sidebar.error, [e.value for e in at.sidebar.error]
    cells = [str(v) for t in at.table for v in t.value.astype(str).to_numpy().ravel()]
    cells += [str(i) for t in at.table for i in t.value.index]
    named = [c for c in cells if "evil.example" in c]
    assert named, "the hostile name should appear in a chart's data table"
    assert all(re.search(r"(?<!\\)!\[|(?<!\\)\]\(", c) is None for c in named), named
