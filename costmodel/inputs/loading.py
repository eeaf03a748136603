"""Load assumption files into a resolved :class:`Scenario`: proposal + unit-cost library + reference data.

Every reference is checked (agencies, sources, unit costs, discount schedule, deflator, price
years), and every problem in every file is reported at once, as ``file:line:col: field: rule``.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from itertools import combinations
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from ..errors import AssumptionError, InputFileError, Problem, UsageError
from .models import (
    Agency,
    Deflator,
    DiscountSchedule,
    FileDeflator,
    Proposal,
    ReferenceData,
    Source,
    UnitCost,
    UnitCostLibrary,
)
from .registry import Entry, drawn, entry, id_path, index_path, settings, template_of
from .yamlio import ParsedYaml, dotted, locate, parse_yaml, problems_from_validation, read_text

REFERENCE_PATH = Path(__file__).parent.parent / "data" / "reference.yaml"
M = TypeVar("M", bound=BaseModel)


Edits = Mapping[str, Any]
"""A scenario is a base file plus edits: input path (by id, :mod:`costmodel.inputs.registry`) -> value,
e.g. ``{"appraisal.horizon_years": 15, "appraisal.discount_rate": 0.03,
"outcomes.first_time_entrants.effect": 0.2}``."""


@dataclass(frozen=True)
class Overrides:
    """The usual appraisal overrides, written as :data:`Edits` by :meth:`edits` (a convenience: any
    ``Edits`` mapping is accepted wherever an ``Overrides`` is)."""

    horizon_years: int | None = None
    firm_budget_years: int | None = None
    discount_schedule: str | None = None
    discount_rate: float | None = None  # a constant rate [fraction] instead of a schedule

    def edits(self) -> dict[str, Any]:
        names = ("horizon_years", "firm_budget_years", "discount_schedule", "discount_rate")
        return {f"appraisal.{n}": getattr(self, n) for n in names if getattr(self, n) is not None}


@dataclass(frozen=True)
class Scenario:
    """A proposal with every reference resolved: what the engine appraises.

    Attributes
    ----------
    proposal : Proposal
    agencies : tuple[Agency, ...]
        Budget holders in the order they are reported (payers first, then bearers).
    sources : dict[str, Source]
        Every source the proposal and the unit costs it uses cite.
    unit_costs : dict[str, UnitCost]
        The unit costs the proposal uses.
    schedule : DiscountSchedule
    deflator : Deflator
    path : str
        The proposal file as named by the user.
    notes : tuple[str, ...]
        Things the user should know that are not errors (e.g. costs beyond the horizon).
    """

    proposal: Proposal
    agencies: tuple[Agency, ...]
    sources: dict[str, Source]
    unit_costs: dict[str, UnitCost]
    schedule: DiscountSchedule
    deflator: Deflator
    path: str = "<memory>"
    library_path: str | None = None
    notes: tuple[str, ...] = field(default=())
    scenario_name: str | None = None  # the named scenario applied, if any
    positions: Any = field(default=None, compare=False, repr=False)
    """Where each key and value is in the proposal file (:class:`yamlio.Pos`), to locate problems found
    after loading (e.g. a range whose draws overflow)."""

    @property
    def inputs_sha256(self) -> str:
        """SHA-256 of the resolved inputs (canonical JSON), so a figure can be traced to its exact assumptions."""
        proposal = self.proposal.model_dump(mode="json")
        if proposal["appraisal"].get("discount_rate") is None:  # added later: unset, it keeps old hashes
            proposal["appraisal"].pop("discount_rate", None)
        if not proposal.get("closure_costs"):  # added later (issue 12): unset, they keep old hashes
            proposal.pop("closure_costs", None)
        for line in proposal.get("prevention_costs", []):
            if line.get("release_profile") is None:
                line.pop("release_profile", None)
        if not proposal.get("correlations"):  # added later: none declared, it keeps old hashes
            proposal.pop("correlations", None)
        if not proposal.get("unmonetised"):  # added with the value layers: unset, it keeps old hashes
            proposal.pop("unmonetised", None)
        # named scenarios are choices of values, not values in use: the values in use are hashed
        proposal.pop("scenarios", None)
        # off: the figures before optimism bias, as before the switch existed (the hash too); apply (the
        # default): the optimism-bias table the figures rest on is hashed below
        risk_adjusted = proposal["appraisal"].pop("optimism_bias", "apply") == "apply"
        for uc in proposal.get("unit_costs", []):
            _drop_unset_layers(uc)
        for line in proposal.get("savings", []):  # the default layer keeps old hashes
            if line.get("layer") == "fiscal":
                line.pop("layer")
        payload = {
            "proposal": proposal,
            "agencies": [a.model_dump(mode="json") for a in self.agencies],
            "sources": {k: v.model_dump(mode="json") for k, v in sorted(self.sources.items())},
            "unit_costs": {
                k: _drop_unset_layers(v.model_dump(mode="json")) for k, v in sorted(self.unit_costs.items())
            },
            "discount_schedule": self.schedule.model_dump(mode="json"),
            "deflator": self.deflator.model_dump(mode="json"),
        }
        measures = sorted({uc.wellbeing.measure for uc in self.unit_costs.values() if uc.wellbeing is not None})
        if measures:  # the Green Book values (and health schedule) the wellbeing figures rest on
            ref = load_reference()
            payload["appraisal_values"] = [v.model_dump(mode="json") for v in ref.appraisal_values if v.id in measures]
        if risk_adjusted:
            payload["optimism_table_sha256"] = optimism_table_sha256()
        blob = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()


OPTIMISM_TABLE_PATH = Path(__file__).parent.parent / "data" / "optimism_bias.yaml"
"""The shipped optimism-bias table (read by :mod:`costmodel.inputs.optimism_table`)."""


@lru_cache(maxsize=1)
def optimism_table_sha256() -> str:
    """SHA-256 of the shipped optimism-bias table's bytes: the risk-adjusted figures rest on it."""
    return hashlib.sha256(OPTIMISM_TABLE_PATH.read_bytes()).hexdigest()


def _drop_unset_layers(unit_cost: dict[str, Any]) -> dict[str, Any]:
    """A unit cost's dump without value-layer keys it does not use (so inputs hash as before them)."""
    for key in ("economic", "social", "wellbeing"):
        if not unit_cost.get(key):
            unit_cost.pop(key, None)
    return unit_cost


