"""Hardening (issue 10): each class of hostile or mistaken input is refused with one located line, never
a traceback, a hang, a file read outside the allowed places, a live formula, rendered markup, or a
silently wrong number. Several variants per class, not just the example in the issue."""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import signal
import stat
from pathlib import Path

import openpyxl
import pytest

from costmodel.errors import AssumptionError
from costmodel.inputs.loading import load_proposal, scenario_from_parsed
from costmodel.inputs.yamlio import MAX_DEPTH, parse_yaml, read_text
from costmodel.present import markup
from costmodel.present.csv_safety import frame_csv, neutralise

from .conftest import ASSUMPTIONS
from .test_bad_input import GOOD, line_of, replace_once, run_cli, write

LINE = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+):(?P<col>\d+): (?:(?P<field>[^ :]+): )?(?P<msg>\S.*)$")
"""One located problem: ``file:line:col: field: rule`` (the field is absent for whole-file problems)."""

LIBRARY = Path(__file__).resolve().parent.parent / "assumptions" / "unit_costs.yaml"


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A copy of the shipped assumptions folder, so proposals resolve ../unit_costs.yaml."""
    dst = tmp_path / "assumptions"
    shutil.copytree(ASSUMPTIONS, dst)
    return dst


def one_error(path: Path, *commands: str) -> str:
    """The single located error line ``validate`` (and ``run``) print for ``path``."""
    lines = []
    for command in commands or ("validate", "run"):
        code, out, err = run_cli(command, str(path))
        assert code == 1, (command, err)
        assert out == "", out
        assert "Traceback" not in err
        got = err.strip().splitlines()
        assert len(got) == 1, err
        assert LINE.match(got[0]), got[0]
        lines.append(got[0])
    return lines[0]


def with_library(tree: Path, ref: str) -> Path:
    return write(tree, replace_once("unit_cost_library: ../unit_costs.yaml", f"unit_cost_library: {ref}"))


# --- 1. The library path: no reading of arbitrary files, nothing quoted from them ------------------


SECRET = "sk-live-SECRET-TOKEN-1234"


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text(f"root:x:0:0:root:/root:/bin/bash\napi_key: {SECRET}\nschema_version: {SECRET}\n")
    return path


@pytest.mark.parametrize(
    "ref",
    ["{secret}", "/etc/passwd", "/proc/self/status", "../../../../../../etc/passwd", "~/.ssh/id_rsa"],
)
def test_app_refuses_any_library_but_the_allowed_ones(tree, secret_file, ref):
    text = replace_once(
        "unit_cost_library: ../unit_costs.yaml", f"unit_cost_library: {ref.format(secret=secret_file)}"
    )
    parsed = parse_yaml(text, "upload.yaml")
    with pytest.raises(AssumptionError) as exc:
        scenario_from_parsed(
            parsed, library_dir=str(tree / "proposals"), allowed_libraries=[str(tree / "unit_costs.yaml")]
        )
    (problem,) = exc.value.problems
    assert problem.field == "unit_cost_library"
    assert problem.line == line_of(text, "unit_cost_library:")
    assert "only the shipped unit-cost library" in problem.message
    assert SECRET not in str(exc.value) and "root:" not in str(exc.value)


def test_app_still_uses_the_shipped_library(tree):
    parsed = parse_yaml(GOOD, "upload.yaml")
    sc = scenario_from_parsed(
        parsed, library_dir=str(tree / "proposals"), allowed_libraries=[str(tree / "unit_costs.yaml")]
    )
    assert sc.library_path is not None and sc.library_path.endswith("unit_costs.yaml")


@pytest.mark.parametrize("content", ["plain", "mapping", "passwd"])
def test_cli_never_quotes_another_file(tree, secret_file, content):
    if content == "mapping":
        secret_file.write_text(f"schema_version: 1\ndescription: x\nunit_costs: [{{id: '{SECRET}'}}]\n")
    elif content == "passwd":
        secret_file.write_text(f"{SECRET}:x:0:0:root:/root:/bin/bash\n")
    path = with_library(tree, str(secret_file))
    code, out, err = run_cli("validate", str(path))
    assert code == 1 and out == ""
    assert SECRET not in err and "root:x" not in err
    for line in err.strip().splitlines():
        assert LINE.match(line), line


def test_quoted_values_are_cut_short(tree):
    long_value = "x" * 5000
    line = one_error(write(tree, replace_once("kind: new_spending", f"kind: {long_value}")))
    assert len(line) < 400 and "..." in line


# --- 4. Pipes and devices are never opened -------------------------------------------------------------


def test_fifo_library_is_refused_at_the_proposal_line(tree, tmp_path):
    fifo = tmp_path / "lib.fifo"
    os.mkfifo(fifo)
    path = with_library(tree, str(fifo))
    line = one_error(path)
    assert f":{line_of(path.read_text(), 'unit_cost_library')}:" in line
    assert "unit_cost_library: " in line and "not a regular file" in line


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/null", "/dev/urandom"])
def test_device_as_proposal_or_library(tree, device):
    if not os.path.exists(device):
        pytest.skip(f"no {device}")
    code, _, err = run_cli("validate", device)
    assert code == 1 and "not a regular file" in err
    line = one_error(with_library(tree, device))
    assert "not a regular file" in line


def test_fifo_as_proposal(tmp_path):
    fifo = tmp_path / "p.yaml"
    os.mkfifo(fifo)
    with pytest.raises(AssumptionError, match="not a regular file"):
        read_text(fifo)


# --- 11. A library path that names a proposal, a folder or nothing --------------------------------------


@pytest.mark.parametrize(
    "ref, says",
    [
        ("youth_service_cut.yaml", "which is a proposal"),
        ("youth_work.yaml", "which is a proposal"),
        ("..", "is a folder"),
        (".", "is a folder"),
        ("no_such_library.yaml", "not found"),
    ],
)
def test_library_path_problems_are_one_line_at_the_proposal(tree, ref, says):
    path = with_library(tree, ref)
    line = one_error(path)
    assert line.startswith(f"{path}:{line_of(path.read_text(), 'unit_cost_library')}:")
    assert "unit_cost_library: " in line and says in line


# --- 2. Spreadsheet formula injection ------------------------------------------------------------------

HOSTILE_TEXT = ["=1+1+cmd|' /C calc'!A0", "=10*10+1", "+SUM(1,2)", "-2+3", "@SUM(A1)", '=HYPERLINK("x")']


@pytest.mark.parametrize("hostile", HOSTILE_TEXT)
def test_export_writes_file_text_as_text(tree, tmp_path, hostile):
    quoted = hostile.replace("\\", "\\\\").replace('"', '\\"')
    text = replace_once(
        "area: An illustrative English unitary council (one ward cluster)", f'area: "{quoted}"'
    )
    text = replace_once("label: Set-up, recruitment, training and equipment", f'label: "{quoted}"', text)
    out = tmp_path / "w.xlsx"
    code, _, err = run_cli("export", str(write(tree, text)), "-o", str(out))
    assert code == 0, err
    wb = openpyxl.load_workbook(out)  # formulas as written
    cells = [c for ws in wb for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert any(c.value == hostile and c.data_type == "s" for c in cells)
    assert all(hostile not in c.value for c in cells if c.data_type == "f")
    values = openpyxl.load_workbook(out, data_only=True)
    assert 101 not in [c.value for ws in values for row in ws.iter_rows() for c in row]


def test_shipped_workbooks_keep_their_formulas():
    from costmodel.appraisal.chain import appraise
    from costmodel.export.excel import workbook_cells
    from costmodel.export.formula import Formula, Text

    from .conftest import PROPOSALS

    for path in PROPOSALS:
        cells = workbook_cells(appraise(load_proposal(path)))
        for sheet in cells.values():
            for value in sheet.values():
                # every '=' cell of a shipped file is a formula the builder made, none is text
                if isinstance(value, str) and value.startswith("="):
                    assert isinstance(value, Formula) and not isinstance(value, Text), value


@pytest.mark.parametrize(
    "cell, expected",
    [
        ("=1+1", "'=1+1"),
        ("+cmd", "'+cmd"),
        ("-cmd|x", "'-cmd|x"),
        ("@SUM(1)", "'@SUM(1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("-1250.5", "-1250.5"),
        ("-0.0", "-0.0"),
        ("+3", "+3"),
        ("-inf", "'-inf"),
        ("Police", "Police"),
        (12.5, 12.5),
    ],
)
def test_csv_cells_are_neutralised_but_numbers_stay_numbers(cell, expected):
    assert neutralise(cell) == expected


def test_run_and_compare_csv_neutralise_file_text(tree):
    text = (
        replace_once("name: Local authority youth services", 'name: "=HYPERLINK(""x"")"', GOOD)
        if ("name: Local authority youth services" in GOOD)
        else GOOD
    )
    text = replace_once(
        "title: Targeted detached youth work for young people at risk of offending", 'title: "=2+5"', text
    )
    path = write(tree, text)
    for argv in (["run", str(path), "--format", "csv"], ["compare", str(path), str(path), "--format", "csv"]):
        code, out, err = run_cli(*argv)
        assert code == 0, err
        for row in csv.reader(io.StringIO(out)):
            for cell in row:
                if cell[:1] in ("=", "+", "-", "@"):
                    float(cell)  # only numbers may start so


def test_app_csv_downloads_are_neutralised():
    import pandas as pd

    frame = pd.DataFrame({"=name": ["=1+1", "ok", "-5"], "value": [-1.0, 2.0, 3.0]})
    rows = list(csv.reader(io.StringIO(frame_csv(frame).decode("utf-8"))))
    assert rows[0] == ["'=name", "value"]
    assert rows[1] == ["'=1+1", "-1.0"]
    assert rows[3] == ["-5", "3.0"]


# --- 3. Markup from files ------------------------------------------------------------------------------

MARKUP = [
    "<script>alert(1)</script>",
    "![x](http://evil.example/p.png)",
    "[click](http://evil.example)",
    ":red[alarm]",
    "&lt;b&gt;",
    "$x^2$",
    "`code` **bold** _it_",
]


@pytest.mark.parametrize("text", MARKUP)
def test_markup_is_escaped(text):
    for out in (markup.literal(text), markup.inline(text)):
        # every character that could open HTML, a link, an image, an entity or a directive is escaped
        assert re.search(r"(?<!\\)[<>]", out) is None, out
        assert re.search(r"(?<!\\)\]\(", out) is None and re.search(r"(?<!\\)!\[", out) is None, out
        assert ":red[" not in out and re.search(r"(?<!\\)&lt;", out) is None, out
        assert re.search(r"(?<!\\)\$", out) is None, out
    lit = markup.literal(text)
    assert re.search(r"(?<!\\)[*_`\[\]]", lit) is None, lit
    assert "`" not in markup.code(text)[1:-1]
    assert "\n" not in markup.literal("a\n# heading")


def test_markdown_briefing_escapes_file_text(tree, tmp_path):
    text = replace_once(
        "title: Targeted detached youth work for young people at risk of offending",
        'title: "<script>alert(1)</script> ![x](http://evil.example/a.png)"',
    )
    text = replace_once(
        "area: An illustrative English unitary council (one ward cluster)",
        'area: "[click](http://e.example)"',
        text,
    )
    out = tmp_path / "b.md"
    code, _, err = run_cli("brief", str(write(tree, text)), "-o", str(out))
    assert code == 0, err
    body = out.read_text()
    assert "<script>" not in body and "![x](" not in body and "[click](" not in body


# --- 5. Ranges are bounded like their values; non-finite draws are located errors -------------------


@pytest.mark.parametrize(
    "old, new, field",
    [
        (
            "cohort: {value: 250, unit: people_per_year, low: 150, high: 350,",
            "cohort: {value: 250, unit: people_per_year, low: 150, high: 1e308,",
            "outcomes.0.cohort",
        ),
        (
            "cohort: {value: 250, unit: people_per_year, low: 150, high: 350,",
            "cohort: {value: 250, unit: people_per_year, low: -1e308, high: 350,",
            "outcomes.0.cohort",
        ),
        (
            "per_event: {value: 0.5, unit: units_per_event, low: 0.3, high: 0.7,",
            "per_event: {value: 0.5, unit: units_per_event, low: 0.3, high: 1e300,",
            "outcomes.0.unit_costs.1.per_event",
        ),
        (
            "per_event: {value: 40, unit: units_per_event, low: 20, high: 60,",
            "per_event: {value: 40, unit: units_per_event, low: 20, high: 2e6,",
            "outcomes.0.unit_costs.2.per_event",
        ),
    ],
)
def test_range_ends_obey_the_value_bounds(tree, old, new, field):
    line = one_error(write(tree, replace_once(old, new)), "validate", "run", "simulate")
    assert f": {field}.high:" in line or f": {field}.low:" in line or f": {field}:" in line
    assert "like the value" in line


@pytest.mark.parametrize("high", ["1e308", "1.0e13", "1e300"])
def test_money_range_bounded(tree, high):
    text = replace_once(
        "amount: {value: 20000, unit: GBP, price_year: 2024,",
        f"amount: {{value: 20000, unit: GBP, price_year: 2024, low: 0, high: {high},",
    )
    line = one_error(write(tree, text), "validate", "simulate")
    assert "like the value" in line and "prevention_costs.1.amount" in line


def test_overflowing_lognormal_draws_are_a_located_error(tree):
    # median 1e-141 between 1e-300 and 1e18 (a valid lognormal): draws overflow to infinity
    text = replace_once(
        "per_event: {value: 40, unit: units_per_event, low: 20, high: 60,",
        "per_event: {value: 1e-141, unit: units_per_event, low: 1e-300, high: 1e18, distribution: lognormal,",
    )
    text = text.replace("high: 1e18", "high: 1e6").replace("value: 1e-141", "value: 1e-147")
    path = write(tree, text)
    code, out, err = run_cli("simulate", str(path), "--draws", "20000")
    if code == 0:  # no draw overflowed with this seed: then no draw was clipped from infinity either
        assert "inf" not in out.lower() and "nan" not in out.lower()
    else:
        assert code == 1 and out == ""
        (line,) = err.strip().splitlines()
        assert LINE.match(line) and "outcomes.0.unit_costs.2.per_event" in line


def test_no_probability_of_passing_from_clipped_infinities(tree):
    import numpy as np

    from costmodel.inputs.distributions import sample

    rng = np.random.default_rng(1)
    out = sample(rng, 1000, [1e-300], [1e-147], [1e6], ["lognormal"], bounds_low=[0.0], bounds_high=[1e6])
    # an infinite draw is never clipped into range: it comes back as NaN for the caller to report
    assert not np.any(np.isinf(out))
    assert np.all((np.isnan(out)) | ((out >= 0) & (out <= 1e6)))


# --- 6. YAML 1.2 only ---------------------------------------------------------------------------------


@pytest.mark.parametrize("version", ["1.1", "1.0", "1.3"])
def test_yaml_directives_other_than_1_2_are_refused(tree, version):
    text = f"%YAML {version}\n---\n" + replace_once("cohort: {value: 250,", "cohort: {value: 0250,")
    line = one_error(write(tree, text))
    assert ":1:1: " in line or ":2:1: " in line
    assert f"%YAML {version}" in line and "YAML 1.2" in line


@pytest.mark.parametrize(
    "scalar, value",
    [
        ("0250", 250),
        ("012", 12),
        ("0o12", 10),
        ("0x1F", 31),
        ("no", "no"),
        ("on", "on"),
        ("Off", "Off"),
        ("y", "y"),
        ("1_000", 1000),
        ("1e3", 1000.0),
        ("~", None),
        ("2024-01-01", "2024-01-01"),
        ("1:20", "1:20"),
    ],
)
def test_yaml_1_2_core_schema(scalar, value):
    assert parse_yaml(f"a: {scalar}\n", "x.yaml").data["a"] == value
    got = parse_yaml(f"a: {scalar}\n", "x.yaml").data["a"]
    assert type(got) is type(value)


def test_yaml_1_2_directive_is_fine():
    assert parse_yaml("%YAML 1.2\n---\na: 012\n", "x.yaml").data == {"a": 12}


# --- 8. Deep nesting refused quickly, flow and block ---------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "a: " + "[" * 10_000 + "]" * 10_000 + "\n",
        "a: " + "{b: " * 5_000 + "1" + "}" * 5_000 + "\n",
        "a:\n" + "".join(" " * i + "- " + "\n" for i in range(1)) + "- " * 10_000 + "x\n",
        "a:\n"
        + "".join(" " * (i + 1) + f"k{i}:\n" for i in range(MAX_DEPTH + 5))
        + " " * (MAX_DEPTH + 7)
        + "x\n",
        "[" * 2_000,
    ],
    ids=["flow-lists", "flow-maps", "block-compact", "block-indent", "unclosed"],
)
def test_deep_nesting_is_refused(tree, text):
    line = one_error(write(tree, text))
    assert "nested more than" in line or "YAML syntax error" in line


def test_nesting_within_the_limit_is_fine():
    text = "a: " + "[" * (MAX_DEPTH - 2) + "1" + "]" * (MAX_DEPTH - 2) + "\n"
    assert parse_yaml(text, "x.yaml").data["a"]


# --- 10. The percentage hint only for numbers that read as percentages --------------------------------


@pytest.mark.parametrize(
    "high, hint",
    [
        ("1.0000001", False),
        ("1.5", True),
        ("35", True),
        ("100", True),
        ("100.5", False),
        ("1.001", False),
        ("250", False),
        ("12.25", True),
    ],
)
def test_percentage_hint_only_when_it_looks_like_one(tree, high, hint):
    text = replace_once(
        "effect: {value: 0.14, unit: fraction, low: 0.05, high: 0.21,",
        f"effect: {{value: 0.14, unit: fraction, low: 0.05, high: {high},",
    )
    line = one_error(write(tree, text), "validate")
    assert ("looks like a percentage" in line) == hint, line
    assert f"got {high}" in line or hint
    assert "1 looks like" not in line or high == "1"


# --- 12. Look-alike and invisible characters in keys ---------------------------------------------------


@pytest.mark.parametrize(
    "bad, foreign",
    [
        ("d\u0435adweight", "U+0435"),
        ("dead\u200bweight", "U+200B"),
        ("\u0430ttribution", "U+0430"),
        ("displacem\u0435nt", "U+0435"),
        ("dr\u043ep_off", "U+043E"),
    ],
)
def test_lookalike_keys_name_the_character_and_the_intended_key(tree, bad, foreign):
    intended = bad.replace("\u0435", "e").replace("\u200b", "").replace("\u0430", "a").replace("\u043e", "o")
    text = GOOD.replace(f"    {intended}: ", f"    {bad}: ", 1)
    assert text != GOOD
    line = one_error(write(tree, text), "validate")
    assert foreign in line and f"did you mean '{intended}'" in line
    assert "required field is missing" not in line


# --- 13. Control characters, tabs, and one line per message --------------------------------------------


@pytest.mark.parametrize("char", ["\x1b", "\x07", "\x7f", "\x85\x01", "\x0c", "\x9b"])
def test_control_characters_are_located(tree, char):
    text = replace_once("kind: new_spending", f"kind: new{char}spending")
    line = one_error(write(tree, text))
    assert f":{line_of(text, 'kind: new')}:10:" in line or f":{line_of(text, 'kind: new')}:" in line
    assert "control character U+" in line and "\x1b" not in line


def test_tab_after_a_colon_is_legal_yaml_1_2(tree):
    text = replace_once("  horizon_years: 10", "  horizon_years:\t10")
    code, out, err = run_cli("validate", str(write(tree, text)))
    assert code == 0, err


def test_tab_indentation_is_one_located_line(tree):
    text = replace_once("  horizon_years: 10", "\thorizon_years: 10")
    line = one_error(write(tree, text))
    assert "tabs are not allowed in YAML indentation" in line


# --- 14. A constant discount rate in a file -------------------------------------------------------------


def test_constant_rate_is_written_as_discount_rate(tree):
    text = replace_once("discount_schedule: green_book_standard", "discount_rate: 0.035")
    sc = load_proposal(write(tree, text))
    assert [b.rate for b in sc.schedule.bands] == [0.035]


@pytest.mark.parametrize(
    "value, says",
    [
        ("constant_3", "is not a schedule id: write one constant rate as discount_rate"),
        ("constant_0_035", "is not a schedule id: write one constant rate as discount_rate"),
        ("0.035", "is not a schedule id: write one constant rate as discount_rate"),
        ("3.5", "is not a schedule id"),
        ("'3.5%'", "is not a schedule id"),
        ("true", "valid string"),
        ("no_such", "unknown discount schedule"),
    ],
)
def test_bad_discount_schedules_are_located(tree, value, says):
    text = replace_once("discount_schedule: green_book_standard", f"discount_schedule: {value}")
    line = one_error(write(tree, text))
    assert "appraisal.discount_schedule" in line and says in line, line
    assert f":{line_of(text, 'discount_schedule:')}:" in line


@pytest.mark.parametrize(
    "value, says",
    [
        ("3.5", "looks like a percentage: write 0.035 for 3.5%"),
        ("0.75", "between 0 and 0.5"),
        ("-0.01", "between 0 and 0.5"),
        ("1.0000001", "between 0 and 0.5"),
        (".nan", "finite"),
        (".inf", "finite"),
        ("true", "number"),
        ("'3.5%'", "fractions"),
        ("green_book_standard", "number"),
    ],
)
def test_bad_constant_rates_are_located(tree, value, says):
    text = replace_once("discount_schedule: green_book_standard", f"discount_rate: {value}")
    line = one_error(write(tree, text))
    assert "appraisal.discount_rate" in line and says in line, line
    assert f":{line_of(text, 'discount_rate:')}:" in line
    assert "Traceback" not in line and "internal error" not in line


# --- 15. Output files -----------------------------------------------------------------------------------


def leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.startswith(".costmodel-")]


@pytest.mark.parametrize("command, name", [("export", "o.xlsx"), ("brief", "o.md"), ("run", "o.txt")])
@pytest.mark.parametrize("how", ["ctrl-c", "sigterm"])
def test_interrupted_writes_leave_nothing(tree, tmp_path, monkeypatch, command, name, how):
    import costmodel.cli as cli

    def interrupt(fd):
        if how == "ctrl-c":
            raise KeyboardInterrupt
        os.kill(os.getpid(), signal.SIGTERM)

    monkeypatch.setattr(cli.os, "fsync", interrupt)
    out = tmp_path / name
    code, _, err = run_cli(command, str(tree / "proposals" / "youth_work.yaml"), "-o", str(out))
    assert code == (130 if how == "ctrl-c" else 143), err
    assert not out.exists() and leftovers(tmp_path) == []
    assert signal.getsignal(signal.SIGTERM) is not cli._raise_terminated  # handler restored


def test_output_through_a_link_writes_the_linked_file(tree, tmp_path):
    real = tmp_path / "real.txt"
    real.write_text("old")
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    code, _, err = run_cli("run", str(tree / "proposals" / "youth_work.yaml"), "-o", str(link))
    assert code == 0, err
    assert link.is_symlink() and "Ten Year Test" in real.read_text() or real.read_text() != "old"


@pytest.mark.parametrize("target", ["/dev/null", "folder", "fifo", "dangling-to-folder"])
def test_output_onto_a_device_pipe_or_folder_is_refused(tree, tmp_path, target):
    if target == "folder":
        path = tmp_path / "f"
        path.mkdir()
    elif target == "fifo":
        path = tmp_path / "p"
        os.mkfifo(path)
    elif target == "dangling-to-folder":
        (tmp_path / "d").mkdir()
        path = tmp_path / "l"
        path.symlink_to(tmp_path / "d")
    else:
        path = tmp_path / "null-link"
        path.symlink_to("/dev/null")
    code, out, err = run_cli("run", str(tree / "proposals" / "youth_work.yaml"), "-o", str(path))
    assert code == 1 and "cannot write" in err, err
    assert leftovers(tmp_path) == []
    if target == "/dev/null":
        assert path.is_symlink() and stat.S_ISCHR(os.stat(path).st_mode)


@pytest.mark.parametrize("which", ["proposal", "library", "link-to-proposal"])
def test_no_command_overwrites_its_inputs(tree, tmp_path, which):
    proposal = tree / "proposals" / "youth_work.yaml"
    before = {p: p.read_bytes() for p in (proposal, tree / "unit_costs.yaml")}
    target = {"proposal": proposal, "library": tree / "unit_costs.yaml"}.get(which)
    if target is None:
        target = tmp_path / "link.yaml"
        target.symlink_to(proposal)
    for argv in (["run", str(proposal)], ["sensitivity", str(proposal)], ["compare", str(proposal)]):
        code, _, err = run_cli(*argv, "-o", str(target))
        assert code == 1 and "it is an input of this command" in err, (argv, err)
    assert {p: p.read_bytes() for p in before} == before


@pytest.mark.parametrize("high", ["1e308", "2e9"])
def test_responsibility_charge_range_bounded(tree, high):
    src = (tree / "proposals" / "school_exclusion_responsibility_charge.yaml").read_text()
    old = "per_event: {value: 7181, unit: GBP_per_event, price_year: 2005,"
    assert old in src
    text = src.replace(old, f"per_event: {{value: 7181, unit: GBP_per_event, price_year: 2005, low: 0, high: {high},")
    line = one_error(write(tree, text), "validate", "simulate")
    assert "responsibility_charges.0.per_event" in line and "like the value" in line
