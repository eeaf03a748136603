"""Write the golden outputs of every shipped example (tests/golden/), the byte-identical reference
that tests/test_golden.py compares the current code against.

Run from the repository root: ``.venv/bin/python scripts/make_golden.py``. Regenerate only when a
change is *meant* to move a figure, and say why in the commit message.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden"
PROPOSALS = sorted((ROOT / "assumptions" / "proposals").glob("*.yaml"))


def commands() -> dict[str, list[str]]:
    """Output file name -> costmodel arguments (paths relative to the repository root)."""
    out: dict[str, list[str]] = {}
    for path in PROPOSALS:
        rel = str(path.relative_to(ROOT))
        stem = path.stem
        for fmt in ("table", "json", "csv"):
            out[f"{stem}.run.{fmt}"] = ["run", rel, "--format", fmt]
        out[f"{stem}.sensitivity.txt"] = ["sensitivity", rel]
        out[f"{stem}.simulate.txt"] = ["simulate", rel, "--draws", "2000", "--seed", "7"]
        out[f"{stem}.brief.md"] = ["brief", rel, "-o", "{out}"]
        out[f"{stem}.workbook.txt"] = ["export", rel, "-o", "{out}.xlsx"]
    rels = [str(p.relative_to(ROOT)) for p in PROPOSALS]
    out["compare.txt"] = ["compare", *rels]
    out["early_help_pooled.pool.txt"] = ["pool", "assumptions/proposals/early_help_pooled.yaml",
                                         "--solve", "proportional"]
    return out


def workbook_text(path: Path) -> bytes:
    """Every non-empty cell of every sheet, as written (formulas as formulas), one per line."""
    import openpyxl

    book = openpyxl.load_workbook(path)
    lines = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value is not None:
                    lines.append(f"{sheet.title}!{cell.coordinate}\t{cell.value!r}")
    return ("\n".join(lines) + "\n").encode()


def produce(name: str, args: list[str], tmp: Path) -> bytes:
    """Run costmodel; the golden bytes are its stdout and exit status, or the file it wrote."""
    target = tmp / name
    args = [a.replace("{out}", str(target)) for a in args]
    exe = str(Path(sys.executable).parent / "costmodel")
    # this checkout's costmodel, not the editable install's (a venv shared by several worktrees)
    env = os.environ | {"PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)}
    proc = subprocess.run([exe, *args], cwd=ROOT, capture_output=True, check=False, env=env)
    written = [Path(a) for a in args if a.startswith(str(tmp))]
    if written:
        if proc.returncode != 0:
            raise SystemExit(f"{name}: costmodel failed: {proc.stderr.decode()}")
        return workbook_text(written[0]) if written[0].suffix == ".xlsx" else written[0].read_bytes()
    return proc.stdout + b"\n--- exit %d ---\n" % proc.returncode


def main() -> None:
    import tempfile

    GOLDEN.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for name, args in commands().items():
            (GOLDEN / name).write_bytes(produce(name, args, Path(tmp)))
            print("wrote", name)


if __name__ == "__main__":
    main()