# ---------------------------------------------------------------------------------------------
# Parsing + model validation
# ---------------------------------------------------------------------------------------------


def _validate(parsed: ParsedYaml, model: type[M]) -> M:
    try:
        return model.model_validate(parsed.data)
    except ValidationError as exc:
        raise AssumptionError(problems_from_validation(parsed, exc.errors(include_url=False))) from None


def parse_file(path: str | os.PathLike[str]) -> ParsedYaml:
    name = os.fspath(path)
    return parse_yaml(read_text(name), name)


@lru_cache(maxsize=4)
def _reference_cached(mtime_ns: int) -> tuple[ReferenceData, ParsedYaml]:
    parsed = parse_file(REFERENCE_PATH)
    return _validate(parsed, ReferenceData), parsed


def load_reference() -> ReferenceData:
    """The shipped discount schedules and deflators (``costmodel/data/reference.yaml``)."""
    return _reference_cached(REFERENCE_PATH.stat().st_mtime_ns)[0]


def load_library(path: str | os.PathLike[str]) -> UnitCostLibrary:
    """Load and check a unit-cost library file on its own (every internal reference resolved)."""
    parsed = parse_file(path)
    lib = _validate(parsed, UnitCostLibrary)
    problems = _check_library(lib, parsed)
    if problems:
        raise AssumptionError(problems)
    return lib


def kind_of_file(parsed: ParsedYaml) -> str:
    """'proposal' or 'library', from the file's top-level keys."""
    data = parsed.data
    if (
        isinstance(data, dict)
        and "unit_costs" in data
        and "prevention_costs" not in data
        and "kind" not in data
    ):
        return "library"
    return "proposal"


def load_proposal(
    path: str | os.PathLike[str],
    overrides: Overrides | Edits | None = None,
    *,
    text: str | None = None,
    scenario: str | None = None,
) -> Scenario:
    """Load a proposal file and everything it references into a :class:`Scenario`.

    Parameters
    ----------
    path : path-like
        The proposal file (used in messages and to find the unit-cost library).
    overrides : Edits or Overrides, optional
        Edits on top of the file: input path (by id) -> value, e.g. ``{"appraisal.horizon_years": 15}``
        (see :func:`edit_proposal`).
    text : str, optional
        The file's content, if already in memory (e.g. an upload); ``path`` is then only a name.
    scenario : str, optional
        A named scenario of the file (its ``scenarios`` block) applied before ``overrides``.
    """
    name = os.fspath(path)
    parsed = parse_yaml(text, name) if text is not None else parse_file(name)
    return scenario_from_parsed(parsed, overrides, scenario=scenario)


def scenario_from_parsed(
    parsed: ParsedYaml,
    overrides: Overrides | Edits | None = None,
    *,
    library_dir: str | None = None,
    allowed_libraries: Collection[str] | None = None,
    scenario: str | None = None,
) -> Scenario:
    """Resolve a parsed proposal into a :class:`Scenario`.

    ``scenario``: a named scenario of the file, whose edits apply before ``overrides``. Every named
    scenario is checked whether chosen or not (a path that is not an input is located at its line).

    ``library_dir``: the folder ``unit_cost_library`` is relative to (default: the proposal's).
    ``allowed_libraries``: when given (the app), the only library files the proposal may use; any
    other path (absolute, ``..`` out of the folder, a link elsewhere) is refused without being read.
    """
    proposal = _validate(parsed, Proposal)
    lib, lib_parsed = None, None
    if proposal.unit_cost_library:
        lib_path = _library_path(parsed, proposal.unit_cost_library, library_dir, allowed_libraries)
        lib, lib_parsed = _library_for(parsed, lib_path)
    edits = overrides.edits() if isinstance(overrides, Overrides) else dict(overrides or {})
    _check_named_scenarios(proposal, parsed)
    if scenario is not None:
        edits = {**scenario_edits(proposal, scenario), **edits}
    if edits:
        proposal = edit_proposal(proposal, edits)
    resolved = _resolve(proposal, parsed, lib, lib_parsed)
    if scenario is None:
        return resolved
    named = proposal.scenarios[scenario]
    note = f"Scenario '{scenario}': {len(named.edits)} edit{'' if len(named.edits) == 1 else 's'} to the file's values"
    note += f" ({named.description})." if named.description else "."
    return replace(resolved, scenario_name=scenario, notes=(note, *resolved.notes))


def scenario_edits(proposal: Proposal, name: str) -> dict[str, Any]:
    """The edits (path -> value) of the proposal's named scenario ``name``; a :class:`UsageError`
    (field ``scenario``) naming the scenarios there are if it has none of that name."""
    if name not in proposal.scenarios:
        have = ", ".join(proposal.scenarios) or "none"
        near = _close_matches(name, list(proposal.scenarios), n=1)
        hint = f" (did you mean '{near[0]}'?)" if near else ""
        raise UsageError(f"'{name}' is not a scenario of this proposal{hint}; its scenarios: {have}", field="scenario")
    return {path: e.value for path, e in proposal.scenarios[name].edits.items()}


def nearest_input_path(path: str, proposal: Proposal, unit_costs: Collection[str] = ()) -> str | None:
    """The input path of ``proposal`` nearest to ``path`` (for 'did you mean'), or None."""
    known = [s.path for s in settings(proposal)] + [f"unit_costs.{u}" for u in unit_costs]
    known += [f"appraisal.{k}" for k in ("first_year", "horizon_years", "firm_budget_years", "price_base_year")]
    match = _close_matches(path, known, n=1, cutoff=0.6)
    return match[0] if match else None


def _check_named_scenarios(proposal: Proposal, parsed: ParsedYaml) -> None:
    """Every named scenario's edits apply to the file (located at the edit's line if not)."""
    problems = []
    for name, named in proposal.scenarios.items():
        values = {path: e.value for path, e in named.edits.items()}
        try:
            edit_proposal(proposal, values)
        except UsageError as exc:
            at = exc.field if exc.field in values else next((p for p in values if exc.field.startswith(p)), "")
            message = exc.rule
            if "is not" in message and at:
                near = nearest_input_path(at, proposal)
                message += f" (did you mean '{near}'?)" if near else ""
            loc = ("scenarios", name, "edits", at) if at else ("scenarios", name)
            problems.append(_problem(parsed, parsed.path, loc, message if at else f"{exc.field}: {message}"))
    if problems:
        raise AssumptionError(problems)


