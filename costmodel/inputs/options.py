"""Options files: business as usual (BAU), an optional do-minimum and two or more options, each a
proposal file or a base proposal plus edits, put on one discount date and price base.

An options file is YAML with the conventions of a proposal (safe YAML, ``file:line:col: field: rule``
errors, a JSON Schema in ``assumptions/schema/options.schema.json``)::

    schema_version: 1
    id: youth_options
    title: ...
    description: ...
    area: ...
    bau:                      # the counterfactual every option is measured against
      id: bau
      name: "BAU: the budget plan closes the youth service"
      proposal: ../proposals/youth_service_cut.yaml
    do_minimum:               # optional; no 'proposal' = nothing changes from today's position
      id: keep_service
      name: "Do minimum: keep the current youth service"
    options:                  # two or more
      - id: detached
        name: "Option A: detached youth work"
        proposal: ../proposals/youth_work.yaml
      - id: early_help
        name: "Option B: early-help family support, pooled"
        proposal: ../proposals/early_help_pooled.yaml
        edits:                # input path (by id) -> value, each sourced like any figure
          appraisal.first_year: {value: 2027, assumption: "aligned to the BAU's first year"}

An entry without ``proposal`` is "nothing changes": every flow is zero. Every appraised entry must share
the first year, horizon, firm-budget years, discount schedule and deflator (what cannot be aligned is
refused, located at the entry); the price base and discount year are then made common (the file's
``appraisal`` block, else the BAU's, else the first option's).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints, ValidationError, model_validator

from ..errors import AssumptionError, Problem, UsageError
from ..formatting import fy_label, fy_span
from .loading import Scenario, _validate, edit_proposal, load_proposal, nearest_input_path, parse_file
from .models import EditPath, FinancialYear, Id, Source, SourcedEdit, StrictModel, Text, UnmonetisedImpact
from .yamlio import ParsedYaml, dotted, locate, parse_yaml

Name = Annotated[str, StringConstraints(min_length=1, max_length=120, strip_whitespace=True)]


Edit = SourcedEdit


class OptionSpec(StrictModel):
    """One column of the appraisal: a proposal file, a base proposal plus edits, or nothing changing."""

    id: Id
    name: Name = Field(description="The option's name as the tables and charts show it.")
    description: Text | None = None
    proposal: Annotated[str, StringConstraints(min_length=1, max_length=500)] | None = Field(
        default=None,
        description="Proposal file, relative to this file. Leave out for 'nothing changes' (every flow zero).",
    )
    edits: dict[EditPath, Edit] = Field(
        default_factory=dict, description="Input path (by id, e.g. outcomes.fte.effect) -> new value."
    )
    plus: Annotated[
        list[Annotated[str, StringConstraints(min_length=1, max_length=500)]], Field(max_length=4)
    ] = Field(
        default_factory=list,
        description="Further proposal files combined with it, as they are (their flows add up), e.g. a "
        "cut together with the service that replaces it.",
    )

    @model_validator(mode="after")
    def _edits_need_a_base(self):
        if (self.edits or self.plus) and self.proposal is None:
            raise ValueError("edits and plus need a base 'proposal'")
        return self


class CommonAppraisal(StrictModel):
    """The one price base and discount date every option is put on."""

    price_base_year: FinancialYear = Field(description="Financial year whose prices all figures are in.")
    discount_year: FinancialYear | None = Field(
        default=None, description="The year discounting counts from (default: the common first year)."
    )


class Distributional(StrictModel):
    """Who gains: a note in words and tags (places, groups)."""

    notes: Text | None = None
    tags: list[Id] = Field(default_factory=list, max_length=30)


class OptionsScenario(StrictModel):
    """A named scenario of an options file: for each entry (by id), edits of its proposal."""

    description: Text | None = None
    edits: dict[Id, dict[EditPath, SourcedEdit]] = Field(
        default_factory=dict, description="Entry id -> input path (by id) -> value, sourced."
    )


class OptionsFile(StrictModel):
    """An options appraisal: BAU, an optional do-minimum and two or more options."""

    schema_version: Literal[1]
    id: Id
    title: Text
    description: Text
    area: Text
    appraisal: CommonAppraisal | None = None
    sources: list[Source] = Field(default_factory=list, description="Sources the edits cite.")
    bau: OptionSpec = Field(
        description="Business as usual: the counterfactual every option is measured against."
    )
    do_minimum: OptionSpec | None = None
    options: Annotated[list[OptionSpec], Field(min_length=2, max_length=8)]
    key_risks: list[Text] = Field(default_factory=list, max_length=12)
    unmonetised: list[UnmonetisedImpact] = Field(
        default_factory=list,
        max_length=12,
        description="Impacts no figure counts, beyond those the proposals list (impact, direction, evidence).",
    )
    distributional: Distributional | None = None
    scenarios: dict[Id, OptionsScenario] = Field(
        default_factory=dict,
        description="Named scenarios of the options: per entry id, sourced edits of its proposal. "
        "`costmodel options FILE --scenario NAME` applies them (and any proposal's own scenario of that name).",
    )

    @model_validator(mode="after")
    def _options_have_proposals(self):
        for spec in self.options:
            if spec.proposal is None:
                raise ValueError(
                    f"option '{spec.id}' needs a 'proposal' (only bau and do_minimum can be 'nothing changes')"
                )
        return self


Role = Literal["bau", "do_minimum", "option"]


@dataclass(frozen=True)
class OptionInput:
    """One entry of an options file, resolved: its scenario (None: nothing changes) on the common basis."""

    spec: OptionSpec
    role: Role
    loc: tuple[Any, ...]  # where the entry is in the options file, e.g. ("options", 1)
    scenarios: tuple[Scenario, ...]  # the proposal (edited), then each 'plus'; empty: nothing changes
    paths: tuple[str, ...] = ()  # their files as resolved from the options file's folder

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def name(self) -> str:
        return self.spec.name


@dataclass(frozen=True)
class OptionsSet:
    """A loaded options file: every entry on one first year, horizon, price base and discount date."""

    file: OptionsFile
    path: str
    entries: tuple[OptionInput, ...]  # BAU first, then the do-minimum, then the options
    first_year: int
    horizon_years: int
    firm_budget_years: int
    price_base_year: int
    discount_year: int
    notes: tuple[str, ...] = field(default=())
    scenario_name: str | None = None  # the named scenario applied where a proposal has it

    @property
    def bau(self) -> OptionInput:
        return self.entries[0]


def _edit_values(spec: OptionSpec) -> dict[str, Any]:
    return {path: e.value for path, e in spec.edits.items()}


def nearest_path(path: str, scenario: Scenario) -> str | None:
    """The input path of ``scenario`` nearest to ``path`` (for 'did you mean'), or None."""
    return nearest_input_path(path, scenario.proposal, scenario.unit_costs)


def _located(parsed: ParsedYaml | None, loc: tuple[Any, ...], message: str) -> Problem:
    if parsed is None:  # options built in memory (the app): the entry names the place
        return Problem("<options>", None, None, dotted(loc), message)
    line, col = locate(parsed.tree, loc)
    return Problem(parsed.path, line, col, dotted(loc), message)


def _proposal_path(parsed: ParsedYaml, ref: str, where: tuple[Any, ...]) -> str:
    folder = os.path.dirname(parsed.path) or "."
    path = os.path.normpath(os.path.join(folder, ref))
    if not os.path.isfile(path):
        raise AssumptionError([_located(parsed, where, f"proposal file not found at {path}")])
    return path


def _named(scenario: Scenario, name: str | None) -> str | None:
    """``name`` if the proposal has a named scenario of that name (it then applies), else None."""
    return name if name is not None and name in scenario.proposal.scenarios else None


def _load_base(
    parsed: ParsedYaml,
    spec: OptionSpec,
    loc: tuple[Any, ...],
    doc_sources: dict[str, Source],
    named: str | None = None,
) -> tuple[Scenario, str]:
    """The entry's proposal with its named scenario (if it has ``named``) and its edits; an edit may
    cite the options file's own sources."""
    assert spec.proposal is not None
    path = _proposal_path(parsed, spec.proposal, (*loc, "proposal"))
    base = load_proposal(path)  # problems in the proposal are reported at their own lines
    if _named(base, named) is not None:
        base = load_proposal(path, scenario=named)
    if not spec.edits:
        return base, path
    known = set(base.sources) | set(doc_sources)
    problems = [
        _located(parsed, (*loc, "edits", p, "source"), f"unknown source '{e.source}': list it under sources")
        for p, e in spec.edits.items()
        if e.source is not None and e.source not in known
    ]
    if problems:
        raise AssumptionError(problems)
    try:
        scenario = load_proposal(path, _edit_values(spec), scenario=_named(base, named))
    except UsageError as exc:
        at = (
            exc.field
            if exc.field in spec.edits
            else next((p for p in spec.edits if exc.field.startswith(p)), next(iter(spec.edits)))
        )
        message = exc.rule
        if "is not" in message:
            near = nearest_path(at, base)
            message += f" (did you mean '{near}'?)" if near else ""
        raise AssumptionError([_located(parsed, (*loc, "edits", at), message)]) from None
    cited = {e.source: doc_sources[e.source] for e in spec.edits.values() if e.source in doc_sources}
    return (replace(scenario, sources={**scenario.sources, **cited}) if cited else scenario), path


