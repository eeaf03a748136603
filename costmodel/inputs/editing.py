"""Round-trip editing of a proposal file: change key inputs, keep every comment and source.

The app (and any script) edits a proposal as a set of *edits*: dotted paths into the file, by id
(``outcomes.first_time_entrants.effect.value``; positions such as ``outcomes.0.effect.value`` are
accepted too) mapped to new values. :func:`apply_edits` writes them into the
original YAML text. A value that already exists in the file is replaced in place in the text
(so the diff is exactly the changed numbers); adding or removing a key (e.g. a new ``low``) goes
through ruamel.yaml's round-trip dump, which keeps comments, quotes and key order. The result is
always re-parsed and checked against the intended data, and :func:`edited_scenario` re-validates it
with the same loader as a file on disk, so an edit is only ever accepted under the same rules.

No Streamlit here: the app calls these functions.
"""

from __future__ import annotations

import copy
import io
import math
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from ..errors import AssumptionError, Problem
from ..formatting import fy_label
from .loading import Overrides, Scenario, scenario_from_parsed
from .models import Proposal
from .registry import Setting, id_path, index_path, settings
from .yamlio import _MISSING, ParsedYaml, Pos, locate, parse_yaml, to_plain, value_at

DELETE = None
"""Edit value meaning "remove this key" (only for optional keys such as ``low``/``high``)."""

_TOKEN = re.compile(r"[^\s,\]}#]+")
_SIMPLE_STR = re.compile(r"^[a-z][a-z0-9_]*$")


# ---------------------------------------------------------------------------------------------
# What can be edited
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EditableQuantity:
    """One key input of a proposal as the editor shows it.

    Attributes
    ----------
    path : str
        Dotted path of the quantity by id (``outcomes.first_time_entrants.effect``, see
        :mod:`costmodel.inputs.registry`); its value is at ``path + '.value'``.
    group : str
        Where it belongs ("Prevention costs" or the outcome's label).
    label : str
        What it is, in words.
    value, low, high : float | int | None
        The central value and the plausible range, in ``unit``.
    unit : str
        The file's unit (fraction, years, GBP_per_year...).
    integer : bool
        True when the value must be a whole number (years).
    provenance : str
        ``source: <id>`` or ``assumption: <reason>``.
    """

    path: str
    group: str
    label: str
    value: float | int
    low: float | int | None
    high: float | int | None
    unit: str
    integer: bool
    provenance: str


APPRAISAL_FIELDS: tuple[str, ...] = ("horizon_years", "firm_budget_years", "discount_schedule", "first_year")

GROUPS = {"prevention_costs": "Prevention costs"}
"""Edit-page group of a top-level list whose rows share one table (otherwise each row is a group)."""


def _provenance(q: Any) -> str:
    if getattr(q, "source", None):
        return f"source: {q.source}"
    return f"assumption: {q.assumption}"


def _group_and_label(s: Setting, unit_costs: Mapping[str, Any] | None = None) -> tuple[str, str]:
    """The Edit page's group (a table) and row label of a registered quantity."""
    top = s.entry.template.split(".")[0]
    rows = list(s.rows)
    group = GROUPS.get(top) or str(getattr(rows.pop(0), "label", top))
    named = [str(r.label) for r in rows if getattr(r, "label", None)]
    # a row without a label (an outcome's use of a unit cost) is named by the unit cost's label when the
    # resolved unit costs are given, else by its id, after the words
    row_id = s.path.split(".")[-2]
    used = (unit_costs or {}).get(row_id)
    unnamed = [str(getattr(used, "label", row_id))] if rows and not getattr(rows[-1], "label", None) else []
    label = ": ".join([*named, s.entry.label, *unnamed])
    year = getattr(s.quantity, "price_year", None)
    if year is not None:
        label += f" ({fy_label(year)} prices)"
    elif getattr(s.quantity, "prices", None) == "nominal":
        label += " (cash of each year)"
    return group, label


