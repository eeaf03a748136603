"""Safe YAML 1.2 reading with positions, and mapping of validation errors to file:line:col.

Rules enforced before anything is constructed:

* at most :data:`MAX_FILE_BYTES` bytes, UTF-8 text, not empty, exactly one document;
* no tags (``!!python/object/apply`` and friends) and no anchors/aliases (so no alias bombs);
* duplicate keys are errors (YAML 1.2 via ruamel.yaml round-trip mode, which constructs no
  Python objects; ``NO`` stays the string "NO").
"""

from __future__ import annotations

import datetime as _dt
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import AliasEvent, DocumentStartEvent, NodeEvent

from ..errors import AssumptionError, InputFileError, Problem

MAX_FILE_BYTES = 2 * 1024 * 1024
"""Largest assumption file accepted [bytes]. Real files are a few kB."""


@dataclass
class ParsedYaml:
    """A parsed file: the plain Python data, and the round-trip tree for positions and comments."""

    path: str
    text: str
    data: Any
    tree: Any


def _yaml() -> YAML:
    y = YAML(typ="rt", pure=True)
    y.allow_duplicate_keys = False
    return y


def read_text(path: str | os.PathLike[str]) -> str:
    """Read a file as UTF-8 text, refusing missing, oversized or binary files with one clear line."""
    name = os.fspath(path)
    try:
        size = os.stat(name).st_size
    except FileNotFoundError:
        raise InputFileError.single(name, "file not found") from None
    except OSError as exc:
        raise InputFileError.single(name, f"cannot read the file ({exc.strerror})") from None
    if os.path.isdir(name):
        raise InputFileError.single(name, "is a folder, not an assumption file")
    if size > MAX_FILE_BYTES:
        raise InputFileError.single(
            name,
            f"file is {size / 1e6:.1f} MB, larger than the {MAX_FILE_BYTES // (1024 * 1024)} MB limit for assumption files",
            line=1,
            col=1,
        )
    try:
        with open(name, "rb") as fh:
            raw = fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise InputFileError.single(name, f"cannot read the file ({exc.strerror})") from None
    return decode_bytes(raw, name)


def decode_bytes(raw: bytes, name: str) -> str:
    """Decode uploaded or read bytes, enforcing the size limit and UTF-8 text."""
    if len(raw) > MAX_FILE_BYTES:
        raise InputFileError.single(
            name,
            f"file is {len(raw) / 1e6:.1f} MB, larger than the {MAX_FILE_BYTES // (1024 * 1024)} MB limit for assumption files",
            line=1,
            col=1,
        )
    if b"\x00" in raw:
        raise InputFileError.single(name, "not a YAML text file (it contains binary data)", line=1, col=1)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputFileError.single(
            name, f"not UTF-8 text (invalid byte at offset {exc.start})", line=1, col=1
        ) from None
    return text


def parse_yaml(text: str, name: str) -> ParsedYaml:
    """Parse YAML text safely; raise :class:`AssumptionError` with file:line:col on any problem."""
    if not text.strip() or all(not ln.strip() or ln.lstrip().startswith("#") for ln in text.splitlines()):
        raise AssumptionError.single(
            name, "file is empty: expected a YAML mapping of assumptions", line=1, col=1
        )
    y = _yaml()
    documents = 0
    try:
        for ev in y.parse(text):
            mark = ev.start_mark
            line = mark.line + 1 if mark is not None else None
            col = mark.column + 1 if mark is not None else None
            if isinstance(ev, DocumentStartEvent):
                documents += 1
                if documents > 1:
                    raise AssumptionError.single(
                        name,
                        "more than one YAML document ('---'): put one proposal in each file",
                        line=line,
                        col=col,
                    )
            if isinstance(ev, AliasEvent) or (isinstance(ev, NodeEvent) and ev.anchor is not None):
                raise AssumptionError.single(
                    name,
                    "YAML anchors and aliases (& and *) are not allowed in assumption files: write each value out",
                    line=line,
                    col=col,
                )
            tag = getattr(ev, "tag", None)
            if isinstance(ev, NodeEvent) and tag is not None:
                raise AssumptionError.single(
                    name, f"YAML tags are not allowed in assumption files (found {tag!s})", line=line, col=col
                )
        tree = y.load(text)
    except AssumptionError:
        raise
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        col = mark.column + 1 if mark is not None else None
        problem = (exc.problem or exc.context or "invalid YAML").strip()
        if "'\\t'" in problem:
            problem += " (tabs are not allowed in YAML indentation: indent with spaces)"
        raise AssumptionError.single(name, f"YAML syntax error: {problem}", line=line, col=col) from None
    except YAMLError as exc:
        raise AssumptionError.single(name, f"YAML syntax error: {exc}") from None
    except RecursionError:
        raise AssumptionError.single(name, "YAML is nested too deeply") from None
    if not isinstance(tree, CommentedMap):
        kinds = {
            CommentedSeq: "a list",
            str: "a single text value",
            int: "a number",
            float: "a number",
            bool: "true/false",
        }
        kind = (
            "nothing"
            if tree is None
            else next((v for k, v in kinds.items() if isinstance(tree, k)), type(tree).__name__)
        )
        raise AssumptionError.single(
            name, f"expected a YAML mapping (key: value lines) at the top, found {kind}", line=1, col=1
        )
    return ParsedYaml(path=name, text=text, data=to_plain(tree), tree=tree)