def _load_entry(
    parsed: ParsedYaml,
    spec: OptionSpec,
    role: Role,
    loc: tuple[Any, ...],
    doc_sources: dict[str, Source],
    named: str | None = None,
) -> OptionInput:
    if spec.proposal is None:
        return OptionInput(spec, role, loc, ())
    scenario, path = _load_base(parsed, spec, loc, doc_sources, named)
    scenarios, paths = [scenario], [path]
    for i, ref in enumerate(spec.plus):
        extra = _proposal_path(parsed, ref, (*loc, "plus", i))
        plain = load_proposal(extra)
        scenarios.append(load_proposal(extra, scenario=named) if _named(plain, named) else plain)
        paths.append(extra)
    return OptionInput(spec, role, loc, tuple(scenarios), tuple(paths))


def options_from_parsed(parsed: ParsedYaml, scenario: str | None = None) -> OptionsSet:
    """Validate a parsed options file, load every proposal it names and put them on one basis.

    ``scenario``: the named scenario applied to every proposal that has one of that name (at least
    one must)."""
    doc = _validate(parsed, OptionsFile)
    specs: list[tuple[OptionSpec, Role, tuple[Any, ...]]] = [(doc.bau, "bau", ("bau",))]
    if doc.do_minimum is not None:
        specs.append((doc.do_minimum, "do_minimum", ("do_minimum",)))
    specs += [(s, "option", ("options", i)) for i, s in enumerate(doc.options)]
    seen: dict[str, tuple[Any, ...]] = {}
    dupes = []
    for spec, _, loc in specs:
        if spec.id in seen:
            dupes.append(
                _located(
                    parsed, (*loc, "id"), f"id '{spec.id}' is used twice (first at {dotted(seen[spec.id])})"
                )
            )
        seen.setdefault(spec.id, loc)
    if dupes:
        raise AssumptionError(dupes)
    doc_sources = {s.id: s for s in doc.sources}
    plain = [_load_entry(parsed, spec, role, loc, doc_sources) for spec, role, loc in specs]
    _check_options_scenarios(parsed, doc, plain, doc_sources)
    own = doc.scenarios.get(scenario) if scenario is not None else None
    if own is not None:  # the options file's scenario: its edits join (and override) each entry's
        specs = [
            (spec.model_copy(update={"edits": {**spec.edits, **own.edits.get(spec.id, {})}}), role, loc)
            for spec, role, loc in specs
        ]
    if scenario is None:
        loaded = plain
    else:
        loaded = [_load_entry(parsed, spec, role, loc, doc_sources, scenario) for spec, role, loc in specs]
    result = _aligned(parsed, doc, loaded)
    if scenario is None:
        return result
    applied = sorted({sc.proposal.id for e in loaded for sc in e.scenarios if sc.scenario_name == scenario})
    if own is not None:
        named = ", ".join(own.edits) or "no entry"
        note = f"Scenario '{scenario}' of the options file edits {named}"
        note += (
            f"; the proposals' own scenario '{scenario}' applied to {', '.join(applied)}." if applied else "."
        )
        return replace(result, notes=(*result.notes, note), scenario_name=scenario)
    if not applied:
        have = sorted({n for e in loaded for sc in e.scenarios for n in sc.proposal.scenarios})
        raise UsageError(
            f"'{scenario}' is not a scenario of any proposal in these options; their scenarios: "
            f"{', '.join(have) or 'none'}",
            field="scenario",
        )
    note = (
        f"Scenario '{scenario}' applied to {', '.join(applied)}; the other proposals keep their own values."
    )
    return replace(result, notes=(*result.notes, note), scenario_name=scenario)


