"""Every kind of bad input gives one clear line (file, line, field, rule), exit status 1, no traceback,
and no partial output (issue 2, section 7)."""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

import pytest

from costmodel.cli import main

from .conftest import ASSUMPTIONS, YOUTH_WORK

GOOD = YOUTH_WORK.read_text()


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A copy of the shipped assumptions folder, so proposals resolve ../unit_costs.yaml."""
    dst = tmp_path / "assumptions"
    shutil.copytree(ASSUMPTIONS, dst)
    return dst


def run_cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(args), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def write(tree: Path, text: str | bytes, name: str = "bad.yaml") -> Path:
    path = tree / "proposals" / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return path


def replace_once(old: str, new: str, text: str = GOOD) -> str:
    assert text.count(old) >= 1, old
    return text.replace(old, new, 1)


LINE = re.compile(
    r"^(?P<file>[^:]+\.ya?ml):(?P<line>\d+)(?::(?P<col>\d+))?: (?:(?P<field>[\w.]+): )?(?P<msg>.+)$"
)


def assert_one_error(
    tree: Path, text: str | bytes, *, field: str | None, contains: str, line: int | None = None
) -> str:
    path = write(tree, text)
    for command in (["validate", str(path)], ["run", str(path), "--format", "json"]):
        code, out, err = run_cli(*command)
        assert code == 1, (command, err)
        assert out == "" or command[0] == "validate" and out == "", out
        assert "Traceback" not in err
        lines = err.strip().splitlines()
        assert len(lines) == 1, err
        m = LINE.match(lines[0])
        assert m, lines[0]
        assert m["file"].endswith(".yaml")
        if field is not None:
            assert m["field"] == field, lines[0]
        if line is not None:
            assert int(m["line"]) == line, lines[0]
        assert contains in m["msg"], lines[0]
    return lines[0]


def line_of(text: str, needle: str) -> int:
    return next(i for i, ln in enumerate(text.splitlines(), 1) if needle in ln)


def test_wrong_type(tree):
    text = replace_once("cohort: {value: 250,", "cohort: {value: lots,")
    assert_one_error(
        tree,
        text,
        field="outcomes.0.cohort.value",
        contains="valid number",
        line=line_of(text, "value: lots"),
    )


def test_missing_field(tree):
    text = replace_once("    effect: {value: 0.19,", "    effeXt: {value: 0.19,").replace(
        "    effeXt:", "    # effect removed\n    effeXt:", 1
    )
    # two problems expected here (missing + unknown), so check missing alone with a clean removal:
    lines = GOOD.splitlines(keepends=True)
    start = next(i for i, ln in enumerate(lines) if ln.startswith("    effect: {value: 0.19"))
    end = start + 1
    while not lines[end].lstrip().startswith(("unit_costs:", "note:")) or lines[end].startswith(
        "             note"
    ):
        end += 1
    text = "".join(lines[:start] + lines[end:])
    assert_one_error(tree, text, field="outcomes.1.effect", contains="required field is missing")


def test_unknown_key(tree):
    text = replace_once("    drop_off: {value: 0.0,", "    dropoff: {value: 0.0,")
    out = []
    path = write(tree, text)
    code, _, err = run_cli("validate", str(path))
    assert code == 1
    out = err.strip().splitlines()
    assert any("outcomes.0.dropoff: unknown key" in e for e in out)
    assert any("outcomes.0.drop_off: required field is missing" in e for e in out)
    assert all(LINE.match(e) for e in out)


@pytest.mark.parametrize(
    ("old", "new", "field", "contains"),
    [
        (
            "cohort: {value: 250,",
            "cohort: {value: -5,",
            "outcomes.0.cohort.value",
            "greater than or equal to 0",
        ),
        (
            "amount: {value: 20000,",
            "amount: {value: -20000,",
            "prevention_costs.1.amount.value",
            "greater than or equal to 0",
        ),
        (
            "displacement: {value: 0.05,",
            "displacement: {value: -0.1,",
            "outcomes.0.displacement.value",
            "between 0 and 1",
        ),
        (
            "displacement: {value: 0.05,",
            "displacement: {value: 250,",
            "outcomes.0.displacement.value",
            "between 0 and 1",
        ),
    ],
)
def test_negative_and_out_of_range(tree, old, new, field, contains):
    assert_one_error(tree, replace_once(old, new), field=field, contains=contains)


def test_percentage_written_as_35(tree):
    msg = assert_one_error(
        tree,
        replace_once(
            "attribution: {value: 0.1, unit: fraction, low: 0.0, high: 0.3,",
            "attribution: {value: 35, unit: fraction,",
        ),
        field="outcomes.0.attribution.value",
        contains="looks like a percentage",
    )
    assert "write 0.35 for 35%" in msg


def test_percent_string(tree):
    assert_one_error(
        tree,
        replace_once(
            "cashable_share: {value: 0.3, unit: fraction, low: 0.1, high: 0.5,",
            "cashable_share: {value: 30%, unit: fraction,",
        ),
        field="outcomes.0.cashable_share.value",
        contains="write 0.3 rather than '30%'",
    )


@pytest.mark.parametrize(
    ("old", "new", "field", "contains"),
    [
        (
            "paid_by: council_youth_service\n    kind: one_off",
            "paid_by: council_youth_servce\n    kind: one_off",
            "prevention_costs.1.paid_by",
            "unknown agency 'council_youth_servce'",
        ),
        (
            "- unit_cost: arrest_detained",
            "- unit_cost: arrest_detaind",
            "outcomes.0.unit_costs.0.unit_cost",
            "unknown unit cost 'arrest_detaind'",
        ),
        (
            "effect: {value: 0.19, unit: fraction, low: 0.1, high: 0.25, source: yef_toolkit_mentoring",
            "effect: {value: 0.19, unit: fraction, low: 0.1, high: 0.25, source: yef_toolkit",
            "outcomes.1.effect.source",
            "unknown source 'yef_toolkit'",
        ),
    ],
)
def test_unknown_references(tree, old, new, field, contains):
    assert_one_error(tree, replace_once(old, new), field=field, contains=contains)


def test_price_year_without_deflator(tree):
    assert_one_error(
        tree,
        replace_once("price_year: 2007,", "price_year: 1990,"),
        field="prevention_costs.0.amount.price_year",
        contains="no deflator value for price year 1990",
    )


@pytest.mark.parametrize("horizon", ["0", "500"])
def test_horizon_out_of_range(tree, horizon):
    assert_one_error(
        tree,
        replace_once("horizon_years: 10", f"horizon_years: {horizon}"),
        field="appraisal.horizon_years",
        contains="greater than or equal to 1" if horizon == "0" else "less than or equal to 100",
    )


def test_duplicate_keys(tree):
    text = replace_once("  horizon_years: 10\n", "  horizon_years: 10\n  horizon_years: 12\n")
    assert_one_error(
        tree, text, field=None, contains="duplicate key", line=line_of(text, "horizon_years: 12")
    )


def test_not_yaml(tree):
    assert_one_error(tree, "title: [unclosed\nkind: : :\n", field=None, contains="YAML syntax error")
    assert_one_error(tree, b"\x89PNG\r\n\x1a\n\x00\x00binary", field=None, contains="not a YAML text file")
    assert_one_error(tree, "- just\n- a list\n", field=None, contains="expected a YAML mapping")


def test_empty_file(tree):
    assert_one_error(tree, "", field=None, contains="file is empty")
    assert_one_error(tree, "# only a comment\n\n", field=None, contains="file is empty")


def test_fifty_megabyte_file(tree):
    big = "# " + "x" * (50 * 1024 * 1024) + "\n"
    assert_one_error(tree, big, field=None, contains="larger than the 2 MB limit")


def test_alias_bomb(tree):
    bomb = (
        "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
        + "".join(
            f"{k}: &{k} [{', '.join(['*' + p] * 9)}]\n" for p, k in zip("cdefgh", "defghi", strict=True)
        )
    )
    assert_one_error(tree, bomb, field=None, contains="anchors and aliases", line=1)


def test_python_tags(tree):
    assert_one_error(
        tree,
        "title: !!python/object/apply:os.system ['echo pwned']\n",
        field=None,
        contains="YAML tags are not allowed",
        line=1,
    )


@pytest.mark.parametrize("bad", [".nan", ".inf", "-.inf"])
def test_nan_and_infinity(tree, bad):
    assert_one_error(
        tree,
        replace_once("cohort: {value: 250,", f"cohort: {{value: {bad},"),
        field="outcomes.0.cohort.value",
        contains="finite number",
    )


def test_norway_problem_stays_a_string(tree):
    # YAML 1.2: NO is the string "NO", so it fails as a kind, not silently as False
    assert_one_error(tree, replace_once("kind: new_spending", "kind: NO"), field="kind", contains="'NO'")


def test_missing_file_and_folder(tree):
    code, out, err = run_cli("run", str(tree / "nope.yaml"))
    assert code == 1 and err.strip().endswith("file not found") and out == ""
    code, out, err = run_cli("run", str(tree))
    assert code == 1 and "is a folder" in err


def test_all_problems_reported_at_once(tree):
    text = replace_once("cohort: {value: 250,", "cohort: {value: -1,")
    text = replace_once("horizon_years: 10", "horizon_years: 0", text)
    code, _, err = run_cli("validate", str(write(tree, text)))
    assert code == 1 and len(err.strip().splitlines()) == 2


def test_validate_many_files_exit_status(tree):
    bad = write(tree, "")
    code, out, err = run_cli("validate", str(tree / "proposals" / "youth_work.yaml"), str(bad))
    assert code == 1 and "youth_work.yaml: ok" in out and "file is empty" in err


def test_bad_override_is_one_line():
    code, out, err = run_cli("run", str(YOUTH_WORK), "--discount", "3.5")
    assert (
        code == 1
        and out == ""
        and err.strip() == "--discount 3.5 looks like a percentage: write 0.035 for 3.5%"
    )
    code, out, err = run_cli("run", str(YOUTH_WORK), "--horizon", "500")
    assert code == 1 and "--horizon must be between 1 and 100" in err
    code, out, err = run_cli("run", str(YOUTH_WORK), "--discount", "no_such_schedule")
    assert code == 1 and "unknown discount schedule 'no_such_schedule'" in err


def test_unwritable_output_leaves_nothing(tmp_path):
    target = tmp_path / "missing-folder" / "out.json"
    code, out, err = run_cli("run", str(YOUTH_WORK), "--format", "json", "-o", str(target))
    assert code == 1 and "cannot write" in err and not target.exists()


# --- ids: given twice, or defined again after the unit-cost library; unknown bearers -------------

CLASHES = """agencies:
  - {id: police, name: Police again}
  - {id: extra, name: X}
  - {id: extra, name: Y}
