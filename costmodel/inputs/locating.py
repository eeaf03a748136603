"""Locate a problem found after loading (in the Monte Carlo, the tornado, a switching value) at the
line of the proposal file that holds the input, so that it is reported like any other bad input:
``file:line:col: field: rule``.

Inputs are named by id paths (``outcomes.first_time_entrants.effect``, stable when rows are
reordered); the file is addressed by index paths (``outcomes.0.effect``). This module maps one to
the other.
"""

from __future__ import annotations

from typing import Any

from ..errors import AssumptionError, Problem
from .loading import Scenario
from .yamlio import dotted, locate

_ID_LISTS = ("outcomes", "prevention_costs", "closure_costs", "unit_costs", "responsibility_charges")


def index_path(scenario: Scenario, input_id: str) -> tuple[Any, ...]:
    """``outcomes.first_time_entrants.effect`` -> ``("outcomes", 0, "effect")`` in the proposal file.

    A unit cost from the library, or the discount rate, is placed at the proposal's key that brings
    it in (``unit_cost_library``, ``appraisal.discount_schedule``).
    """
    parts = input_id.split(".")
    if parts[:2] == ["appraisal", "discount_rate"]:
        return ("appraisal", "discount_schedule")
    data = scenario.proposal
    loc: list[Any] = []
    node: Any = data
    i = 0
    while i < len(parts):
        part = parts[i]
        items = getattr(node, part, None) if not isinstance(node, list) else None
        if isinstance(items, list) and part in _ID_LISTS and i + 1 < len(parts):
            wanted = parts[i + 1]
            for j, item in enumerate(items):
                if getattr(item, "id", None) == wanted or getattr(item, "unit_cost", None) == wanted:
                    loc += [part, j]
                    node = item
                    break
            else:  # not in this file (a library unit cost)
                return ("unit_cost_library",) if part == "unit_costs" and not loc else tuple(loc)
            i += 2
            continue
        if items is None:
            break
        loc.append(part)
        node = items
        i += 1
    return tuple(loc)


def input_problem(scenario: Scenario, input_id: str, message: str) -> Problem:
    """A :class:`Problem` at the file position of the input ``input_id``."""
    loc = index_path(scenario, input_id)
    line, col = locate(scenario.positions, loc)
    return Problem(scenario.path, line, col, dotted(loc), message)


def input_error(scenario: Scenario, input_id: str, message: str) -> AssumptionError:
    return AssumptionError([input_problem(scenario, input_id, message)])
