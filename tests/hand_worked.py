"""Helpers for the red-team regression tests: ``tests/cases/hand_worked.yaml`` (a £1,000 a year
service in 2024-25 prices, the price base year, so no deflating) with text replacements, written to a
temporary file, and the CLI called in process."""

from __future__ import annotations

import io
from pathlib import Path

from costmodel.cli import main

CASES = Path(__file__).resolve().parent / "cases"
HAND = CASES / "hand_worked.yaml"
HAND_TEXT = HAND.read_text(encoding="utf-8")


def hand(replacements: dict[str, str] | None = None) -> str:
    text = HAND_TEXT
    for old, new in (replacements or {}).items():
        assert old in text, old
        text = text.replace(old, new)
    return text


def write(tmp_path: Path, text: str, name: str = "p.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = main(list(argv), out, err)
    return status, out.getvalue(), err.getvalue()