def editable_quantities(
    proposal: Proposal, unit_costs: Mapping[str, Any] | None = None
) -> list[EditableQuantity]:
    """The key inputs of a proposal: every quantity the input registry marks editable
    (:mod:`costmodel.inputs.registry`), in its order: prevention cost amounts, then per outcome the
    cohort, rates, effect, lag, persistence, additionality, cashable share and delay, and the units of
    each unit cost per event. Paths are by id (``outcomes.first_time_entrants.effect``). With
    ``unit_costs`` (the scenario's resolved ones), a per-event row is labelled with the unit cost's label."""
    out: list[EditableQuantity] = []
    for s in settings(proposal):
        if not s.entry.editable:
            continue
        q = s.quantity
        group, label = _group_and_label(s, unit_costs)
        out.append(
            EditableQuantity(
                s.path, group, label, q.value, q.low, q.high, q.unit, s.entry.integer, _provenance(q)
            )
        )
    return out


# ---------------------------------------------------------------------------------------------
# Applying edits
# ---------------------------------------------------------------------------------------------


def _yaml() -> YAML:
    y = YAML(typ="rt", pure=True)
    y.preserve_quotes = True
    y.width = 4096
    y.indent(mapping=2, sequence=4, offset=2)
    return y


def _parts(path: str) -> list[str | int]:
    return [int(p) if p.isdigit() else p for p in path.split(".")]


def normalise_value(value: Any) -> Any:
    """Numbers as the file should hold them: whole floats become ints (``2.0`` -> ``2``); NaN and
    infinity are refused (they would never pass validation, and YAML would write ``.nan``)."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if hasattr(value, "item"):  # numpy scalar
        value = value.item()
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("must be a finite number")
        if value.is_integer() and abs(value) < 1e15:
            return int(value)
    return value


def _scalar_text(value: Any) -> str | None:
    """The YAML text for a simple scalar, or None when it needs the full dumper."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        text = repr(value)
        return text if re.fullmatch(r"-?\d+\.\d+(e[-+]?\d+)?", text) else None
    if isinstance(value, str) and _SIMPLE_STR.match(value):
        return value
    return None


def _set(tree: CommentedMap, parts: list[str | int], value: Any) -> tuple[int, int] | None:
    """Set ``value`` at ``parts`` in ``tree``; return the (0-based) position of the replaced scalar,
    or None when a key was added or removed (no in-place text splice is possible)."""
    node: Any = tree
    for p in parts[:-1]:
        if (
            isinstance(node, CommentedMap)
            and p in node
            or isinstance(node, CommentedSeq)
            and isinstance(p, int)
            and 0 <= p < len(node)
        ):
            node = node[p]
        else:
            raise KeyError(".".join(str(x) for x in parts))
    last = parts[-1]
    if isinstance(node, CommentedMap):
        if value is DELETE:
            if last in node:
                del node[last]
            return None
        if last in node and not isinstance(node[last], (CommentedMap, CommentedSeq)):
            line, col = node.lc.value(last)
            node[last] = value
            return line, col
        node[last] = value
        return None
    if isinstance(node, CommentedSeq) and isinstance(last, int) and 0 <= last < len(node):
        line, col = node.lc.item(last)
        node[last] = value
        return line, col
    raise KeyError(".".join(str(x) for x in parts))


def _splice(text: str, replacements: list[tuple[int, int, str]]) -> str | None:
    lines = text.splitlines(keepends=True)
    for line, col, new in sorted(replacements, reverse=True):
        if line >= len(lines):
            return None
        src = lines[line]
        m = _TOKEN.match(src, col)
        if m is None or m.start() != col or src[col] in "\"'":
            return None
        lines[line] = src[:col] + new + src[m.end() :]
    return "".join(lines)


def _apply(text: str, edits: Mapping[str, Any], name: str) -> tuple[str | None, Any, str]:
    """(spliced text or None, intended plain data, dumped text or "")."""
    parse_yaml(text, name)  # the safe parser first: file:line:col for any problem, no deep nesting
    y = _yaml()
    tree = y.load(text)
    if not isinstance(tree, CommentedMap):  # pragma: no cover - parse_yaml refused it
        raise AssumptionError.single(name, "expected a YAML mapping (key: value lines) at the top")
    replacements: list[tuple[int, int, str]] = []
    needs_dump = False
    for path, raw in edits.items():
        value = normalise_value(raw)
        try:
            pos = _set(tree, _parts(index_path(tree, path)), value)
        except KeyError:
            raise AssumptionError.single(name, "no such field in this file", field=path) from None
        scalar = _scalar_text(value)
        if pos is None or scalar is None:
            needs_dump = True
        else:
            replacements.append((pos[0], pos[1], scalar))
    wanted = to_plain(tree)
    spliced = None if needs_dump else _splice(text, replacements)
    buf = io.StringIO()
    if spliced is None:
        y.dump(tree, buf)
    return spliced, wanted, buf.getvalue()


