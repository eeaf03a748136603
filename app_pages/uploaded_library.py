"""A unit-cost library uploaded alongside a proposal: the only library, besides the shipped one, that an
uploaded proposal may use (issue 10: an upload must never make the app read any other file).

The library's bytes are checked like any upload (size, UTF-8, safe YAML 1.2) and as a library (every
rule of ``costmodel validate``), then kept under a content-addressed folder of the server's temporary
directory, ``<tmp>/costmodel-uploaded-libraries/<sha256>/<file name>``. A proposal names it by its file
name (``unit_cost_library: my_costs.yaml``); :func:`allowed_libraries` lets the loader open that file
and the shipped library, nothing else. No Streamlit here.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

from costmodel.errors import AssumptionError
from costmodel.inputs.loading import kind_of_file, load_library
from costmodel.inputs.yamlio import decode_bytes, parse_yaml

ROOT = Path(__file__).resolve().parent.parent
SHIPPED_LIBRARY = str(ROOT / "assumptions" / "unit_costs.yaml")
UPLOAD_ROOT = Path(tempfile.gettempdir()) / "costmodel-uploaded-libraries"
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]")


def safe_file_name(name: str) -> str:
    """An uploaded file's name reduced to letters, digits, ``.``, ``_`` and ``-`` (ending in .yaml)."""
    base = _SAFE_NAME.sub("_", Path(name).name)[:80].lstrip(".") or "library"
    return base if base.endswith((".yaml", ".yml")) else base + ".yaml"


def save_library(name: str, raw: bytes) -> tuple[str | None, list[str]]:
    """Check an uploaded library and keep it; (its folder, or None, and the problems found)."""
    shown = safe_file_name(name)
    try:
        text = decode_bytes(raw, shown)
        parsed = parse_yaml(text, shown)
    except AssumptionError as exc:
        return None, [str(p) for p in exc.problems]
    if kind_of_file(parsed) != "library":
        return None, [
            f"{shown}:1:1: this is not a unit-cost library (it has no 'unit_costs', or it is a proposal)"
        ]
    folder = UPLOAD_ROOT / hashlib.sha256(raw).hexdigest()[:32]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / shown
    if not path.is_file() or path.read_bytes() != raw:
        tmp = folder / f".{shown}.{os.getpid()}.tmp"
        tmp.write_bytes(raw)
        os.replace(tmp, path)
    try:
        load_library(path)  # every rule of `costmodel validate` for a library
    except AssumptionError as exc:
        return None, [str(p).replace(str(path), shown) for p in exc.problems]
    return str(folder), []


def allowed_libraries(library_dir: str | None) -> tuple[str, ...]:
    """The library files a proposal opened with ``library_dir`` may use: the shipped library, and the
    files of ``library_dir`` itself when it is a folder of uploaded libraries."""
    allowed = [SHIPPED_LIBRARY]
    if library_dir:
        folder = os.path.realpath(library_dir)
        root = os.path.realpath(UPLOAD_ROOT)
        if os.path.dirname(folder) == root and os.path.isdir(folder):
            allowed += [
                str(p) for p in sorted(Path(folder).glob("*.y*ml")) if p.is_file() and not p.is_symlink()
            ]
    return tuple(allowed)