unit_costs:
  - id: arrest_detained
    label: L
    per: arrest
    unit: GBP_per_unit
    price_year: 2006
    assumption: a test
    bearers: [{agency: police, value: 1}]
  - id: my_cost
    label: L
    per: thing
    unit: GBP_per_unit
    price_year: 2006
    assumption: a test
    bearers: [{agency: martians, value: 1}, {agency: police, value: 1}]
sources:
  - id: gmca_ucd_v1_4
    title: t
    publisher: p
    year: 2020
    url: https://example.org/report
    grade: B
"""


def test_id_clashes_with_the_library_and_unknown_bearers_all_reported(tree):
    path = write(tree, replace_once("sources:\n", CLASHES))
    code, _, err = run_cli("validate", str(path))
    assert code == 1
    found = {(m["field"], m["msg"]) for m in (LINE.match(x) for x in err.splitlines()) if m}
    assert found == {
        ("agencies.0.id", "agency 'police' is already defined in the unit-cost library"),
        ("agencies.2.id", "duplicate agency id 'extra' (first defined as item 1)"),
        ("unit_costs.0.id", "unit cost 'arrest_detained' is already defined in the unit-cost library"),
        ("unit_costs.1.bearers.0.agency", "unknown agency 'martians': define it under 'agencies'"),
        ("sources.0.id", "source 'gmca_ucd_v1_4' is already defined in the unit-cost library"),
    }
    assert len(err.splitlines()) == len(found)


def test_library_duplicate_ids_and_unknown_bearers(tree):
    lib = tree / "unit_costs.yaml"
    text = lib.read_text()
    text = replace_once("  - id: police\n    name: Police\n", "  - id: police\n    name: Police\n" * 2, text)
    lib.write_text(replace_once("{agency: police, value: 342}", "{agency: nobody, value: 342}", text))
    code, _, err = run_cli("validate", str(lib))
    assert code == 1
    found = {(m["field"], m["msg"]) for m in (LINE.match(x) for x in err.splitlines()) if m}
    assert found == {
        ("agencies.5.id", "duplicate agency id 'police' (first defined as item 4)"),
        ("unit_costs.0.bearers.0.agency", "unknown agency 'nobody': add it to 'agencies'"),
    }