def _spliced_in_place(parsed: ParsedYaml, edits: Mapping[str, Any], name: str) -> ParsedYaml | None:
    """The parsed text with ``edits`` written over existing plain scalars, located by the safe parser's
    positions (no ruamel round-trip tree, which costs most of an edit's time), or None when an edit adds
    or removes a key, needs the dumper, or the spliced text does not read back as the edited data (then
    :func:`_apply`'s round trip decides, as before)."""
    if not isinstance(parsed.tree, Pos):
        return None
    wanted = copy.deepcopy(parsed.data)
    replacements: list[tuple[int, int, str]] = []
    for path, raw in edits.items():
        try:
            value = normalise_value(raw)
        except ValueError:
            return None
        scalar = _scalar_text(value)
        if scalar is None:
            return None
        parts = _parts(index_path(parsed.data, path))
        node: Any = wanted
        parent: Any = None
        pos: Any = parsed.tree
        for part in parts:
            if not isinstance(pos, Pos):
                return None
            in_mapping = isinstance(node, dict) and part in node and part in pos.kids
            in_list = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node) == len(pos.kids)
            if not (in_mapping or in_list):
                return None
            parent, node, pos = node, node[part], pos.kids[part]
        if isinstance(pos, Pos) or isinstance(node, (dict, list)):
            return None  # a mapping or list: only the round trip can replace it
        parent[parts[-1]] = value
        replacements.append((pos[0], pos[1], scalar))
    spliced = _splice(parsed.text, replacements)
    if spliced is None:
        return None
    try:
        candidate = parse_yaml(spliced, name)
    except AssumptionError:
        return None
    return candidate if candidate.data == wanted else None


def _dumped(text: str, edits: Mapping[str, Any], name: str) -> str:
    y = _yaml()
    tree = y.load(text)
    for path, raw in edits.items():
        _set(tree, _parts(index_path(tree, path)), normalise_value(raw))
    buf = io.StringIO()
    y.dump(tree, buf)
    return buf.getvalue()


def apply_edits(text: str, edits: Mapping[str, Any], name: str = "<proposal>") -> str:
    """Write ``edits`` (dotted path -> value; :data:`DELETE` removes an optional key) into the YAML
    ``text``, keeping its comments, quotes and layout. Raises :class:`AssumptionError` if the text
    does not parse or a path does not exist."""
    if not edits:
        return text
    spliced, wanted, dumped = _apply(text, edits, name)
    if spliced is not None:
        try:
            if to_plain(_yaml().load(spliced)) == wanted:
                return spliced
        except Exception:  # noqa: BLE001 - any doubt: fall back to the dumper
            pass
        return _dumped(text, edits, name)
    return dumped


def edited_scenario(
    name: str,
    text: str,
    edits: Mapping[str, Any],
    *,
    library_dir: str | None = None,
    overrides: Overrides | None = None,
    allowed_libraries: Collection[str] | None = None,
) -> tuple[str, Scenario]:
    """Apply ``edits`` to a proposal's text and validate the result with the loader.

    Returns the new text and its :class:`Scenario`; raises :class:`AssumptionError` (with
    ``file:line: field: rule`` problems pointing into the *edited* text) if an edit breaks a rule.
    """
    if not edits:
        return text, scenario_from_parsed(
            parse_yaml(text, name), overrides, library_dir=library_dir, allowed_libraries=allowed_libraries
        )
    parsed = _spliced_in_place(parse_yaml(text, name), edits, name)
    if parsed is not None:  # every edit replaced a plain scalar in place: no round-trip tree needed
        return parsed.text, scenario_from_parsed(
            parsed, overrides, library_dir=library_dir, allowed_libraries=allowed_libraries
        )
    spliced, wanted, dumped = _apply(text, edits, name)
    if spliced is not None:
        try:
            candidate = parse_yaml(spliced, name)
            if candidate.data == wanted:
                parsed = candidate
        except AssumptionError:
            parsed = None
    if parsed is None:
        parsed = parse_yaml(dumped or _dumped(text, edits, name), name)
    return parsed.text, scenario_from_parsed(
        parsed, overrides, library_dir=library_dir, allowed_libraries=allowed_libraries
    )