def _library_problem(parsed: ParsedYaml, message: str) -> AssumptionError:
    """A problem with the library reference, at the proposal's ``unit_cost_library`` line."""
    line, col = locate(parsed.tree, ("unit_cost_library",))
    return AssumptionError.single(parsed.path, message, field="unit_cost_library", line=line, col=col)


def _library_path(
    parsed: ParsedYaml, ref: str, library_dir: str | None, allowed: Collection[str] | None
) -> str:
    base = library_dir if library_dir is not None else os.path.dirname(parsed.path) or "."
    if allowed is None:  # the command line: any local path the user can read
        return os.path.normpath(os.path.join(base, ref))
    refuse = _library_problem(
        parsed,
        "only the shipped unit-cost library (../unit_costs.yaml) or a library uploaded with the proposal "
        "can be used here",
    )
    if os.path.isabs(ref) or ref.startswith("~") or "\\" in ref:
        raise refuse
    lib_path = os.path.realpath(os.path.join(base, ref))
    if lib_path not in {os.path.realpath(p) for p in allowed}:
        raise refuse
    return lib_path


def _library_for(parsed: ParsedYaml, lib_path: str) -> tuple[UnitCostLibrary, ParsedYaml]:
    """Read, parse and check the library at ``lib_path``; every problem in reaching it is reported at
    the proposal's ``unit_cost_library`` line, and nothing of its content is quoted."""
    shown = lib_path if len(lib_path) <= 80 else "..." + lib_path[-77:]
    try:
        lib_parsed = _library_parsed(lib_path, *_file_stamp(lib_path))
    except InputFileError as exc:
        reason = exc.problems[0].message if exc.problems else "cannot be read"
        if reason == "file not found":
            raise _library_problem(parsed, f"unit-cost library not found at {shown}") from None
        raise _library_problem(parsed, f"the unit-cost library {shown} {_as_clause(reason)}") from None
    if kind_of_file(lib_parsed) != "library":
        raise _library_problem(
            parsed,
            f"points at {shown}, which is a proposal (or not a unit-cost library): name the unit-cost "
            "library file, e.g. ../unit_costs.yaml",
        )
    return _library_validated(lib_path, *_file_stamp(lib_path)), lib_parsed


def _as_clause(reason: str) -> str:
    if reason.startswith(("is ", "cannot ")):
        return reason
    return f"cannot be used: {reason}"


def _file_stamp(path: str) -> tuple[int, int]:
    try:
        st = os.stat(path)
    except OSError:
        return (0, 0)
    return (st.st_mtime_ns, st.st_size)


@lru_cache(maxsize=16)
def _library_parsed(path: str, mtime_ns: int, size: int) -> ParsedYaml:
    """Parse a library once per (path, modification time, size): proposals share it. Nothing of its
    content is quoted in messages (it is not the file the user named)."""
    return parse_yaml(read_text(path), path, quote_values=False)


@lru_cache(maxsize=16)
def _library_validated(path: str, mtime_ns: int, size: int) -> UnitCostLibrary:
    parsed = _library_parsed(path, mtime_ns, size)
    try:
        return UnitCostLibrary.model_validate(parsed.data)
    except ValidationError as exc:
        raise AssumptionError(
            problems_from_validation(parsed, exc.errors(include_url=False), quote_values=False)
        ) from None


def _check_edit(path: str, e: Entry, value: Any, horizon: int) -> None:
    """Refuse a value outside the registry's domain, naming the field (never a CLI flag)."""
    if e.unit == "id":
        if not isinstance(value, str):
            raise UsageError(f"must be an id (got {value!r})", field=path)
        return
    if value is None and e.optional:
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise UsageError(f"must be a number (got {value!r})", field=path)
    if e.integer and not float(value).is_integer():
        raise UsageError(f"must be a whole number (got {value!r})", field=path)
    low, high = e.domain_low, e.high(horizon)
    if not low <= value <= high:  # NaN fails too
        unit = " years" if e.unit == "years" else ""
        raise UsageError(f"must be between {low:g} and {high:g}{unit} (got {value:g})", field=path)


def edit_proposal(proposal: Proposal, edits: Edits) -> Proposal:
    """The proposal with ``edits`` applied (path by id -> value), checked against the input registry's
    domains and then the model's rules; a refused edit is a :class:`UsageError` naming its path.

    A quantity's path sets its value (``outcomes.fte.effect``, or ``...effect.value``/``.low``/``.high``).
    Appraisal settings follow the usual rules: ``appraisal.discount_rate`` (a constant real rate)
    replaces the schedule and ``appraisal.discount_schedule`` replaces a constant rate; a new horizon
    alone brings the firm-budget years within it.
    """
    data = proposal.model_dump()
    ap = data["appraisal"]
    if "appraisal.horizon_years" in edits and "appraisal.firm_budget_years" not in edits:
        horizon = edits["appraisal.horizon_years"]
        if isinstance(horizon, int) and not isinstance(horizon, bool):
            ap["firm_budget_years"] = max(0, min(ap["firm_budget_years"], horizon))
    order = sorted(edits, key=lambda k: k != "appraisal.horizon_years")  # the horizon bounds the others
    for path in order:
        value = edits[path]
        parts = index_path(data, path).split(".")
        field_name = parts[-1] if parts[-1] in ("value", "low", "high") else None
        template = template_of(path)
        try:
            e = entry(template.rsplit(".", 1)[0] if field_name else template)
        except KeyError:
            raise UsageError(
                "is not an input that can be set (see costmodel.inputs.registry)", field=path
            ) from None
        horizon = ap["horizon_years"]
        _check_edit(path, e, value, horizon)
        node: Any = data
        for part in parts[:-1]:
            if isinstance(node, list) and not (part.isdigit() and int(part) < len(node)):
                raise UsageError("is not in this proposal", field=path)  # an unknown row id
            node = node[int(part)] if isinstance(node, list) else node.get(part)
            if node is None:
                raise UsageError("is not in this proposal", field=path)
        last = parts[-1]
        target = node.get(last) if isinstance(node, dict) else None
        if isinstance(target, dict) and "value" in target:
            node, last = target, "value"
        if not isinstance(node, dict):
            raise UsageError("is not in this proposal", field=path)
        if last == "value" and node.get("derived") is not None and node.get("value") != value:
            node["derived"] = None  # an edited value is no longer what the formula gives
        node[last] = value
        if path == "appraisal.discount_schedule":
            ap["discount_rate"] = None
    try:
        return Proposal.model_validate(data, strict=False)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = id_path(data, ".".join(str(x) for x in first["loc"]))
        raise UsageError(str(first["msg"]).removeprefix("Value error, "), field=where) from None