def _check_options_scenarios(
    parsed: ParsedYaml, doc: OptionsFile, loaded: list[OptionInput], doc_sources: dict[str, Source]
) -> None:
    """Every named scenario of the options file names entries that have a proposal, inputs of that
    proposal (the nearest path suggested if not) and known sources; located at the edit."""
    by_id = {e.spec.id: e for e in loaded}
    problems: list[Problem] = []
    for name, sc in doc.scenarios.items():
        for entry_id, edits in sc.edits.items():
            loc = ("scenarios", name, "edits", entry_id)
            entry = by_id.get(entry_id)
            if entry is None or not entry.scenarios:
                why = (
                    "is not an entry of these options"
                    if entry is None
                    else "changes nothing (no proposal to edit)"
                )
                problems.append(_located(parsed, loc, f"'{entry_id}' {why}; entries: {', '.join(by_id)}"))
                continue
            base = entry.scenarios[0]
            for path, e in edits.items():
                if e.source is not None and e.source not in doc_sources and e.source not in base.sources:
                    problems.append(_located(parsed, (*loc, path, "source"),
                                             f"unknown source '{e.source}': list it under sources"))  # fmt: skip
            values = {**_edit_values(entry.spec), **{p: e.value for p, e in edits.items()}}
            try:
                edit_proposal(base.proposal, values)
            except UsageError as exc:
                at = (
                    exc.field
                    if exc.field in edits
                    else next((p for p in edits if exc.field.startswith(p)), "")
                )
                message = exc.rule
                if "is not" in message and at:
                    near = nearest_path(at, base)
                    message += f" (did you mean '{near}'?)" if near else ""
                problems.append(_located(parsed, (*loc, at) if at else loc, message))
    if problems:
        raise AssumptionError(problems)