def to_plain(node: Any) -> Any:
    """Convert a ruamel round-trip tree into plain dict/list/str/int/float/bool/None."""
    if isinstance(node, dict):
        return {to_plain_key(k): to_plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [to_plain(v) for v in node]
    if isinstance(node, bool):
        return bool(node)
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, str):
        return str(node)
    if isinstance(node, (_dt.date, _dt.datetime)):
        return node.isoformat()
    return node


def to_plain_key(k: Any) -> Any:
    if isinstance(k, bool):
        return bool(k)
    if isinstance(k, int):
        return int(k)
    if isinstance(k, (_dt.date, _dt.datetime)):
        return k.isoformat()
    return str(k) if isinstance(k, str) else k


def locate(tree: Any, loc: Sequence[Any]) -> tuple[int | None, int | None]:
    """1-based (line, col) of the deepest node of ``loc`` that exists in ``tree``.

    For a mapping child the position of its value (scalars) or its key (containers); for a key
    that is missing, the position of the parent; for a sequence item its own position.
    """
    node = tree
    pos: tuple[int | None, int | None] = (None, None)
    if isinstance(node, (CommentedMap, CommentedSeq)):
        pos = (node.lc.line + 1, node.lc.col + 1)
    for part in loc:
        if isinstance(node, CommentedMap):
            key = _match_key(node, part)
            if key is _MISSING:
                break
            child = node[key]
            if isinstance(child, (CommentedMap, CommentedSeq)) or child is None:
                ln, cl = node.lc.key(key)
            else:
                ln, cl = node.lc.value(key)
            pos = (ln + 1, cl + 1)
            node = child
        elif isinstance(node, CommentedSeq) and isinstance(part, int) and 0 <= part < len(node):
            ln, cl = node.lc.item(part)
            pos = (ln + 1, cl + 1)
            node = node[part]
        else:
            break
    return pos


_MISSING = object()


def _match_key(node: CommentedMap, part: Any) -> Any:
    if part in node:
        return part
    for k in node:
        if str(to_plain_key(k)) == str(part):
            return k
    return _MISSING


def dotted(loc: Iterable[Any]) -> str:
    """``('outcomes', 0, 'effect', 'value')`` -> ``outcomes.0.effect.value`` (dropping pydantic internals)."""
    parts = [str(p) for p in loc if not (isinstance(p, str) and ("[" in p or "(" in p))]
    return ".".join(parts)


def problems_from_validation(parsed: ParsedYaml, errors: Sequence[Any]) -> list[Problem]:
    """Turn pydantic's error list into located :class:`Problem` lines, one per error."""
    out: list[Problem] = []
    for err in errors:
        loc = tuple(err.get("loc", ()))
        line, col = locate(parsed.tree, loc)
        out.append(Problem(parsed.path, line, col, dotted(loc), _message(err)))
    # one line per distinct problem, in file order
    unique = {(p.line, p.col, p.field, p.message): p for p in out}
    return sorted(unique.values(), key=lambda p: (p.line or 0, p.col or 0, p.field))


def _message(err: dict[str, Any]) -> str:
    typ = err.get("type", "")
    msg = str(err.get("msg", "invalid value"))
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    if msg.startswith("Assertion failed, "):
        msg = msg[len("Assertion failed, ") :]
    if typ == "extra_forbidden":
        return "unknown key: not part of the assumption-file format (check its spelling and indentation)"
    if typ == "missing":
        return "required field is missing"
    if typ == "literal_error":
        return f"{msg[0].lower()}{msg[1:]} (got {_short(err.get('input'))})"
    if typ in {"finite_number"}:
        return "must be a finite number (NaN and infinity are not allowed)"
    if typ in {"int_type", "float_type"}:
        hint = _type_hint(typ, err.get("input"))
        if hint is not None:
            return hint
    if typ in {"model_type", "dict_type"}:
        return f"expected a mapping (key: value lines) (got {_short(err.get('input'))})"
    if typ == "too_short" and (err.get("ctx") or {}).get("actual_length") == 0:
        need = (err.get("ctx") or {}).get("min_length", 1)
        return f"the list is empty: give at least {need} item{'' if need == 1 else 's'}"
    if typ.endswith("_type") or typ.endswith("_parsing") or typ in {"string_pattern_mismatch"}:
        return f"{msg[0].lower()}{msg[1:]} (got {_short(err.get('input'))})"
    if typ in {"greater_than_equal", "less_than_equal", "greater_than", "less_than"}:
        return f"{msg[0].lower()}{msg[1:]} (got {_short(err.get('input'))})"
    return msg[0].lower() + msg[1:] if msg else msg


def _type_hint(typ: str, value: Any) -> str | None:
    """A clearer line for the commonest wrong types: a quoted number, 2.0 for a whole number of years,
    true/false or an empty value where a number is expected."""
    what = "a whole number" if typ == "int_type" else "a number"
    if value is None:
        return f"must be {what}; the value is empty (null)"
    if isinstance(value, bool):
        return f"must be {what}, not {str(value).lower()}"
    if isinstance(value, str):
        try:
            float(value.strip().replace("_", ""))
        except ValueError:
            return None
        return f"must be {what}, not text: write {value.strip()} without quotes (got {_short(value)})"
    if typ == "int_type" and isinstance(value, float):
        if value.is_integer():
            return f"must be a whole number: write {int(value)} rather than {value!r}"
        return f"must be a whole number (got {value!r})"
    return None


def _short(value: Any) -> str:
    if value is None or isinstance(value, bool):
        return {None: "null", True: "true", False: "false"}[value]
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