def constant_schedule(rate: float) -> DiscountSchedule:
    """A single real rate for every year (``appraisal.discount_rate``), as a schedule."""
    return DiscountSchedule(
        id="constant",
        label=f"Constant {rate:.4%} real (user override)",
        bands=[{"from_year": 0, "rate": rate}],  # type: ignore[list-item]
        source="user_override",
        note="A single rate chosen by the user for sensitivity; not a Green Book schedule.",
    )


# ---------------------------------------------------------------------------------------------
# Reference checks
# ---------------------------------------------------------------------------------------------


def walk_mappings(data: Any, loc: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], dict[str, Any]]]:
    """Every mapping nested in parsed YAML or a model dump, depth first, with its location (the
    keys and list indices leading to it)."""
    stack: list[tuple[tuple[Any, ...], Any]] = [(loc, data)]  # iterative: linear time, no recursion limit
    while stack:
        here, node = stack.pop()
        if isinstance(node, dict):
            yield here, node
            children = [((*here, k), v) for k, v in node.items() if isinstance(v, (dict, list))]
        elif isinstance(node, list):
            children = [((*here, i), v) for i, v in enumerate(node) if isinstance(v, (dict, list))]
        else:
            continue
        stack.extend(reversed(children))


def _problem(parsed: ParsedYaml | None, path: str, loc: tuple[Any, ...], message: str) -> Problem:
    line, col = locate(parsed.tree, loc) if parsed is not None else (None, None)
    return Problem(path, line, col, dotted(loc), message)


# the lists of things with ids, in a proposal and in a unit-cost library: (key, what one is called)
_ID_LISTS = (("agencies", "agency"), ("sources", "source"), ("unit_costs", "unit cost"))


def _duplicate_rows(proposal: Proposal, parsed: ParsedYaml, path: str) -> list[Problem]:
    """A cost line or outcome id given twice, or a unit cost used twice by one outcome: inputs are
    addressed by these ids (``outcomes.<id>.effect``, see costmodel.inputs.registry), so each must
    name one row."""
    out = []
    rows: list[tuple[tuple[Any, ...], list[str], str]] = [
        (("prevention_costs",), [c.id for c in proposal.prevention_costs], "cost line id"),
        (("outcomes",), [o.id for o in proposal.outcomes], "outcome id"),
    ]
    # a closure cost is a cost line of the cut: its id must differ from the other cost lines' too
    cost_ids = {c.id: i for i, c in enumerate(proposal.prevention_costs)}
    seen_closure: dict[str, int] = {}
    for i, cc in enumerate(proposal.closure_costs):
        if cc.id in cost_ids:
            clash = (
                f"closure cost id '{cc.id}' is also a cost line id (prevention_costs item {cost_ids[cc.id]}): "
                "give it its own id"
            )
        elif cc.id in seen_closure:
            clash = f"duplicate closure cost id '{cc.id}' (first given as item {seen_closure[cc.id]})"
        else:
            seen_closure[cc.id] = i
            continue
        out.append(_problem(parsed, path, ("closure_costs", i, "id"), clash))
    rows += [
        (("outcomes", k, "unit_costs"), [u.unit_cost for u in o.unit_costs], "unit cost of this outcome")
        for k, o in enumerate(proposal.outcomes)
    ]
    for base, ids, what in rows:
        seen: dict[str, int] = {}
        for i, row_id in enumerate(ids):
            if row_id in seen:
                key = "unit_cost" if base[-1] == "unit_costs" else "id"
                hint = "; give its units per event once" if key == "unit_cost" else ""
                out.append(
                    _problem(
                        parsed,
                        path,
                        (*base, i, key),
                        f"duplicate {what} '{row_id}' (first given as item {seen[row_id]}){hint}",
                    )
                )
            else:
                seen[row_id] = i
    return out


def _duplicate_ids(doc: Proposal | UnitCostLibrary, parsed: ParsedYaml, path: str) -> list[Problem]:
    """An id given twice in one of the document's agencies, sources or unit costs."""
    out = []
    for key, what in _ID_LISTS:
        seen: dict[str, int] = {}
        for i, item in enumerate(getattr(doc, key)):
            if item.id in seen:
                out.append(
                    _problem(
                        parsed,
                        path,
                        (key, i, "id"),
                        f"duplicate {what} id '{item.id}' (first defined as item {seen[item.id]})",
                    )
                )
            else:
                seen[item.id] = i
    return out


def _unknown_bearers(
    unit_costs: list[UnitCost], agencies: Collection[str], parsed: ParsedYaml, path: str, advice: str
) -> list[Problem]:
    """A unit cost borne by an agency not among ``agencies``."""
    return [
        _problem(
            parsed,
            path,
            ("unit_costs", i, "bearers", j, "agency"),
            f"unknown agency '{b.agency}': {advice}",
        )
        for i, uc in enumerate(unit_costs)
        for j, b in enumerate(uc.bearers)
        if b.agency not in agencies
    ]


def _check_sources(parsed: ParsedYaml, known: set[str], skip_top: str = "sources") -> list[Problem]:
    out = []
    for loc, d in walk_mappings(parsed.data):
        if loc and loc[0] == skip_top:
            continue
        ref = d.get("source")
        if isinstance(ref, str) and ref not in known:
            out.append(
                _problem(
                    parsed,
                    parsed.path,
                    (*loc, "source"),
                    f"unknown source '{ref}': add it to 'sources' (title, publisher, year, url, grade)",
                )
            )
    return out


