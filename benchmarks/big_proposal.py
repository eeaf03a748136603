"""A generated proposal with many cost lines and outcomes (for the speed benchmarks).

    .venv/bin/python benchmarks/big_proposal.py [--lines 100] [--outcomes 100] [--out DIR]

Writes ``big_proposal.yaml`` (and a copy of the unit-cost library beside it) built from the youth-work
example: its header and sources, then ``--lines`` cost lines and ``--outcomes`` outcomes copied from its
two cost lines and two outcomes with new ids (ranges kept, so every line has ranged inputs).
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "assumptions" / "proposals" / "youth_work.yaml"


def _blocks(lines: list[str]) -> list[list[str]]:
    """Split a YAML list section into its items (each starting with '  - id:')."""
    items: list[list[str]] = []
    for line in lines:
        if line.startswith("  - id:"):
            items.append([line])
        elif items and (line.startswith("    ") or not line.strip()):
            items[-1].append(line)
    return items


def _section(text: list[str], key: str) -> list[str]:
    """The lines of the top-level section ``key:`` (up to the next top-level key)."""
    start = text.index(f"{key}:") + 1
    end = next((i for i in range(start, len(text)) if text[i][:1].isalpha()), len(text))
    return text[start:end]


def big_proposal_text(n_lines: int = 100, n_outcomes: int = 100) -> str:
    """The example's header and sources, then the generated lines and outcomes (the example's other
    sections, such as its named scenarios, which name its own lines, are left out)."""
    text = EXAMPLE.read_text(encoding="utf-8").splitlines()
    header = text[: text.index("prevention_costs:")]
    cost_items = _blocks(_section(text, "prevention_costs"))
    outcome_items = _blocks(_section(text, "outcomes"))
    out = [line.replace("id: youth_work", "id: big_proposal") for line in header]
    out.append("prevention_costs:")
    for i in range(n_lines):
        item = cost_items[i % len(cost_items)]
        first = item[0].replace("- id: ", f"- id: l{i:03d}_", 1)
        out += [first, *item[1:]]
    out.append("")
    out.append("outcomes:")
    for i in range(n_outcomes):
        item = outcome_items[i % len(outcome_items)]
        first = item[0].replace("- id: ", f"- id: o{i:03d}_", 1)
        out += [first, *item[1:]]
    return "\n".join(out) + "\n"


def write_big_proposal(directory: Path, n_lines: int = 100, n_outcomes: int = 100) -> Path:
    """Write the generated proposal (and the unit-cost library it points at) under ``directory``."""
    proposals = directory / "proposals"
    proposals.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "assumptions" / "unit_costs.yaml", directory / "unit_costs.yaml")
    path = proposals / "big_proposal.yaml"
    path.write_text(big_proposal_text(n_lines, n_outcomes), encoding="utf-8")
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=100)
    ap.add_argument("--outcomes", type=int, default=100)
    ap.add_argument("--out", type=Path, default=None)
    a = ap.parse_args()
    out = a.out or Path(tempfile.mkdtemp(prefix="costmodel-big-"))
    print(write_big_proposal(out, a.lines, a.outcomes))


if __name__ == "__main__":
    main()
