"""Safe YAML 1.2 reading with positions, and mapping of validation errors to file:line:col.

Parsing is done once per file, by libyaml (PyYAML's C parser, ``yaml._yaml.CParser``) reading an
*event stream*; this module builds the plain Python data from the events itself, with YAML 1.2
core-schema rules, and records every key's and value's position on the way (for error messages).
Why PyYAML's C parser rather than ruamel's: its libyaml (0.2.5) stops flow nesting at 1,000 levels,
while ruamel.yaml.clib's older libyaml fork is quadratic in nesting depth; and building from events
means neither library's resolver is used, so YAML 1.1 readings (``no`` as false, ``012`` as octal,
a ``%YAML 1.1`` directive switching rules) can never creep in. ruamel.yaml's pure-Python
round-trip tree, which keeps comments, is only built to splice an edit (:mod:`costmodel.editing`).

Rules enforced while reading:

* at most :data:`MAX_FILE_BYTES` bytes, UTF-8 text, not empty, exactly one document, no control
  characters, nesting at most :data:`MAX_DEPTH` levels (block or flow);
* YAML 1.2 only: a ``%YAML`` directive other than 1.2 is refused; ``NO``/``on`` are strings,
  ``012`` is 12, ``0o12`` is octal 10;
* no tags (``!!python/object/apply`` and friends) and no anchors/aliases (so no alias bombs);
* duplicate keys are errors; keys are text or numbers.
"""

from __future__ import annotations

import datetime as _dt
import gc
import math
import os
import re
import stat
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NoReturn

from yaml import events as _ev
from yaml._yaml import CParser
from yaml.error import MarkedYAMLError, YAMLError

from ..errors import AssumptionError, InputFileError, Problem

MAX_FILE_BYTES = 2 * 1024 * 1024
"""Largest assumption file accepted [bytes]. Real files are a few kB."""
MAX_DEPTH = 40
"""Deepest nesting of mappings and lists accepted [levels]. The shipped files use at most 7."""
MAX_QUOTED = 60
"""Longest piece of a value quoted back in a message [characters]."""


@dataclass
class ParsedYaml:
    """A parsed file: the plain Python data, and the positions of its keys and values.

    ``tree`` is a :class:`Pos` (or None when the data did not come from text); it locates fields
    for error messages without a second parse.
    """

    path: str
    text: str
    data: Any
    tree: Any


class Pos:
    """Where a mapping or list starts (0-based line and column), and where its children are.

    ``kids`` maps each key (mapping) or index (list) to the child's :class:`Pos`, or to a
    ``(line, col)`` pair for a scalar; ``keys`` gives each mapping key's own ``(line, col)``.
    """

    __slots__ = ("line", "col", "kids", "keys")

    def __init__(self, line: int, col: int, mapping: bool):
        self.line = line
        self.col = col
        self.kids: Any = {} if mapping else []
        self.keys: dict[Any, tuple[int, int]] | None = {} if mapping else None


# ---------------------------------------------------------------------------------------------
# Reading bytes
# ---------------------------------------------------------------------------------------------


def _too_large(name: str, size: int) -> AssumptionError:
    return InputFileError.single(
        name,
        f"file is {size / 1e6:.1f} MB, larger than the {MAX_FILE_BYTES // (1024 * 1024)} MB limit for assumption files",
        line=1,
        col=1,
    )


