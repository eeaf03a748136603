"""Documentation examples run, so docs cannot drift: every ```python block in docs/*.md and README.md
executes (blocks of one file share a namespace, in order, from the repository root)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from .conftest import ROOT

BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)
DOCS = [p for p in sorted((ROOT / "docs").glob("*.md")) + [ROOT / "README.md"] if BLOCK.search(p.read_text())]


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_python_blocks_run(doc: Path, monkeypatch):
    blocks = BLOCK.findall(doc.read_text())
    if not blocks:
        pytest.skip("no python blocks")
    monkeypatch.chdir(ROOT)
    namespace: dict[str, object] = {"__name__": f"doc_{doc.stem}"}
    for i, code in enumerate(blocks, 1):
        try:
            exec(compile(code, f"{doc.name}[block {i}]", "exec"), namespace)
        except Exception as exc:  # pragma: no cover - the message is the point
            raise AssertionError(
                f"{doc.relative_to(ROOT)} python block {i} failed: {type(exc).__name__}: {exc}"
            ) from exc


def test_docs_index_lists_every_page():
    index = (ROOT / "docs" / "README.md").read_text()
    for page in (ROOT / "docs").glob("*.md"):
        if page.name != "README.md":
            assert f"({page.name})" in index, f"docs/README.md does not link {page.name}"


def test_readme_has_exactly_two_setup_commands():
    text = (ROOT / "README.md").read_text()
    section = text.split("## Two commands", 1)[1].split("\n## ", 1)[0]
    commands = [ln for ln in re.findall(r"```bash\n(.*?)```", section, re.S)[0].splitlines() if ln.strip()]
    assert [c.split("#")[0].strip() for c in commands] == ["bash scripts/app", "bash scripts/test"]
    assert os.access(ROOT / "scripts" / "app", os.R_OK) and os.access(ROOT / "scripts" / "test", os.R_OK)


CONSOLE = re.compile(r"^```console\n(.*?)^```", re.S | re.M)


def _console_examples() -> list[tuple[str, str]]:
    examples = []
    for block in CONSOLE.findall((ROOT / "README.md").read_text()):
        for chunk in re.split(r"^\$ ", block, flags=re.M)[1:]:
            command, _, output = chunk.partition("\n")
            examples.append((command, output))
    return examples


@pytest.mark.parametrize(
    ("command", "expected"), _console_examples(), ids=lambda x: x[:60] if isinstance(x, str) else ""
)
def test_readme_console_output_is_real(command: str, expected: str):
    """The README's CLI tour shows real output: each command prints exactly what is written under it."""
    import subprocess
    import sys

    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    res = subprocess.run(
        command, shell=True, cwd=ROOT, capture_output=True, text=True, env=env, timeout=1800
    )  # a hang guard, not a clock
    actual = res.stdout + res.stderr
    norm = lambda text: [ln.rstrip() for ln in text.strip().splitlines()]  # noqa: E731
    assert norm(actual) == norm(expected), (
        f"README output of `{command}` is stale; run it and paste the output"
    )
