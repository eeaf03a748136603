"""The package's layers hold: every import (module level, inside functions or under TYPE_CHECKING) runs
down the layers or within a sub-package, never up, and no module imports itself round a cycle.

    errors, formatting -> inputs -> appraisal -> pooling | uncertainty -> present -> export -> cli -> __main__

Each sub-package's README.md states the same rule for its own modules.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from .conftest import ROOT

PACKAGE = ROOT / "costmodel"

# unit (a top-level module or sub-package of costmodel) -> layer; a unit may import units of a lower
# layer, and itself, but nothing of its own layer (pooling and uncertainty are siblings) or above.
LAYERS: dict[str, int] = {
    "errors": 0,
    "formatting": 0,
    "inputs": 1,
    "appraisal": 2,
    "pooling": 3,
    "uncertainty": 3,
    "present": 4,
    "export": 5,
    "cli": 6,
    "__main__": 7,  # `python -m costmodel`: runs the CLI
}
ROOT_MODULE = "costmodel"  # the package's __init__: __version__ and the lazy public facade


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES: dict[str, Path] = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _resolve(importer: str, is_package: bool, node: ast.ImportFrom) -> list[str]:
    """The costmodel modules an ``ast.ImportFrom`` names (a submodule when a name is one)."""
    if node.level:
        base_parts = importer.split(".") if is_package else importer.split(".")[:-1]
        base_parts = base_parts[: len(base_parts) - (node.level - 1)]
        base = ".".join(base_parts + ([node.module] if node.module else []))
    else:
        base = node.module or ""
    if not (base == ROOT_MODULE or base.startswith(ROOT_MODULE + ".")):
        return []
    targets = []
    for alias in node.names:
        sub = f"{base}.{alias.name}"
        targets.append(sub if sub in MODULES else base)
    return targets


def imports_of(module: str) -> set[str]:
    """Every costmodel module ``module`` imports anywhere in its body."""
    path = MODULES[module]
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            found.update(_resolve(module, path.name == "__init__.py", node))
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == ROOT_MODULE)
    found.discard(module)
    return found


GRAPH: dict[str, set[str]] = {m: imports_of(m) for m in MODULES}


def _unit(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None


def test_every_module_belongs_to_a_layer():
    units = {_unit(m) for m in MODULES} - {None}
    assert units <= set(LAYERS), f"add {sorted(units - set(LAYERS))} to LAYERS (and a README)"


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m != ROOT_MODULE))
def test_imports_run_down_the_layers(module: str):
    unit = _unit(module)
    assert unit is not None
    upward = []
    for target in sorted(GRAPH[module]):
        if target == ROOT_MODULE:
            continue  # only ever for __version__: the package's __init__ imports nothing at import time
        other = _unit(target)
        assert other is not None
        if other != unit and LAYERS[other] >= LAYERS[unit]:
            upward.append(f"{target} (layer {LAYERS[other]} {other})")
    assert not upward, f"{module} (layer {LAYERS[unit]} {unit}) imports up or sideways: {', '.join(upward)}"


def test_package_init_imports_nothing_at_import_time():
    """``import costmodel`` stays instant, and any layer may read ``costmodel.__version__``."""
    tree = ast.parse(MODULES[ROOT_MODULE].read_text())
    top_level = [n for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)]
    assert all(isinstance(n, ast.ImportFrom) and n.module == "__future__" for n in top_level)


def test_no_import_cycles():
    """No module reaches itself through imports, including function-level and TYPE_CHECKING ones."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(m: str) -> None:  # Tarjan's strongly connected components
        index[m] = low[m] = len(index)
        stack.append(m)
        on_stack.add(m)
        for t in GRAPH.get(m, ()):
            if t not in MODULES:
                continue
            if t not in index:
                visit(t)
                low[m] = min(low[m], low[t])
            elif t in on_stack:
                low[m] = min(low[m], index[t])
        if low[m] == index[m]:
            component = []
            while True:
                t = stack.pop()
                on_stack.discard(t)
                component.append(t)
                if t == m:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for m in sorted(MODULES):
        if m not in index:
            visit(m)
    assert not cycles, f"import cycles: {cycles}"


def test_the_package_never_imports_the_app():
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text())
        names = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        names |= {
            (n.module or "").split(".")[0]
            for n in ast.walk(tree)
            if isinstance(n, ast.ImportFrom) and not n.level
        }
        assert not names & {"streamlit", "app_pages", "app"}, f"{module} imports the app or Streamlit"


@pytest.mark.parametrize("unit", sorted(u for u in LAYERS if (PACKAGE / u).is_dir()))
def test_every_sub_package_has_a_readme(unit: str):
    readme = PACKAGE / unit / "README.md"
    assert readme.is_file(), f"costmodel/{unit}/README.md says what lives there and what it may import"
    text = readme.read_text()
    for module in sorted((PACKAGE / unit).glob("*.py")):
        if module.name != "__init__.py":
            assert f"`{module.name}`" in text, f"costmodel/{unit}/README.md does not describe {module.name}"
