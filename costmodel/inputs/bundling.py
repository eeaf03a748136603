"""A proposal file that stands alone: the unit-cost library values it uses written into it.

A proposal names its library (``unit_cost_library: ../unit_costs.yaml``) and only works beside it.
:func:`self_contained` returns the proposal's text with that line turned into a comment and the
library's agencies, sources and unit costs that the proposal uses appended to the proposal's own lists
(with the library's comments on them), so the file validates and gives the same figures anywhere.

Library values can then be edited like the proposal's own (:data:`LIBRARY_EDIT_PREFIX` paths:
``unit_costs.arrest_detained.bearers.0.value``): :func:`bundle_for_edits` bundles a text exactly when
some edit needs it.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from ..errors import AssumptionError
from .loading import Scenario
from .yamlio import parse_yaml, read_text, to_plain

LIBRARY_EDIT_PREFIX = "unit_costs."
"""Edit paths that address a unit cost (the proposal's own, or the library's once bundled)."""

BUNDLED_LISTS = ("agencies", "sources", "unit_costs")
_LIBRARY_LINE = re.compile(r"^unit_cost_library:[^\n]*$", re.MULTILINE)


def _yaml() -> Any:
    from .editing import _yaml as round_trip

    return round_trip()


def _ids(items: Any) -> set[str]:
    return {str(item.get("id")) for item in items or () if isinstance(item, Mapping)}


def _items_text(key: str, items: list[Any]) -> str:
    """The block-style YAML of ``items`` as entries of a top-level list (without the ``key:`` line)."""
    y = _yaml()
    seq = CommentedSeq(items)
    buf = io.StringIO()
    y.dump(CommentedMap([(key, seq)]), buf)
    return buf.getvalue().split("\n", 1)[1]


def _top_level_block(lines: list[str], key: str) -> tuple[int, int] | None:
    """(line of ``key:``, line after its block's last content line) for a top-level key, or None."""
    start = next((i for i, ln in enumerate(lines) if ln.startswith(f"{key}:")), None)
    if start is None:
        return None
    end = next(
        (i for i in range(start + 1, len(lines)) if lines[i][:1] not in ("", " ", "#", "\n", "\t")),
        len(lines),
    )
    while end > start + 1 and (not lines[end - 1].strip() or lines[end - 1].lstrip().startswith("#")):
        end -= 1  # comments just above the next key belong to that key
    return start, end


def _appended(text: str, extra: dict[str, list[Any]]) -> str:
    """``text`` with each list of ``extra`` appended to its top-level list (added at the end if none)."""
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    for key, items in extra.items():
        block = _items_text(key, items)
        found = _top_level_block(lines, key)
        if found is None:
            lines += [f"{key}:\n", block]
            continue
        start, end = found
        value = lines[start].split(":", 1)[1].split("#")[0].strip()
        if value in ("", "[]"):  # a block list (or an empty flow list): the items go after its last one
            if value == "[]":
                lines[start] = f"{key}:\n"
            lines.insert(end, block)
        else:  # pragma: no cover - a non-empty flow list: left to the round trip
            raise ValueError(key)
    return "".join(lines)


def self_contained(text: str, scenario: Scenario, name: str = "<proposal>") -> str:
    """``text`` (a proposal whose resolved form is ``scenario``) with the library values it uses bundled
    in; the text unchanged when it names no library.

    Only what the proposal uses is copied: the budget holders it reports, the unit costs its outcomes
    use and the sources those cite, each with its comments; the proposal's own lines are left as they
    are. Raises :class:`AssumptionError` if the library cannot be read.
    """
    if scenario.library_path is None:
        return text
    library = _yaml().load(read_text(scenario.library_path))
    wanted = {
        "agencies": {a.id for a in scenario.agencies},
        "sources": set(scenario.sources),
        "unit_costs": set(scenario.unit_costs),
    }
    data = parse_yaml(text, name).data
    extra: dict[str, list[Any]] = {}
    for key in BUNDLED_LISTS:
        own = _ids(data.get(key))
        items = [
            item
            for item in (library.get(key) or ())
            if isinstance(item, Mapping) and item.get("id") in wanted[key] and item.get("id") not in own
        ]
        if items:
            extra[key] = items
    note = (
        "the budget holders, sources and unit costs this proposal uses from it are bundled at the end of "
        "their lists below, so this file stands alone"
    )
    # null: no library (leaving the key out would mean the default library, ../unit_costs.yaml)
    if _LIBRARY_LINE.search(text):
        marked = _LIBRARY_LINE.sub(
            lambda m: (
                f"unit_cost_library: null  # was {m.group(0).split(':', 1)[1].split('#')[0].strip()}; {note}"
            ),
            text,
            count=1,
        )
    else:
        marked = (
            text.rstrip("\n")
            + f"\n# the default unit-cost library, ../unit_costs.yaml: {note}\nunit_cost_library: null\n"
        )
    expected = dict(data) | {"unit_cost_library": None}
    for key, items in extra.items():
        expected[key] = list(data.get(key) or []) + [to_plain(item) for item in items]
    try:
        out = _appended(marked, extra)
        if parse_yaml(out, name).data == expected:
            return out
    except (ValueError, AssumptionError):
        pass
    return _round_trip(marked, extra, name)  # any doubt: ruamel's round trip (reflows some lines)


def _round_trip(text: str, extra: dict[str, list[Any]], name: str) -> str:
    y = _yaml()
    tree = y.load(text)
    if not isinstance(tree, CommentedMap):  # pragma: no cover - a proposal is a mapping
        raise AssumptionError.single(name, "expected a YAML mapping (key: value lines) at the top")
    for key, items in extra.items():
        if not isinstance(tree.get(key), CommentedSeq):
            tree[key] = CommentedSeq()
        tree[key].extend(items)
    buf = io.StringIO()
    y.dump(tree, buf)
    out = buf.getvalue()
    parse_yaml(out, name)  # the safe parser accepts what was written
    return out


def needs_bundle(edits: Mapping[str, Any], scenario: Scenario) -> bool:
    """True when some edit addresses a unit cost and the proposal still takes unit costs from a library."""
    return scenario.library_path is not None and any(p.startswith(LIBRARY_EDIT_PREFIX) for p in edits)


def bundle_for_edits(
    text: str, edits: Mapping[str, Any], scenario: Scenario, name: str = "<proposal>"
) -> str:
    """``text`` bundled (:func:`self_contained`) when ``edits`` change a unit cost, else unchanged."""
    return self_contained(text, scenario, name) if needs_bundle(edits, scenario) else text