def _schedule(sc: Scenario) -> str:
    ap = sc.proposal.appraisal
    return f"a constant {ap.discount_rate:g} rate" if ap.discount_rate is not None else ap.discount_schedule


def _alignment_problems(
    parsed: ParsedYaml | None, ref: Scenario, rname: str, sc: Scenario, where: tuple[Any, ...]
) -> list[Problem]:
    rap, ap = ref.proposal.appraisal, sc.proposal.appraisal
    problems: list[Problem] = []
    if ap.first_year != rap.first_year:
        problems.append(
            _located(
                parsed,
                where,
                (
                    f"its first year {fy_label(ap.first_year)} differs from {rname}'s {fy_label(rap.first_year)}: "
                    f"add the edit appraisal.first_year: {{value: {rap.first_year}, assumption: ...}} so that every "
                    "option runs over the same years"
                ),
            )
        )
    if ap.horizon_years != rap.horizon_years or ap.firm_budget_years != rap.firm_budget_years:
        problems.append(
            _located(
                parsed,
                where,
                (
                    f"its horizon ({ap.horizon_years} years, {ap.firm_budget_years} firm) differs from {rname}'s "
                    f"({rap.horizon_years} years, {rap.firm_budget_years} firm): edit appraisal.horizon_years "
                    "and appraisal.firm_budget_years to match"
                ),
            )
        )
    if _schedule(sc) != _schedule(ref):
        problems.append(
            _located(
                parsed,
                where,
                (
                    f"it discounts with {_schedule(sc)} but {rname} with {_schedule(ref)}: "
                    "options must share one discount schedule"
                ),
            )
        )
    if sc.deflator.id != ref.deflator.id or sc.deflator.vintage != ref.deflator.vintage:
        problems.append(
            _located(
                parsed,
                where,
                (
                    f"its deflator ({sc.deflator.vintage}) differs from {rname}'s ({ref.deflator.vintage}): "
                    "options must share one price index"
                ),
            )
        )
    return problems