def source_url_problem(url: str) -> str | None:
    """Why a source's address does not locate a document (None when it does): an address with no
    path beyond the domain (``https://example.org`` or ``https://example.org/``) is a homepage."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
    except ValueError:
        return "must be a web address (http or https)"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "must be a web address (http or https)"
    if parts.path.strip("/") == "" and not parts.query:
        return (
            "must locate the document itself, not a homepage: give a path beyond the domain "
            f"(got {url!r})"
        )
    return None


def _check_source_urls(sources: list[Any], parsed: ParsedYaml) -> list[Problem]:
    """One located line per source whose url is a bare domain: ``file:line:col: sources.<id>.url: rule``."""
    out = []
    for i, src in enumerate(sources):
        rule = source_url_problem(src.url)
        if rule is not None:
            line, col = locate(parsed.tree, ("sources", i, "url"))
            out.append(Problem(parsed.path, line, col, f"sources.{src.id}.url", rule))
    return out


def _check_library(
    lib: UnitCostLibrary, parsed: ParsedYaml, extra_agencies: frozenset[str] | set[str] = frozenset()
) -> list[Problem]:
    out = _duplicate_ids(lib, parsed, parsed.path)
    out += _check_source_urls(list(lib.sources), parsed)
    out += _check_sources(parsed, {s.id for s in lib.sources})
    agencies = {a.id for a in lib.agencies} | set(extra_agencies)
    out += _unknown_bearers(lib.unit_costs, agencies, parsed, parsed.path, "add it to 'agencies'")
    ref = load_reference()
    deflator = ref.deflators[0].extended()
    for i, uc in enumerate(lib.unit_costs):
        if uc.price_year not in deflator.index:
            out.append(
                _problem(
                    parsed,
                    parsed.path,
                    ("unit_costs", i, "price_year"),
                    _no_deflator_msg(uc.price_year, deflator),
                )
            )
    return out


def _coverage(deflator: Deflator) -> str:
    lo, hi = min(deflator.index), max(deflator.index)
    return f"'{deflator.id}' covers {lo}-{(lo + 1) % 100:02d} to {hi}-{(hi + 1) % 100:02d}"


def _no_deflator_msg(year: int, deflator: Deflator) -> str:
    lo, hi = min(deflator.index), max(deflator.index)
    return (
        f"no deflator value for price year {year} ({year}-{(year + 1) % 100:02d}) in '{deflator.id}', "
        f"which covers {lo}-{(lo + 1) % 100:02d} to {hi}-{(hi + 1) % 100:02d}"
    )


def _money_price_years(base: tuple[Any, ...], line: Any) -> list[tuple[tuple[Any, ...], int]]:
    """(location, price year) of every real-price figure of a cost or savings line (nominal figures
    are cash of the year spent: those years are checked with the appraisal years)."""
    sub = "amount" if line.amount is not None else "by_year"
    money = line.money
    if money.prices == "nominal":
        return []
    years = getattr(money, "price_years", None)
    if years is not None:
        return [((*base, sub, "price_years", j), y) for j, y in enumerate(years)]
    return [((*base, sub, "price_year"), money.real_price_year)]


def file_deflator(fd: FileDeflator) -> Deflator:
    """A deflator a proposal brings, as a :class:`Deflator` (a constant rate becomes an index)."""
    if fd.index is not None:
        index = dict(fd.index)
        vintage = f"{fd.label} (from the proposal file)"
    else:
        assert fd.inflation is not None and fd.first_year is not None and fd.last_year is not None
        index = {
            y: 100.0 * (1.0 + fd.inflation) ** (y - fd.first_year)
            for y in range(fd.first_year, fd.last_year + 1)
        }
        vintage = f"{fd.label}: constant {fd.inflation:.1%} a year (from the proposal file)"
    return Deflator(
        id=fd.id,
        label=fd.label,
        vintage=vintage,
        base_year=min(index),
        index=index,
        source=fd.source or fd.id,
        note=fd.assumption or fd.note,
    )


def _resolve(
    proposal: Proposal,
    parsed: ParsedYaml,
    lib: UnitCostLibrary | None,
    lib_parsed: ParsedYaml | None,
) -> Scenario:
    path = parsed.path
    problems: list[Problem] = []

    def problem(loc: tuple[Any, ...], message: str) -> None:
        problems.append(_problem(parsed, path, loc, message))

    ref = load_reference()

    lib_agencies = list(lib.agencies) if lib else []
    lib_sources = list(lib.sources) if lib else []
    lib_costs = list(lib.unit_costs) if lib else []
    if lib is not None and lib_parsed is not None:
        problems += _check_library(lib, lib_parsed, {a.id for a in proposal.agencies})

    problems += _duplicate_ids(proposal, parsed, path)
    problems += _check_source_urls(list(proposal.sources), parsed)
    duplicate_rows = _duplicate_rows(proposal, parsed, path)
    problems += duplicate_rows
    for key, what in _ID_LISTS:  # ids the proposal defines again after the library
        library_ids = {item.id for item in getattr(lib, key)} if lib is not None else set()
        for i, item in enumerate(getattr(proposal, key)):
            if item.id in library_ids:
                problem((key, i, "id"), f"{what} '{item.id}' is already defined in the unit-cost library")

    agencies = {a.id: a for a in lib_agencies} | {a.id: a for a in proposal.agencies}
    sources = {s.id: s for s in lib_sources} | {s.id: s for s in proposal.sources}
    unit_costs = {u.id: u for u in lib_costs} | {u.id: u for u in proposal.unit_costs}

    problems += _check_sources(parsed, set(sources))

    schedules = {s.id: s for s in ref.discount_schedules}
    deflators = {d.id: d for d in ref.deflators}
    ap = proposal.appraisal
    schedule = (
        constant_schedule(ap.discount_rate)
        if ap.discount_rate is not None
        else schedules.get(ap.discount_schedule)
    )
    if schedule is None:
        problem(
            ("appraisal", "discount_schedule"),
            f"unknown discount schedule '{ap.discount_schedule}'; choose one of {', '.join(sorted(schedules))}, "
            "or set appraisal.discount_rate (e.g. 0.035) for one constant rate",
        )
    for k, fd in enumerate(proposal.deflators):
        if fd.id in deflators:
            problem(
                ("deflators", k, "id"), f"deflator '{fd.id}' is already a shipped deflator: choose another id"
            )
        else:
            deflators[fd.id] = file_deflator(fd)
    deflator = deflators.get(ap.deflator)
    if deflator is None:
        problem(
            ("appraisal", "deflator"),
            f"unknown deflator '{ap.deflator}'; choose one of {', '.join(sorted(deflators))}",
        )
    else:
        years = range(ap.first_year, ap.first_year + ap.horizon_years)
        deflator = deflator.extended(through=years[-1])
        missing = [y for y in years if y not in deflator.index]
        if missing:
            problem(
                ("appraisal", "first_year"),
                f"the deflator '{deflator.id}' does not cover appraisal year {missing[0]}-{(missing[0] + 1) % 100:02d} "
                f"(cash figures need every year {years[0]}-{(years[0] + 1) % 100:02d} to {years[-1]}-{(years[-1] + 1) % 100:02d}); "
                f"{_coverage(deflator)}",
            )
    if ap.discount_year is not None:
        if ap.discount_year - ap.first_year > ap.horizon_years:
            problem(
                ("appraisal", "discount_year"),
                f"discount_year {ap.discount_year} is more than the {ap.horizon_years}-year horizon after "
                f"first_year {ap.first_year}",
            )
        elif ap.first_year - ap.discount_year > 30:
            problem(
                ("appraisal", "discount_year"),
                f"discount_year {ap.discount_year} is more than 30 years before first_year {ap.first_year} "
                "(the first band of the schedule)",
            )

    used_agencies: list[str] = []
    used_costs: list[str] = []
    horizon = ap.horizon_years
    notes: list[str] = []

    def budget_holder(loc: tuple[Any, ...], agency: str, what: str = "agency") -> None:
        """An agency a line names: reported when it is defined, else the problem of an unknown one."""
        if agency not in agencies:
            problem(loc, f"unknown {what} '{agency}': define it under 'agencies'")
        elif agency not in used_agencies:
            used_agencies.append(agency)

    def not_counted(what: str, line_id: str, when: str, year: int) -> None:
        """The note for a line that starts after the horizon."""
        if year >= horizon:
            notes.append(
                f"{what} '{line_id}' {when} in year {year}, after the {horizon}-year horizon: it is not counted"
            )

    def priced(located_years: list[tuple[tuple[Any, ...], int]]) -> None:
        """The problem of each real-price figure's price year the deflator does not cover."""
        if deflator is not None:
            for loc, year in located_years:
                if year not in deflator.index:
                    problem(loc, _no_deflator_msg(year, deflator))

    for i, line in enumerate(proposal.prevention_costs):
        budget_holder(("prevention_costs", i, "paid_by"), line.paid_by)
        last = line.start_year + (len(line.by_year.values) - 1 if line.by_year else 0)
        if line.kind == "recurring" and line.amount is not None:
            last = line.end_year if line.end_year is not None else max(horizon - 1, line.start_year)
        not_counted("cost line", line.id, "starts", line.start_year)
        if line.start_year < horizon <= last:
            notes.append(
                f"cost line '{line.id}' runs to appraisal year {last}; only years 0-{horizon - 1} are counted"
            )
        priced(_money_price_years(("prevention_costs", i), line))

    # --- a cut's release profile and closure costs (issue 12 §4) ---
    for i, line in enumerate(proposal.prevention_costs):
        if line.release_profile is not None and proposal.kind != "cut":
            problem(
                ("prevention_costs", i, "release_profile"),
                "a release profile applies to a cut (kind: cut): new spending is paid as its amounts say",
            )
    for i, cc in enumerate(proposal.closure_costs):
        if proposal.kind != "cut":
            problem(
                ("closure_costs", i),
                "closure costs apply to a cut (kind: cut); the costs of new spending are prevention_costs",
            )
        budget_holder(("closure_costs", i, "paid_by"), cc.paid_by)
        not_counted("closure cost", cc.id, "falls", cc.year)
        if cc.amount.prices == "real":
            priced([(("closure_costs", i, "amount", "price_year"), cc.amount.real_price_year)])

    for i, sl in enumerate(proposal.savings):
        if sl.saved_by is None:  # economic or social: no budget holder
            continue
        budget_holder(("savings", i, "saved_by"), sl.saved_by, "budget holder")
        not_counted("savings line", sl.id, "starts", sl.start_year)
        priced(_money_price_years(("savings", i), sl))

    for i, oc in enumerate(proposal.outcomes):
        for j, use in enumerate(oc.unit_costs):
            uc = unit_costs.get(use.unit_cost)
            if uc is None:
                problem(
                    ("outcomes", i, "unit_costs", j, "unit_cost"),
                    f"unknown unit cost '{use.unit_cost}': define it in the unit-cost library or under 'unit_costs'",
                )
                continue
            if use.unit_cost not in used_costs:
                used_costs.append(use.unit_cost)
            if deflator is not None and uc.price_year not in deflator.index:
                problem(
                    ("outcomes", i, "unit_costs", j, "unit_cost"),
                    f"unit cost '{use.unit_cost}' is in {uc.price_year}-{(uc.price_year + 1) % 100:02d} prices, "
                    f"which the deflator does not cover; {_coverage(deflator)}",
                )
            for b in uc.bearers:
                if b.agency in agencies and b.agency not in used_agencies:
                    used_agencies.append(b.agency)
        if oc.intake_start_year >= horizon:
            notes.append(
                f"outcome '{oc.id}' has its first intake in year {oc.intake_start_year}, after the horizon: it adds nothing"
            )

    problems += _unknown_bearers(proposal.unit_costs, agencies, parsed, path, "define it under 'agencies'")
    priced([(("unit_costs", i, "price_year"), uc.price_year) for i, uc in enumerate(proposal.unit_costs)])
    priced([(("appraisal", "price_base_year"), ap.price_base_year)])
    if proposal.financing is not None and proposal.kind == "cut":
        problem(("financing",), "financing (an invest-to-save fund) applies to new spending, not to a cut")

    # --- pooled budget and responsibility charges (costmodel.pooling) ---
    problems += _check_pooling(proposal, parsed, path, agencies, deflator, used_agencies)
    # --- correlations between ranged inputs (the Monte Carlo's copula) ---
    if not duplicate_rows:  # a path names one row only once rows are unique
        problems += _check_correlations(proposal, parsed, path)

    if problems:
        unique = {(p.path, p.line, p.col, p.field, p.message): p for p in problems}
        raise AssumptionError(
            sorted(unique.values(), key=lambda p: (p.path != path, p.path, p.line or 0, p.col or 0))
        )

    # agencies declared in the proposal but not used are still reported (with zero flows)
    for a in proposal.agencies:
        if a.id not in used_agencies:
            used_agencies.append(a.id)
    cited = _cited_sources(proposal, [unit_costs[c] for c in used_costs])
    assert schedule is not None and deflator is not None
    if schedule.source in ref_sources_ids(ref):
        cited.add(schedule.source)
    cited.add(deflator.source)
    for c in used_costs:  # a wellbeing change cites the Green Book value of its measure and its schedule
        wellbeing = unit_costs[c].wellbeing
        if wellbeing is not None:
            for v in ref.appraisal_values:
                if v.id == wellbeing.measure:
                    cited.add(v.source)
    all_sources = sources | {s.id: s for s in ref.sources}
    return Scenario(
        proposal=proposal,
        agencies=tuple(agencies[a] for a in used_agencies),
        sources={k: all_sources[k] for k in sorted(cited) if k in all_sources},
        unit_costs={c: unit_costs[c] for c in used_costs},
        schedule=schedule,
        deflator=deflator,
        path=path,
        library_path=lib_parsed.path if lib_parsed else None,
        notes=tuple(notes),
        positions=parsed.tree,
    )


