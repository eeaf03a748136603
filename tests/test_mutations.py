"""Property: random mutations of the shipped proposals never get past costmodel in a bad way (issue 10).

Hypothesis mutates the shipped files (types, magnitudes from 1e-320 to 1e308, unknown and look-alike
keys, deleted keys, YAML oddities such as a ``%YAML 1.1`` directive, tabs, control characters, anchors,
tags, duplicate keys, deep nesting, truncation) and runs a command on the result, in process. Whatever
happens, the command either

* exits 0 with outputs in which every number is finite, or
* exits 1 with every line of standard error ``file:line:col: field: rule`` (the field is absent for a
  whole-file problem) and no output file left behind;

it never exits 2 (an internal error), never prints a traceback, and never hangs (a generous alarm
guards each case; it is a hang guard, not a clock).
"""

from __future__ import annotations

import io
import json
import math
import re
import shutil
import signal
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from costmodel.cli import main
from costmodel.inputs.yamlio import parse_yaml

from .conftest import ASSUMPTIONS, PROPOSALS

LOCATED = re.compile(r"^[^:\n]+:\d+:\d+: (?:[^ :]+: )?\S.*$")
NON_FINITE = re.compile(r"\b(nan|inf|infinity)\b", re.IGNORECASE)
HANG_GUARD_SECONDS = 300

SHIPPED = {p.name: parse_yaml(p.read_text(encoding="utf-8"), p.name).data for p in PROPOSALS}

NUMBERS = st.one_of(
    st.sampled_from(
        [
            0,
            -1,
            1,
            2,
            35,
            100,
            101,
            1.0000001,
            0.5000001,
            1e12,
            1e12 + 1,
            1e9 + 1,
            1e6 + 1,
            1e308,
            -1e308,
            1e-320,
            -1e-320,
            5e-324,
            1.7976931348623157e308,
            2.0,
            0.0,
            -0.0,
            2200,
            1899,
        ]
    ),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=False, allow_infinity=False),
)
TEXTS = st.sampled_from(
    [
        "",
        " ",
        "NO",
        "on",
        "=1+1",
        "+cmd|' /C calc'!A0",
        "@SUM(A1)",
        "<script>x</script>",
        "![x](http://e.x/a)",
        "x" * 5000,
        "35%",
        "0.5",
        "d\u0435adweight",
        "a\u200bb",
        "\u202e",
        "green_book_standard",
        "constant_3",
        "/etc/passwd",
        "..",
        "../unit_costs.yaml",
        "youth_work.yaml",
    ]
)
VALUES = st.one_of(
    NUMBERS,
    TEXTS,
    st.none(),
    st.booleans(),
    st.sampled_from(["[]", "{}", "[1, 2]", '{"value": 1}']).map(json.loads),
)  # containers made afresh each time: a mutation must not change the strategy's own objects
KEYS = st.sampled_from(
    [
        "horizon",
        "valeu",
        "d\u0435adweight",
        "dead\u200bweight",
        "low",
        "high",
        "distribution",
        "x" * 70,
        "1",
        "",
    ]
)