def _where(e: OptionInput, k: int) -> tuple[Any, ...]:
    return (*e.loc, "proposal") if k == 0 else (*e.loc, "plus", k - 1)


def _aligned(parsed: ParsedYaml | None, doc: OptionsFile, loaded: list[OptionInput]) -> OptionsSet:
    """Every appraised proposal on the reference's timeline and discounting, and one price base and
    discount year; what cannot be aligned is refused at the entry."""
    first = next(e for e in loaded if e.scenarios)  # the options always have proposals
    ref = first.scenarios[0]
    rap = ref.proposal.appraisal
    rname = "BAU" if first.role == "bau" else f"'{first.spec.id}'"
    problems: list[Problem] = []
    for e in loaded:
        for k, sc in enumerate(e.scenarios):
            if sc is not ref:
                problems += _alignment_problems(parsed, ref, rname, sc, _where(e, k))
    if problems:
        raise AssumptionError(problems)
    if doc.appraisal is not None:
        base = doc.appraisal.price_base_year
        origin = doc.appraisal.discount_year if doc.appraisal.discount_year is not None else rap.first_year
        where_common: tuple[Any, ...] = ("appraisal",)
    else:
        base, origin, where_common = rap.price_base_year, rap.discount_origin, _where(first, 0)
    if base not in ref.deflator.index:
        raise AssumptionError(
            [
                _located(
                    parsed,
                    where_common,
                    (
                        f"the deflator '{ref.deflator.id}' has no value for {fy_label(base)}: choose a price base it covers"
                    ),
                )
            ]
        )
    if origin > rap.first_year or rap.first_year - origin > 30:
        raise AssumptionError(
            [
                _located(
                    parsed,
                    where_common,
                    (
                        f"the discount year {fy_label(origin)} must be at most 30 years before the first year "
                        f"{fy_label(rap.first_year)} and not after it"
                    ),
                )
            ]
        )
    out: list[OptionInput] = []
    for e in loaded:
        moved: list[Scenario] = []
        for k, sc in enumerate(e.scenarios):
            ap = sc.proposal.appraisal
            if ap.price_base_year == base and ap.discount_origin == origin:
                moved.append(sc)
                continue
            try:
                new_ap = type(ap).model_validate(
                    {**ap.model_dump(), "price_base_year": base, "discount_year": origin}
                )
            except ValidationError as exc:
                raise AssumptionError(
                    [
                        _located(
                            parsed,
                            _where(e, k),
                            (
                                f"cannot be put on {fy_label(base)} prices discounted to {fy_label(origin)}: "
                                f"{exc.errors(include_url=False)[0]['msg']}"
                            ),
                        )
                    ]
                ) from None
            moved.append(replace(sc, proposal=sc.proposal.model_copy(update={"appraisal": new_ap})))
        out.append(replace(e, scenarios=tuple(moved)))
    last = rap.first_year + rap.horizon_years - 1
    notes = (
        f"Every option is appraised over {fy_span(rap.first_year, last)} ({rap.horizon_years} years, "
        f"{rap.firm_budget_years} of them firm-budget years), in {fy_label(base)} prices, discounted to "
        f"{fy_label(origin)} with the {ref.schedule.label}; deflator: {ref.deflator.describe()}.",
        "Each option is measured against BAU: its flows minus BAU's, year by year and budget holder by "
        "budget holder. An entry without a proposal changes nothing (every flow zero); an entry with "
        "several proposals adds their flows. Budget holders' figures are before any pooled-budget agreement "
        "(costmodel pool shows who pays whom under one).",
    )
    return OptionsSet(
        file=doc,
        path=parsed.path if parsed is not None else "<options>",
        entries=tuple(out),
        first_year=rap.first_year,
        horizon_years=rap.horizon_years,
        firm_budget_years=rap.firm_budget_years,
        price_base_year=base,
        discount_year=origin,
        notes=notes,
    )