def ref_sources_ids(ref: ReferenceData) -> set[str]:
    return {s.id for s in ref.sources}


def _cited_sources(proposal: Proposal, costs: list[UnitCost]) -> set[str]:
    cited: set[str] = set()
    for _, d in walk_mappings(proposal.model_dump()):
        if isinstance(d.get("source"), str):
            cited.add(d["source"])
    for uc in costs:
        if uc.source:
            cited.add(uc.source)
        if uc.wellbeing is not None and uc.wellbeing.source:
            cited.add(uc.wellbeing.source)
    return cited


# ---------------------------------------------------------------------------------------------
# Pooled budgets and responsibility charges: reference checks (one located line per problem)
# ---------------------------------------------------------------------------------------------

SHARE_TOLERANCE = 1e-9
"""Formula shares must add up to 1 within this. [fraction]"""


def _check_pooling(
    proposal: Proposal,
    parsed: ParsedYaml,
    path: str,
    agencies: dict[str, Agency],
    deflator: Deflator | None,
    used_agencies: list[str],
) -> list[Problem]:
    """Check the ``pool`` and ``responsibility_charges`` blocks; add partners and charged agencies to
    ``used_agencies`` so that they are reported even when no cost or saving lands on them."""
    out: list[Problem] = []

    def add(loc: tuple[Any, ...], message: str) -> None:
        out.append(_problem(parsed, path, loc, message))

    def use(agency: str) -> None:
        if agency in agencies and agency not in used_agencies:
            used_agencies.append(agency)

    def price_year_ok(loc: tuple[Any, ...], year: int) -> None:
        if deflator is not None and year not in deflator.index:
            add(loc, _no_deflator_msg(year, deflator))

    pool = proposal.pool
    if pool is not None:
        if proposal.kind == "cut":
            add(("pool",), "a pooled budget applies to new spending, not to a cut")
        partners: list[str] = []
        for i, partner in enumerate(pool.partners):
            loc = ("pool", "partners", i, "agency")
            if partner.agency not in agencies:
                add(loc, f"unknown agency '{partner.agency}': define it under 'agencies'")
            elif partner.agency in partners:
                add(loc, f"partner '{partner.agency}' is listed twice in the pool")
            else:
                use(partner.agency)
            partners.append(partner.agency)
            for j, c in enumerate(partner.contributions):
                money = c.fixed or c.in_kind
                if money is not None:
                    price_year_ok(
                        ("pool", "partners", i, "contributions", j, c.kind, "price_year"),
                        money.real_price_year,
                    )
        share_of_costs = sum(
            c.share_of_costs.value
            for p in pool.partners
            for c in p.contributions
            if c.share_of_costs is not None
        )
        if share_of_costs > 1 + SHARE_TOLERANCE:
            add(
                ("pool", "partners"),
                f"the partners' shares of the costs add up to {share_of_costs:.6g}, more than the whole cost (1)",
            )
        if pool.host is not None and pool.host not in partners:
            add(("pool", "host"), f"host '{pool.host}' is not a partner: list it under pool.partners")
        for i, line in enumerate(proposal.prevention_costs):
            if line.paid_by in agencies and line.paid_by not in partners:
                add(
                    ("prevention_costs", i, "paid_by"),
                    f"'{line.paid_by}' pays cost line '{line.id}' but is not a pool partner: the pool funds every "
                    "prevention cost, so add it to pool.partners",
                )
        sharing = pool.sharing
        for key in ("shares", "shares_beyond"):
            shares = getattr(sharing, key)
            if shares is None:
                continue
            seen: set[str] = set()
            for j, sh in enumerate(shares):
                if sh.partner not in partners:
                    add(
                        ("pool", "sharing", key, j, "partner"),
                        f"'{sh.partner}' is not a partner in the pool (partners: {', '.join(partners)})",
                    )
                elif sh.partner in seen:
                    add(("pool", "sharing", key, j, "partner"), f"partner '{sh.partner}' has two shares")
                seen.add(sh.partner)
            total = sum(sh.share for sh in shares)
            if abs(total - 1.0) > SHARE_TOLERANCE:
                add(
                    ("pool", "sharing", key),
                    f"the shares add up to {total:.10g}, not 1: every pound of pooled savings must go to someone",
                )

    outcomes = {oc.id for oc in proposal.outcomes}
    seen_ids: set[str] = set()
    for i, ch in enumerate(proposal.responsibility_charges):
        base = ("responsibility_charges", i)
        if ch.id in seen_ids:
            add((*base, "id"), f"duplicate responsibility charge id '{ch.id}'")
        seen_ids.add(ch.id)
        for key in ("from_agency", "to_agency"):
            agency = getattr(ch, key)
            if agency not in agencies:
                add((*base, key), f"unknown agency '{agency}': define it under 'agencies'")
            else:
                use(agency)
        if ch.from_agency == ch.to_agency:
            add(
                (*base, "to_agency"),
                f"a charge from '{ch.from_agency}' to itself moves no money: name two different agencies",
            )
        if ch.outcome is not None and ch.outcome not in outcomes:
            add(
                (*base, "outcome"),
                f"unknown outcome '{ch.outcome}': choose one of {', '.join(sorted(outcomes)) or '(none defined)'}",
            )
        for key in ("per_event", "fixed", "fixed_without_proposal"):
            charge_money = getattr(ch, key)
            if charge_money is not None:
                price_year_ok((*base, key, "price_year"), charge_money.real_price_year)
    return out


