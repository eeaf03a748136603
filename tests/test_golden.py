"""Every shipped example's outputs are byte-identical to the golden copies in tests/golden/.

The golden files were produced by ``scripts/make_golden.py`` before the package was restructured;
they pin the run (table, JSON, CSV), compare, pool, sensitivity, simulate, briefing and workbook
outputs, so a refactor cannot move a figure or a word unnoticed. A change meant to move a figure
regenerates them (``.venv/bin/python scripts/make_golden.py``) and says why in its commit.
"""

from __future__ import annotations

import importlib.util
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden"

_spec = importlib.util.spec_from_file_location("make_golden", ROOT / "scripts" / "make_golden.py")
assert _spec is not None and _spec.loader is not None
make_golden = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_golden)

COMMANDS = make_golden.commands()


def test_every_golden_file_has_a_command() -> None:
    assert sorted(p.name for p in GOLDEN.iterdir()) == sorted(COMMANDS)


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_output_is_byte_identical_to_golden(name: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        got = make_golden.produce(name, COMMANDS[name], Path(tmp))
    want = (GOLDEN / name).read_bytes()
    if got != want:
        got_lines, want_lines = got.decode().splitlines(), want.decode().splitlines()
        first = next(
            (i for i, (a, b) in enumerate(zip(got_lines, want_lines, strict=False)) if a != b),
            min(len(got_lines), len(want_lines)),
        )
        pytest.fail(
            f"{name} differs from tests/golden/{name} at line {first + 1}:\n"
            f"  golden: {want_lines[first] if first < len(want_lines) else '<end>'}\n"
            f"  now:    {got_lines[first] if first < len(got_lines) else '<end>'}"
        )