def nodes(data: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    yield path, data
    if isinstance(data, dict):
        for k, v in data.items():
            yield from nodes(v, (*path, k))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            yield from nodes(v, (*path, i))


def get(data: Any, path: tuple[Any, ...]) -> Any:
    for p in path:
        data = data[p]
    return data


def lookalike(key: str, which: int) -> str:
    swaps = {"e": "\u0435", "a": "\u0430", "o": "\u043e", "p": "\u0440", "c": "\u0441"}
    for i, ch in enumerate(key):
        if ch in swaps and which % 2 == 0:
            return key[:i] + swaps[ch] + key[i + 1 :]
    return key[: len(key) // 2] + "\u200b" + key[len(key) // 2 :]


@st.composite
def mutated(draw: st.DrawFn) -> str:
    name = draw(st.sampled_from(sorted(SHIPPED)))
    data = json.loads(json.dumps(SHIPPED[name]))
    for _ in range(draw(st.integers(min_value=1, max_value=2))):
        everything = list(nodes(data))
        leaves = [(p, v) for p, v in everything if p and not isinstance(v, (dict, list))]
        maps = [p for p, v in everything if isinstance(v, dict)]
        op = draw(
            st.sampled_from(
                ["scale", "scale", "scale", "value", "magnitude", "delete", "unknown", "lookalike"]
            )
        )
        if op == "scale":  # often still valid: exercises the engine, the Monte Carlo and the exports
            numeric = [(p, v) for p, v in leaves if isinstance(v, (int, float)) and not isinstance(v, bool)]
            if numeric:
                path, v = draw(st.sampled_from(numeric))
                factor = draw(st.sampled_from([0, 0.5, 0.9, 1.1, 2, 10]))
                get(data, path[:-1])[path[-1]] = (
                    type(v)(v * factor) if isinstance(v, float) else int(v * factor)
                )
        elif op == "value" and leaves:
            path, _ = draw(st.sampled_from(leaves))
            get(data, path[:-1])[path[-1]] = draw(VALUES)
        elif op == "magnitude":
            numeric = [(p, v) for p, v in leaves if isinstance(v, (int, float)) and not isinstance(v, bool)]
            if numeric:
                path, v = draw(st.sampled_from(numeric))
                get(data, path[:-1])[path[-1]] = draw(
                    st.sampled_from([v * 1e300, v * 1e-300, -v, v + 0.5, 1e308])
                )
        elif op == "delete":
            keyed = [p for p in maps if get(data, p)]
            if keyed:
                path = draw(st.sampled_from(keyed))
                node = get(data, path)
                del node[draw(st.sampled_from(sorted(node)))]
        elif op == "unknown" and maps:
            get(data, draw(st.sampled_from(maps)))[draw(KEYS)] = draw(VALUES)
        elif op == "lookalike":
            keyed = [p for p in maps if get(data, p)]
            if keyed:
                node = get(data, draw(st.sampled_from(keyed)))
                key = draw(st.sampled_from(sorted(node)))
                node[lookalike(key, draw(st.integers(0, 1)))] = node.pop(key)
    text = json.dumps(data, indent=2, ensure_ascii=False)  # JSON is YAML 1.2
    oddity = draw(
        st.sampled_from(
            [
                "none",
                "none",
                "none",
                "none",
                "none",
                "none",
                "none",
                "none",
                "yaml11",
                "tab",
                "control",
                "anchor",
                "tag",
                "duplicate",
                "deep",
                "bom-crlf",
                "truncate",
                "nan",
                "block-deep",
            ]
        )
    )
    lines = text.split("\n")
    at = draw(st.integers(min_value=0, max_value=len(lines) - 1))
    if oddity == "yaml11":
        text = "%YAML 1.1\n---\n" + text
    elif oddity == "tab":
        lines[at] = lines[at].replace(": ", ":\t", 1) if draw(st.booleans()) else "\t" + lines[at]
        text = "\n".join(lines)
    elif oddity == "control":
        lines[at] = lines[at] + draw(st.sampled_from(["\x1b", "\x00", "\x07", "\x9b", "\ufffe"]))
        text = "\n".join(lines)
    elif oddity == "anchor":
        text = text.replace(": {", ": &a {", 1).replace(": [", ": *a [", 1)
    elif oddity == "tag":
        text = text.replace(": ", ": !!python/object/apply:os.system ", 1)
    elif oddity == "duplicate":
        lines.insert(at, lines[at])
        text = "\n".join(lines)
    elif oddity == "deep":
        depth = draw(st.sampled_from([39, 41, 1000, 5000]))
        text = text.replace('"kind": ', '"kind": ' + "[" * depth + "1" + "]" * depth + ', "x": ', 1)
    elif oddity == "block-deep":
        text = text + "\nz:\n" + "".join("  " * i + f"k{i}:\n" for i in range(60)) + "  " * 60 + "v\n"
    elif oddity == "bom-crlf":
        text = "\ufeff" + text.replace("\n", "\r\n")
    elif oddity == "truncate":
        text = text[: draw(st.integers(min_value=0, max_value=len(text)))]
    elif oddity == "nan":
        text = re.sub(
            r"(?<=: )\d+(\.\d+)?", draw(st.sampled_from([".nan", ".inf", "-.inf", "1e999"])), text, count=1
        )
    return text


COMMANDS = [
    ["validate"],
    ["run", "--format", "json"],
    ["run", "--format", "csv"],
    ["run"],
    ["simulate", "--draws", "300", "--format", "json"],
    ["sensitivity", "--format", "json"],
    ["export", "-o", "{out}.xlsx"],
    ["brief", "-o", "{out}.md"],
]


@pytest.fixture(scope="module")
def folder() -> Iterator[Path]:
    tmp = Path(tempfile.mkdtemp(prefix="costmodel-mutations-"))
    shutil.copytree(ASSUMPTIONS, tmp / "assumptions")
    yield tmp / "assumptions" / "proposals"
    shutil.rmtree(tmp, ignore_errors=True)


def _reject_constant(name: str) -> float:
    raise AssertionError(f"non-finite number in JSON output: {name}")


def _alarm(signum: int, frame: object) -> None:
    raise TimeoutError(f"a case ran for more than {HANG_GUARD_SECONDS} s")


def _number(cell: str) -> float | None:
    try:
        return float(cell)
    except ValueError:
        return None


def check_outputs(command: list[str], out_text: str, out_file: Path | None) -> None:
    if command[0] == "run" and "json" in command or command[0] in ("simulate", "sensitivity"):
        json.loads(out_text, parse_constant=_reject_constant)
    elif command[0] == "run" and "csv" in command:
        for cell in out_text.replace("\n", ",").split(","):
            number = _number(cell)
            assert number is None or math.isfinite(number), cell
    elif command[0] == "run":
        assert not NON_FINITE.search(out_text), out_text
    if out_file is not None and out_file.suffix == ".xlsx":
        wb = openpyxl.load_workbook(out_file, data_only=True)
        for ws in wb:
            for row in ws.iter_rows(values_only=True):
                for v in row:
                    assert not (isinstance(v, float) and not math.isfinite(v)), (ws.title, v)
    elif out_file is not None:
        assert not NON_FINITE.search(out_file.read_text(encoding="utf-8"))


@settings(max_examples=100, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(text=mutated(), command=st.sampled_from(COMMANDS))
def test_mutated_files_are_refused_cleanly_or_give_finite_figures(
    folder: Path, text: str, command: list[str]
):
    path = folder / "mutant.yaml"
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    out_base = folder / "mutant-out"
    argv = [command[0], str(path), *(a.format(out=out_base) for a in command[1:])]
    out_file = next((Path(a) for a in argv if a.startswith(str(out_base))), None)
    if out_file is not None and out_file.exists():
        out_file.unlink()
    out, err = io.StringIO(), io.StringIO()
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(HANG_GUARD_SECONDS)
    try:
        status = main(argv, out, err)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    errors = err.getvalue()
    assert status in (0, 1), (status, errors)
    assert "Traceback" not in errors
    leftovers = [p.name for p in folder.iterdir() if p.name.startswith(".costmodel-")]
    assert leftovers == []
    if status == 1:
        lines = errors.strip().splitlines()
        assert lines, "exit 1 with no message"
        for line in lines:
            assert LOCATED.match(line), line
        assert out_file is None or not out_file.exists(), "an output file after a failure"
    else:
        check_outputs(command, out.getvalue(), out_file)