# ---------------------------------------------------------------------------------------------
# Correlations between ranged inputs (costmodel.inputs.correlation)
# ---------------------------------------------------------------------------------------------


def _close_matches(word: str, possibilities: list[str], n: int = 1, cutoff: float = 0.6) -> list[str]:
    """:func:`difflib.get_close_matches`, imported only when a name is wrong (a "did you mean")."""
    from difflib import get_close_matches as close

    return close(word, possibilities, n=n, cutoff=cutoff)


def _check_correlations(proposal: Proposal, parsed: ParsedYaml, path: str) -> list[Problem]:
    """Every declared correlation names ranged inputs the Monte Carlo draws, no pair twice, and the
    matrix they make is positive semi-definite (else which pairs, and what range would fit)."""
    if not proposal.correlations:
        return []
    out: list[Problem] = []

    def add(loc: tuple[Any, ...], message: str) -> None:
        out.append(_problem(parsed, path, loc, message))

    found = {s.path: s for s in settings(proposal)}
    ranged = [p for p, s in found.items() if drawn(s.entry) and _has_width(s.quantity)]

    def nearest(name: str, among: list[str]) -> str:
        near = _close_matches(name, among, n=1, cutoff=0.5)
        return f"; did you mean '{near[0]}'?" if near else ""

    ids: list[str] = []  # the correlated inputs, in order of first mention
    pairs: dict[tuple[str, str], tuple[int, float]] = {}  # pair -> (entry, rank correlation)
    for n, corr in enumerate(proposal.correlations):
        key = "between" if corr.between is not None else "group"
        usable = []
        for j, name in enumerate(corr.inputs):
            loc = ("correlations", n, key, j)
            s = found.get(name.removesuffix(".value"))
            if s is None:
                add(loc, f"'{name}' is not an input of this proposal{nearest(name, ranged or list(found))}")
            elif not drawn(s.entry):
                add(loc, f"'{name}' is not drawn by the Monte Carlo; correlate ranged inputs such as "
                         f"outcome quantities, cost or savings amounts{nearest(name, ranged)}")
            elif not _has_width(s.quantity):
                add(loc, f"'{name}' has no range (low < high), so it does not vary: give it low and high, "
                         f"or correlate a ranged input{nearest(name, ranged)}")
            elif s.path in usable:
                add(loc, f"'{name}' is listed twice in this correlation")
            else:
                usable.append(s.path)
        for a, b in combinations(usable, 2):
            pair = (a, b) if a < b else (b, a)
            if pair in pairs:
                add(("correlations", n, key),
                    f"the pair '{a}' ~ '{b}' already has a correlation (correlations.{pairs[pair][0]}): declare it once")
                continue
            pairs[pair] = (n, corr.rank_correlation)
            ids += [x for x in (a, b) if x not in ids]
    if out or not pairs:
        return out
    import numpy as np  # only for a file that declares correlations

    from .correlation import matrix_problem

    index = {name: k for k, name in enumerate(ids)}
    matrix = np.eye(len(ids))
    order = []
    for (a, b), (_, rho) in pairs.items():
        matrix[index[a], index[b]] = matrix[index[b], index[a]] = rho
        order.append((index[a], index[b]))
    problem = matrix_problem(matrix, order)
    if problem is None:
        return out
    add(*_matrix_message(problem, ids, matrix, pairs))
    return out