def problems_by_path(
    problems: tuple[Problem, ...] | list[Problem], paths: list[str], data: Any = None
) -> dict[str, list[str]]:
    """Assign each problem to the edited field(s) it concerns.

    A problem on ``outcomes.0.effect`` (e.g. "value must not exceed high") belongs to every edited
    path under it; a problem on ``outcomes.0.effect.value`` to that path and to its quantity. With
    ``data`` (the proposal), a problem's position path also matches edits by id
    (``outcomes.first_time_entrants.effect.value``). Problems that match no path are returned under
    the key ``""``.
    """
    out: dict[str, list[str]] = {}
    for p in problems:
        hit = False
        fields = {p.field, id_path(data, p.field)} if data is not None and p.field else {p.field}
        for path in paths:
            if p.field and any(
                path == f or path.startswith(f + ".") or f.startswith(path + ".") for f in fields
            ):
                out.setdefault(path, []).append(p.message)
                hit = True
        if not hit:
            out.setdefault("", []).append(str(p))
    return out


# ---------------------------------------------------------------------------------------------
# Comments that an edit made false
# ---------------------------------------------------------------------------------------------

_YEAR_COMMENTS = {
    "appraisal.first_year": lambda y: f"{fy_label(y)} is year 0 (undiscounted)",
    "appraisal.price_base_year": lambda y: f"{fy_label(y)} prices",
}


def _comment_start(line: str) -> int | None:
    """Where a line's comment starts (a ``#`` after whitespace, outside quotes), or None."""
    quote = None
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1] in " \t"):
            return i
    return None


def _shown(value: Any) -> str:
    return "empty" if value is None else str(normalise_value(value))


def note_edits_in_comments(
    original: str, edited: str, edits: Mapping[str, Any], name: str = "<proposal>"
) -> str:
    """``edited`` (``original`` with ``edits`` applied) with the comment at the end of each edited line
    saying what changed: a comment the new value may have made false is replaced, not kept
    ("# 2027-28 is year 0" after first_year became 2028 reads "# 2028-29 is year 0 (undiscounted);
    edited, was 2027"); a line without one gets "# edited, was 0.14". The data are unchanged (checked:
    any doubt returns ``edited`` as it is).

    >>> text = "appraisal:\\n  first_year: 2027   # 2027-28 is year 0 (undiscounted)\\n  horizon_years: 10\\n"
    >>> edited = apply_edits(text, {"appraisal.first_year": 2028, "appraisal.horizon_years": 12})
    >>> print(note_edits_in_comments(text, edited, {"appraisal.first_year": 2028, "appraisal.horizon_years": 12}))
    appraisal:
      first_year: 2028  # 2028-29 is year 0 (undiscounted); edited, was 2027
      horizon_years: 12  # edited, was 10
    <BLANKLINE>
    """
    try:
        before = parse_yaml(original, name)
        after = parse_yaml(edited, name)
    except AssumptionError:
        return edited
    notes: dict[int, list[str]] = {}
    for path, new in edits.items():
        if new is DELETE:
            continue
        parts = _parts(index_path(after.data, path))
        line, _ = locate(after.tree, parts)
        old = value_at(before.data, _parts(index_path(before.data, path)))
        if line is None or old is _MISSING or old == new:
            continue
        key = str(parts[-1])
        what = (
            ""
            if key in ("value", "first_year", "price_base_year", "horizon_years") or not isinstance(key, str)
            else f"{key} "
        )
        described = _YEAR_COMMENTS.get(path)
        text = f"{described(int(new))}; " if described and isinstance(new, int | float) else ""
        notes.setdefault(line - 1, []).append(f"{text}edited, {what}was {_shown(old)}")
    if not notes:
        return edited
    lines = edited.splitlines(keepends=True)
    for i, msgs in notes.items():
        if i >= len(lines):
            return edited
        body = lines[i].rstrip("\r\n")
        ending = lines[i][len(body) :]
        start = _comment_start(body)
        code = (body if start is None else body[:start]).rstrip()
        lines[i] = f"{code}  # {'; '.join(msgs)}{ending or chr(10)}"
    out = "".join(lines)
    try:
        return out if parse_yaml(out, name).data == after.data else edited
    except AssumptionError:
        return edited