def options_from_scenarios(
    title: str,
    bau: tuple[str, Scenario | None],
    options: list[tuple[str, Scenario]],
    do_minimum: tuple[str, Scenario | None] | None = None,
) -> OptionsSet:
    """An options set from proposals already loaded (the app's open proposals): each entry a (name,
    scenario) pair, None for "nothing changes". Checked and aligned as a file's would be."""
    entries: list[tuple[str, Scenario | None, Role, tuple[Any, ...]]] = [(*bau, "bau", ("bau",))]
    if do_minimum is not None:
        entries.append((*do_minimum, "do_minimum", ("do_minimum",)))
    entries += [(name, sc, "option", ("options", i)) for i, (name, sc) in enumerate(options)]

    def spec(k: int, name: str, sc: Scenario | None) -> dict[str, Any]:
        return {
            "id": f"entry_{k}",
            "name": name[:120] or f"Entry {k}",
            "proposal": None if sc is None else sc.path,
        }

    doc = OptionsFile.model_validate(
        {
            "schema_version": 1,
            "id": "options",
            "title": title,
            "description": "Options chosen in the app.",
            "area": "; ".join(dict.fromkeys(sc.proposal.area for _, sc, _, _ in entries if sc is not None))
            or "-",
            "bau": spec(0, *bau),
            "do_minimum": None if do_minimum is None else spec(1, *do_minimum),
            "options": [spec(k + 2, name, sc) for k, (name, sc) in enumerate(options)],
        },
        strict=False,
    )
    specs = [doc.bau, *([doc.do_minimum] if doc.do_minimum is not None else []), *doc.options]
    loaded = [
        OptionInput(sp, role, loc, () if sc is None else (sc,), () if sc is None else (sc.path,))
        for sp, (_, sc, role, loc) in zip(specs, entries, strict=True)
    ]
    return _aligned(None, doc, loaded)


def load_options(
    path: str | os.PathLike[str], *, text: str | None = None, scenario: str | None = None
) -> OptionsSet:
    """Load an options file and every proposal it names (see the module docstring); ``scenario``
    applies that named scenario to every proposal that has it."""
    name = os.fspath(path)
    parsed = parse_yaml(text, name) if text is not None else parse_file(name)
    return options_from_parsed(parsed, scenario)


def is_options_file(parsed: ParsedYaml) -> bool:
    """True when the parsed file is an options file (it names a BAU and options)."""
    return isinstance(parsed.data, dict) and "bau" in parsed.data and "options" in parsed.data