def _has_width(q: Any) -> bool:
    return getattr(q, "low", None) is not None and q.high > q.low


def _matrix_message(
    problem: Any, ids: list[str], matrix: Any, pairs: Mapping[tuple[str, str], tuple[int, float]]
) -> tuple[tuple[Any, ...], str]:
    """Where to point, and what to say, when declared correlations cannot all hold
    (``problem``: a :class:`~costmodel.inputs.correlation.MatrixProblem`)."""

    def name(i: int, j: int) -> str:
        return f"'{ids[i]}' ~ '{ids[j]}'"

    def entry_of(i: int, j: int) -> int | None:
        a, b = sorted((ids[i], ids[j]))
        return pairs[(a, b)][0] if (a, b) in pairs else None

    head = "the declared correlations cannot all hold (their matrix is not positive semi-definite)"
    if problem.fix is None or problem.allowed is None:
        listed = ", ".join(f"{name(i, j)} at {matrix[i, j]:g}" for i, j in problem.pairs)
        last = max((e for i, j in problem.pairs if (e := entry_of(i, j)) is not None), default=None)
        loc: tuple[Any, ...] = ("correlations",) if last is None else ("correlations", last, "rank_correlation")
        return loc, f"{head}: weaken some of {listed}"
    x, y = problem.fix
    others = [p for p in problem.pairs if set(p) != {x, y}]
    given = " and ".join(f"{name(i, j)} at {matrix[i, j]:g}" for i, j in others)
    lo, hi = problem.allowed
    span = f"between {lo:.2f} and {hi:.2f}"
    n = entry_of(x, y)
    if n is None:
        rows = [e for i, j in others if (e := entry_of(i, j)) is not None]
        return ("correlations", max(rows), "rank_correlation"), (
            f"{head}: with {given}, {name(x, y)} (not declared, so 0) must be {span}: "
            "declare it, or weaken one of the other two"
        )
    return ("correlations", n, "rank_correlation"), (
        f"{head}: with {given}, {name(x, y)} must be {span} (declared {matrix[x, y]:g}): "
        "change one of these three"
    )