def read_text(path: str | os.PathLike[str]) -> str:
    """Read a file as UTF-8 text, refusing missing, oversized, binary or non-regular files (a named
    pipe, a device, a socket: opening them could block for ever) with one clear line."""
    name = os.fspath(path)
    try:
        st = os.stat(name)
    except FileNotFoundError:
        raise InputFileError.single(name, "file not found") from None
    except OSError as exc:
        raise InputFileError.single(name, f"cannot read the file ({exc.strerror})") from None
    if stat.S_ISDIR(st.st_mode):
        raise InputFileError.single(name, "is a folder, not an assumption file")
    if not stat.S_ISREG(st.st_mode):
        raise InputFileError.single(name, "is not a regular file (a pipe, device or socket): not read")
    if st.st_size > MAX_FILE_BYTES:
        raise _too_large(name, st.st_size)
    try:
        # O_NONBLOCK: should the path be swapped for a pipe after the check, open() still returns
        fd = os.open(name, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise InputFileError.single(name, f"cannot read the file ({exc.strerror})") from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise InputFileError.single(name, "is not a regular file (a pipe, device or socket): not read")
        with os.fdopen(fd, "rb", closefd=False) as fh:
            raw = fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise InputFileError.single(name, f"cannot read the file ({exc.strerror})") from None
    finally:
        os.close(fd)
    return decode_bytes(raw, name)


def decode_bytes(raw: bytes, name: str) -> str:
    """Decode uploaded or read bytes, enforcing the size limit and UTF-8 text."""
    if len(raw) > MAX_FILE_BYTES:
        raise _too_large(name, len(raw))
    if b"\x00" in raw:
        raise InputFileError.single(name, "not a YAML text file (it contains binary data)", line=1, col=1)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputFileError.single(
            name, f"not UTF-8 text (invalid byte at offset {exc.start})", line=1, col=1
        ) from None
    return text


# ---------------------------------------------------------------------------------------------
# Characters
# ---------------------------------------------------------------------------------------------

# Characters YAML 1.2 does not allow in a file (c-printable's complement, BOM aside), plus the
# Unicode "non-characters" at the end of the BMP.
_FORBIDDEN_CHAR = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")
_CONTROL_NAMES = {
    0x00: "NUL", 0x07: "BEL", 0x08: "BACKSPACE", 0x0B: "VT", 0x0C: "FORM FEED",
    0x1B: "ESC", 0x7F: "DEL",
}  # fmt: skip


def char_name(ch: str) -> str:
    """``U+001B (ESC)``, ``U+0435 (CYRILLIC SMALL LETTER IE)``."""
    code = ord(ch)
    name = _CONTROL_NAMES.get(code) or unicodedata.name(ch, "")
    if not name:
        name = "control character" if unicodedata.category(ch) == "Cc" else "unnamed character"
    return f"U+{code:04X} ({name})"


def position_of(text: str, index: int) -> tuple[int, int]:
    """1-based (line, column) of character ``index`` in ``text``."""
    line_start = text.rfind("\n", 0, index) + 1
    return text.count("\n", 0, index) + 1, index - line_start + 1


def _refuse_at(name: str, text: str, index: int, message: str) -> NoReturn:
    """Refuse the file with ``message``, located at character ``index`` of its text."""
    line, col = position_of(text, index)
    raise AssumptionError.single(name, message, line=line, col=col)


# ---------------------------------------------------------------------------------------------
# YAML 1.2 core schema, plain scalars
# ---------------------------------------------------------------------------------------------

_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_BOOLS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INT = re.compile(r"[-+]?[0-9][0-9_]*\Z")
_OCT = re.compile(r"0o[0-7]+\Z")
_HEX = re.compile(r"0x[0-9a-fA-F]+\Z")
_FLOAT = re.compile(r"[-+]?(?:\.[0-9][0-9_]*|[0-9][0-9_]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?\Z")
_SPECIAL_FLOATS = {
    **{s + v: float(s + "inf") for s in ("", "+", "-") for v in (".inf", ".Inf", ".INF")},
    **{v: math.nan for v in (".nan", ".NaN", ".NAN")},
}


def resolve_plain(text: str) -> Any:
    """The value of an unquoted scalar under the YAML 1.2 core schema: ``no``, ``on`` and ``y`` stay
    text, ``012`` is 12, ``0o12`` is 10, ``0x1F`` is 31 (as in ruamel.yaml, ``_`` may group digits)."""
    if text in _NULLS:
        return None
    first = text[0]
    if first in "0123456789+-.":
        if _INT.match(text):
            return int(text.replace("_", ""), 10)
        if _FLOAT.match(text):
            return float(text.replace("_", ""))
        if first == "0":
            if _OCT.match(text):
                return int(text[2:], 8)
            if _HEX.match(text):
                return int(text[2:], 16)
        special = _SPECIAL_FLOATS.get(text)
        if special is not None:
            return special
        return text
    return _BOOLS.get(text, text)


# ---------------------------------------------------------------------------------------------
# Parsing
# ---------------------------------------------------------------------------------------------

_NO_KEY = object()
_YAML_DIRECTIVE = re.compile(r"^%YAML[ \t]+(\S*)", re.MULTILINE)


def parse_yaml(text: str, name: str, *, quote_values: bool = True) -> ParsedYaml:
    """Parse YAML text safely; raise :class:`AssumptionError` with file:line:col on any problem.

    ``quote_values=False``: messages quote nothing from the text (a file the user did not name)."""
    if not text.strip() or all(not ln.strip() or ln.lstrip().startswith("#") for ln in text.splitlines()):
        raise AssumptionError.single(
            name, "file is empty: expected a YAML mapping of assumptions", line=1, col=1
        )
    directive = _YAML_DIRECTIVE.search(text)
    if directive is not None and directive.group(1) != "1.2":
        _refuse_at(
            name,
            text,
            directive.start(),
            f"'%YAML {directive.group(1)[:10]}' directive: assumption files are YAML 1.2 (delete the %YAML line)",
        )
    bad = _FORBIDDEN_CHAR.search(text)
    if bad is not None:
        _refuse_at(
            name,
            text,
            bad.start(),
            f"control character {char_name(bad.group())} is not allowed in an assumption file: delete it",
        )
    data, tree = _build(text, name, quote_values)
    if not isinstance(data, dict):
        kind = (
            "nothing"
            if data is None
            else "a list"
            if isinstance(data, list)
            else "a single text value"
            if isinstance(data, str)
            else "true/false"
            if isinstance(data, bool)
            else "a number"
        )
        raise AssumptionError.single(
            name, f"expected a YAML mapping (key: value lines) at the top, found {kind}", line=1, col=1
        )
    return ParsedYaml(path=name, text=text, data=data, tree=tree)


def _build(text: str, name: str, quote_values: bool = True) -> tuple[Any, Pos | None]:  # noqa: C901 - one loop over the event kinds
    """Plain data and positions from libyaml's event stream, refusing what files may not contain."""

    def fail(message: str, mark: Any) -> AssumptionError:
        return AssumptionError.single(name, message, line=mark.line + 1, col=mark.column + 1)

    parser = CParser(text)
    collecting = gc.isenabled()
    gc.disable()  # the tree is acyclic: the cyclic collector would only re-scan it, superlinearly
    # one frame per open mapping or list: [container, Pos, pending key, its (line, col)]
    stack: list[list[Any]] = []
    root: Any = None
    root_pos: Pos | None = None
    documents = 0
    scalar_event, mapping_start, sequence_start = (
        _ev.ScalarEvent,
        _ev.MappingStartEvent,
        _ev.SequenceStartEvent,
    )
    collection_end = (_ev.MappingEndEvent, _ev.SequenceEndEvent)
    try:
        while True:
            ev = parser.get_event()
            cls = type(ev)
            if cls is scalar_event or cls is mapping_start or cls is sequence_start:
                mark = ev.start_mark
                if ev.anchor is not None:
                    raise fail(
                        "YAML anchors and aliases (& and *) are not allowed in assumption files: write each value out",
                        mark,
                    )
                if ev.tag is not None:
                    raise fail(
                        "YAML tags are not allowed in assumption files"
                        + (f" (found {_quote(ev.tag)})" if quote_values else ""),
                        mark,
                    )
                pos: Any
                if cls is scalar_event:
                    value: Any = resolve_plain(ev.value) if ev.implicit[0] else ev.value
                    pos = (mark.line, mark.column)
                else:
                    if len(stack) >= MAX_DEPTH:
                        raise fail(
                            f"nested more than {MAX_DEPTH} levels deep: assumption files need at most a few levels",
                            mark,
                        )
                    value = {} if cls is mapping_start else []
                    pos = Pos(mark.line, mark.column, cls is mapping_start)
                if not stack:
                    root, root_pos = value, pos
                else:
                    frame = stack[-1]
                    container, cpos = frame[0], frame[1]
                    if type(container) is list:
                        container.append(value)
                        cpos.kids.append(pos)
                    elif frame[2] is _NO_KEY:
                        if cls is not scalar_event:
                            raise fail("a key must be a plain name, not a mapping or a list", mark)
                        if value in container:
                            first = cpos.keys[value][0] + 1
                            raise fail(
                                f"duplicate key{' ' + _quote(value) if quote_values else ''} (first given on line {first}): "
                                "give each key once",
                                mark,
                            )
                        frame[2], frame[3] = value, (mark.line, mark.column)
                    else:
                        key = frame[2]
                        container[key] = value
                        cpos.kids[key] = pos
                        cpos.keys[key] = frame[3]
                        frame[2] = _NO_KEY
                if cls is not scalar_event:
                    stack.append([value, pos, _NO_KEY, None])
            elif cls in collection_end:
                stack.pop()
            elif cls is _ev.DocumentStartEvent:
                documents += 1
                mark = ev.start_mark
                if documents > 1:
                    raise fail("more than one YAML document ('---'): put one proposal in each file", mark)
                if ev.version is not None and tuple(ev.version) != (1, 2):
                    raise fail(
                        f"'%YAML {ev.version[0]}.{ev.version[1]}' directive: assumption files are YAML 1.2 "
                        "(delete the %YAML line)",
                        mark,
                    )
                if ev.tags:
                    raise fail("YAML %TAG directives are not allowed in assumption files", mark)
            elif cls is _ev.AliasEvent:
                raise fail(
                    "YAML anchors and aliases (& and *) are not allowed in assumption files: write each value out",
                    ev.start_mark,
                )
            elif cls is _ev.StreamEndEvent:
                break
    except AssumptionError:
        raise
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = " ".join((exc.problem or exc.context or "invalid YAML").split())
        if "maximum nesting depth" in problem:  # libyaml's own limit (1,000 flow levels) came first
            deep_line, deep_col = _too_deep_at(text)
            raise AssumptionError.single(
                name,
                f"nested more than {MAX_DEPTH} levels deep: assumption files need at most a few levels",
                line=deep_line,
                col=deep_col,
            ) from None
        line = col = None
        if mark is not None:
            line, col = mark.line + 1, mark.column + 1
            lines = text.splitlines()
            if mark.line < len(lines) and lines[mark.line][mark.column : mark.column + 1] == "\t":
                problem += " (tabs are not allowed in YAML indentation: indent with spaces)"
        raise AssumptionError.single(name, f"YAML syntax error: {problem}", line=line, col=col) from None
    except YAMLError as exc:  # the reader: text libyaml cannot accept (positions in bytes, not shown)
        problem = " ".join(str(getattr(exc, "reason", "") or "invalid YAML").split())
        raise AssumptionError.single(name, f"YAML syntax error: {problem}", line=1, col=1) from None
    finally:
        parser.dispose()
        if collecting:
            gc.enable()
    return root, root_pos if isinstance(root_pos, Pos) else None


def _too_deep_at(text: str) -> tuple[int, int]:
    """1-based position of the first bracket opening level ``MAX_DEPTH + 1`` of flow nesting."""
    depth = 0
    for m in re.finditer(r"[\[\]{}]", text):
        depth += 1 if m.group() in "[{" else -1
        if depth > MAX_DEPTH:
            return position_of(text, m.start())
    return (1, 1)


def _quote(value: Any, limit: int = MAX_QUOTED) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def to_plain(node: Any) -> Any:
    """Convert a ruamel round-trip tree (used for edits) into plain dict/list/str/int/float/bool/None."""
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


# ---------------------------------------------------------------------------------------------
# Locating fields and wording validation errors
# ---------------------------------------------------------------------------------------------


def locate(tree: Any, loc: Sequence[Any]) -> tuple[int | None, int | None]:
    """1-based (line, col) of the deepest node of ``loc`` that exists in ``tree`` (a :class:`Pos`).

    For a mapping child the position of its value (scalars) or its key (containers); for a key
    that is missing, the position of the parent; for a sequence item its own position.
    """
    if not isinstance(tree, Pos):
        return (None, None)
    node: Any = tree
    pos: tuple[int, int] = (node.line, node.col)
    for part in loc:
        if not isinstance(node, Pos):
            break
        if node.keys is not None:
            key = _match_key(node.kids, part)
            if key is _MISSING:
                break
            child = node.kids[key]
            pos = node.keys[key] if isinstance(child, Pos) else child
            node = child
        elif isinstance(part, int) and 0 <= part < len(node.kids):
            child = node.kids[part]
            pos = (child.line, child.col) if isinstance(child, Pos) else child
            node = child
        else:
            break
    return (pos[0] + 1, pos[1] + 1)


def value_at(data: Any, loc: Sequence[Any]) -> Any:
    """The value at ``loc`` in plain data, or :data:`_MISSING`."""
    node = data
    for part in loc:
        if isinstance(node, dict):
            key = _match_key(node, part)
            if key is _MISSING:
                return _MISSING
            node = node[key]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            return _MISSING
    return node


_MISSING = object()


def _match_key(node: dict[Any, Any], part: Any) -> Any:
    if part in node:
        return part
    for k in node:
        if str(k) == str(part):
            return k
    return _MISSING


def dotted(loc: Iterable[Any]) -> str:
    """``('outcomes', 0, 'effect', 'value')`` -> ``outcomes.0.effect.value`` (dropping pydantic internals)."""
    parts = [str(p) for p in loc if not (isinstance(p, str) and ("[" in p or "(" in p))]
    return ".".join(parts)


# Look-alike letters (Unicode's confusables for the Latin letters ids use) and invisible characters
_LOOKALIKES = str.maketrans(
    "аеорсухіјѕԁԛԝаАВЕКМНОРСТХІЈЅαεορτυνχκιΑΒΕΖΗΙΚΜΝΟΡΤΥΧ‐‑‒–—_ⅼℓ",
    "aeopcyxijsdqwaABEKMHOPCTXIJSaeoptuvxkiABEZHIKMNOPTYX-----_ll",
)
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e\u200e\u200f"))


def foreign_characters(key: str) -> tuple[str, str] | None:
    """For a key with a look-alike or invisible character: (what is wrong, the key it resembles)."""
    odd = [(i, ch) for i, ch in enumerate(key) if not ch.isascii() or not ch.isprintable()]
    if not odd:
        return None
    i, ch = odd[0]
    what = "an invisible" if ord(ch) in _INVISIBLE else "a foreign"
    ascii_key = unicodedata.normalize("NFKC", key.translate(_INVISIBLE)).translate(_LOOKALIKES)
    return f"{what} character {char_name(ch)} at position {i + 1}", ascii_key


def problems_from_validation(
    parsed: ParsedYaml, errors: Sequence[Any], *, quote_values: bool = True
) -> list[Problem]:
    """Turn pydantic's error list into located :class:`Problem` lines, one per error.

    ``quote_values=False`` leaves the offending values out of the messages (for a file the user did
    not name, e.g. a library a proposal points at, whose content must not be echoed).
    """
    out: list[Problem] = []
    errors = list(errors)
    resembled: set[tuple[Any, ...]] = set()
    for err in errors:  # a key with a look-alike letter: one line, instead of "unknown" + "missing"
        loc = tuple(err.get("loc", ()))
        if err.get("type") == "extra_forbidden" and loc and isinstance(loc[-1], str):
            found = foreign_characters(loc[-1])
            if found is not None:
                resembled.add((*loc[:-1], found[1]))
    for err in errors:
        loc = tuple(err.get("loc", ()))
        if err.get("type") == "missing" and loc in resembled:
            continue
        line, col = locate(parsed.tree, loc)
        message = _message(err, quote_values)
        if err.get("type") == "extra_forbidden" and loc and isinstance(loc[-1], str):
            found = foreign_characters(loc[-1])
            if found is not None:
                what, ascii_key = found
                key_line = _key_position(parsed.tree, loc)
                if key_line is not None:
                    line, col = key_line
                message = f"the key has {what}" + (
                    f": did you mean '{ascii_key}'?" if ascii_key != loc[-1] and ascii_key.isascii() else ""
                )
        out.append(Problem(parsed.path, line, col, _safe_field(loc), message))
    # one line per distinct problem, in file order
    unique = {(p.line, p.col, p.field, p.message): p for p in out}
    return sorted(unique.values(), key=lambda p: (p.line or 0, p.col or 0, p.field))


def _key_position(tree: Any, loc: tuple[Any, ...]) -> tuple[int, int] | None:
    """1-based position of the key ``loc[-1]`` itself."""
    if not isinstance(tree, Pos) or not loc:
        return None
    node: Any = tree
    for part in loc[:-1]:
        if not isinstance(node, Pos):
            return None
        key = _match_key(node.kids, part) if node.keys is not None else part
        if key is _MISSING or (
            node.keys is None and not (isinstance(key, int) and 0 <= key < len(node.kids))
        ):
            return None
        node = node.kids[key]
    if not isinstance(node, Pos) or node.keys is None or loc[-1] not in node.keys:
        return None
    line, col = node.keys[loc[-1]]
    return line + 1, col + 1


def _safe_field(loc: tuple[Any, ...]) -> str:
    """The dotted field, with characters that could break the one-line format escaped."""
    field = dotted(loc)
    if field.isascii() and field.isprintable() and len(field) <= 200:
        return field
    text = field.encode("ascii", "backslashreplace").decode("ascii")
    text = "".join(ch if ch.isprintable() else f"\\x{ord(ch):02x}" for ch in text)
    return text if len(text) <= 200 else text[:197] + "..."


def _message(err: dict[str, Any], quote_values: bool = True) -> str:
    typ = err.get("type", "")
    msg = str(err.get("msg", "invalid value"))
    got = f" (got {_short(err.get('input'))})" if quote_values else ""
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    if msg.startswith("Assertion failed, "):
        msg = msg[len("Assertion failed, ") :]
    if typ == "extra_forbidden":
        return "unknown key: not part of the assumption-file format (check its spelling and indentation)"
    if typ == "missing":
        return "required field is missing"
    if typ == "literal_error":
        return f"{msg[0].lower()}{msg[1:]}{got}"
    if typ in {"finite_number"}:
        return "must be a finite number (NaN and infinity are not allowed)"
    if typ in {"int_type", "float_type"} and quote_values:
        hint = _type_hint(typ, err.get("input"))
        if hint is not None:
            return hint
    if typ in {"model_type", "dict_type"}:
        return f"expected a mapping (key: value lines){got}"
    if typ == "too_short" and (err.get("ctx") or {}).get("actual_length") == 0:
        need = (err.get("ctx") or {}).get("min_length", 1)
        return f"the list is empty: give at least {need} item{'' if need == 1 else 's'}"
    if typ.endswith("_type") or typ.endswith("_parsing") or typ in {"string_pattern_mismatch"}:
        return f"{msg[0].lower()}{msg[1:]}{got}"
    if typ in {"greater_than_equal", "less_than_equal", "greater_than", "less_than"}:
        return f"{msg[0].lower()}{msg[1:]}{got}"
    if not quote_values:
        return "breaks a rule of the assumption-file format"
    return _one_line(msg[0].lower() + msg[1:] if msg else msg)


def _one_line(text: str) -> str:
    return " ".join(text.split())


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
        number = value.strip()
        number = number if len(number) <= 30 else number[:27] + "..."
        return f"must be {what}, not text: write {number} without quotes (got {_short(value)})"
    if typ == "int_type" and isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return f"must be a whole number: write {int(value)} rather than {value!r}"
        return f"must be a whole number (got {_short(value)})"
    return None


def _short(value: Any) -> str:
    if value is None or isinstance(value, bool):
        return {None: "null", True: "true", False: "false"}[value]
    if isinstance(value, (dict, list)):
        return "a mapping" if isinstance(value, dict) else "a list"
    return _quote(value)
