"""Area tables: one proposal, local values for many places (``costmodel batch``).

An area table has one row per area: an ``id``, a ``name``, optionally an official ``code`` (an
ONS/GSS code) and a ``source`` (the id of the source the row's figures come from), and columns named
by input paths of the registry (:mod:`costmodel.inputs.registry`), e.g.
``outcomes.first_time_entrants.baseline_rate``, holding each area's value. ``PATH_low`` and
``PATH_high`` columns give a per-area range. Other columns are data (a published rate, a count) and
must be declared in the metadata.

Two forms, the same content:

* ``areas.csv`` with a companion ``areas.meta.yaml`` (the metadata block);
* ``areas.yaml`` with ``metadata:`` and ``areas:`` (a list of mappings, one per area).

The metadata gives the table's title and coverage, its ``sources`` (title, publisher, year, url,
table, grade) and, for each column, its ``unit``, ``price_year`` where it is money, and a ``source``,
an ``assumption`` or a ``derived`` formula, like any figure in an assumption file.

Every problem is one located line ``areas.csv:LINE:COLUMN: column: rule`` (LINE 1 is the header)
and all problems are reported at once; nothing is computed from a table with a problem.
"""

from __future__ import annotations

import csv
import difflib
import io
import math
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ..errors import AssumptionError, InputFileError, Problem
from .models import Id
from .registry import Entry, entry, settings, template_of
from .yamlio import ParsedYaml, locate, parse_yaml, problems_from_validation

if TYPE_CHECKING:
    from .loading import Scenario

F = NDArray[np.float64]

MAX_TABLE_BYTES = 16 * 1024 * 1024
"""Largest area table accepted [bytes]: England's 33,755 LSOAs with a dozen columns are about 4 MB."""
MAX_PROBLEMS = 20
"""Problems listed before the rest are counted in one last line."""
RESERVED = ("id", "name", "code", "source")
ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")
RANGE_SUFFIXES = ("_low", "_high")
BATCH_TARGETS = frozenset(
    {
        "cost_amount",
        "cost_growth",
        "cost_release",
        "unit_cost_component",
        "unit_cost_scale",
        "discount_rate",
        "cohort",
        "baseline_rate",
        "effect",
        "lag",
        "persistence",
        "drop_off",
        "deadweight",
        "displacement",
        "attribution",
        "optimism_bias",
        "cashable_share",
        "cashable_delay",
    }
)
"""Where an area's value may enter the engine (the registry's ``applies``): every number the batched
engine can vary per row. Structure, pooling and financing stay the proposal's."""


# ---------------------------------------------------------------------------------------------
# Metadata
# ---------------------------------------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AreaSource(_Strict):
    """Where a row's (or a column's) figures come from."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str
    publisher: str
    year: int = Field(ge=1900, le=2200)
    url: str  # the document itself, not a homepage

    table: str  # the table or section of the document the figures are read from
    grade: str = Field(pattern=r"^[ABCU]$")
    note: str | None = None

    @field_validator("url")
    @classmethod
    def _document_url(cls, v: str) -> str:
        if not re.fullmatch(r"https?://[^/\s]+/\S+", v):
            raise ValueError("must be the document's own address, http(s)://host/path (not a homepage)")
        return v


class ColumnMeta(_Strict):
    """A column's unit, price year (money) and provenance: exactly one of source, assumption, derived."""

    unit: str
    description: str | None = None
    price_year: int | None = Field(default=None, ge=1900, le=2200)
    source: str | None = None  # a source id; "row" when each row's own ``source`` applies
    assumption: str | None = None
    derived: str | None = None  # the formula, for a derived figure
    note: str | None = None


class AreaMetadata(_Strict):
    title: str
    proposal: Id | None = None  # the id of the proposal the table is written for, when it says so
    description: str | None = None
    coverage: str  # what the table covers, and what it leaves out (a partial table says so)
    sources: list[AreaSource] = Field(default_factory=list)
    columns: dict[str, ColumnMeta] = Field(default_factory=dict)


# ---------------------------------------------------------------------------------------------
# The table
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AreaTable:
    """A checked area table: rows are areas, ``paths`` the input columns (by id)."""

    path: str
    metadata: AreaMetadata
    ids: tuple[str, ...]
    names: tuple[str, ...]
    codes: tuple[str, ...]
    row_sources: tuple[str, ...]
    lines: tuple[int, ...]  # each row's line in the file (1 = header)
    paths: tuple[str, ...]  # input paths, by id
    units: tuple[str, ...]  # each input column's unit
    values: F  # (n, K) central values, in the column's unit (money in its price year)
    low: F  # (n, K) the row's low, or NaN where the table gives none
    high: F  # (n, K)
    data: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # declared data columns, as text

    @property
    def n(self) -> int:
        return len(self.ids)

    def source_of(self, row: int) -> AreaSource | None:
        sid = self.row_sources[row]
        return next((s for s in self.metadata.sources if s.id == sid), None)


class _Problems:
    def __init__(self, path: str):
        self.path = path
        self.items: list[Problem] = []

    def add(self, line: int | None, col: int | None, column: str, message: str) -> None:
        self.items.append(Problem(self.path, line, col, column, message))

    def raise_if_any(self) -> None:
        if not self.items:
            return
        shown = self.items[:MAX_PROBLEMS]
        if len(self.items) > MAX_PROBLEMS:
            more = len(self.items) - MAX_PROBLEMS
            shown.append(Problem(self.path, None, None, "", f"... and {more} more problem{'s' * (more != 1)}"))
        raise AssumptionError(shown)


def metadata_path(table_path: str) -> str:
    """The companion metadata file of a CSV table: ``areas.csv`` -> ``areas.meta.yaml``."""
    root, _ = os.path.splitext(table_path)
    return root + ".meta.yaml"


def _read_bytes(path: str) -> bytes:
    try:
        size = os.stat(path).st_size
    except FileNotFoundError:
        raise InputFileError.single(path, "file not found") from None
    except OSError as exc:
        raise InputFileError.single(path, f"cannot read the file ({exc.strerror})") from None
    if os.path.isdir(path):
        raise InputFileError.single(path, "is a folder, not an area table")
    if size > MAX_TABLE_BYTES:
        raise InputFileError.single(path, _too_big(size), line=1, col=1)
    with open(path, "rb") as fh:
        return fh.read(MAX_TABLE_BYTES + 1)


def _too_big(size: int) -> str:
    return (
        f"table is {size / 1e6:.1f} MB, larger than the {MAX_TABLE_BYTES // (1024 * 1024)} MB limit for area tables; "
        "split it into several tables"
    )


def decode_table(raw: bytes, path: str) -> str:
    """The text of an area table, refusing what is not a plain UTF-8 table with one located line."""
    if len(raw) > MAX_TABLE_BYTES:
        raise InputFileError.single(path, _too_big(len(raw)), line=1, col=1)
    if raw.startswith(b"\xef\xbb\xbf"):
        raise InputFileError.single(
            path,
            "the file starts with a byte-order mark (Excel's 'CSV UTF-8'): save it as plain 'CSV (comma delimited)' "
            "or remove the first three bytes",
            line=1,
            col=1,
        )
    if b"\x00" in raw:
        raise InputFileError.single(path, "not a text table (it contains binary data)", line=1, col=1)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputFileError.single(path, f"not UTF-8 text (invalid byte at offset {exc.start})", line=line) from None


def _number(text: str) -> float | None:
    """A finite number written plainly (``0.08``, ``1200``, ``-3.5e2``), or None."""
    t = text.strip()
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?", t):
        return None
    v = float(t)
    return v if math.isfinite(v) else None


def _load_metadata(meta: ParsedYaml | None, path: str, data: Any) -> AreaMetadata:
    if meta is None:
        raise InputFileError.single(path, "file not found: every area table needs its metadata (units and sources)")
    try:
        return AreaMetadata.model_validate(data)
    except ValidationError as exc:
        raise AssumptionError(problems_from_validation(meta, exc.errors(include_url=False))) from None


def read_area_table(
    path: str | os.PathLike[str],
    scenario: Scenario,
    *,
    raw: bytes | None = None,
    metadata_raw: bytes | None = None,
) -> AreaTable:
    """Read and check an area table (CSV with its ``.meta.yaml``, or YAML) against ``scenario``.

    ``raw`` and ``metadata_raw`` are the files' bytes if already in memory (an upload); ``path`` is
    then only a name. Raises :class:`~costmodel.errors.AssumptionError` listing every problem, one
    located line each.
    """
    name = os.fspath(path)
    body = raw if raw is not None else _read_bytes(name)
    text = decode_table(body, name)
    if name.lower().endswith((".yaml", ".yml")):
        parsed = parse_yaml(text, name)
        if not isinstance(parsed.data, dict) or "areas" not in parsed.data or "metadata" not in parsed.data:
            raise AssumptionError.single(name, "an area table in YAML has two keys: metadata and areas", line=1, col=1)
        extra = sorted(set(parsed.data) - {"metadata", "areas"})
        if extra:
            line, col = locate(parsed.tree, (extra[0],))
            raise AssumptionError.single(name, "unknown key: an area table has metadata and areas", field=extra[0], line=line, col=col)
        meta = _load_metadata(parsed, name, parsed.data["metadata"])
        header, rows, lines, cols = _yaml_rows(parsed, name)
    else:
        mname = metadata_path(name)
        if metadata_raw is None and not os.path.exists(mname):
            raise InputFileError.single(
                mname, f"file not found: {os.path.basename(name)} needs this companion file giving each column's unit and source"
            )
        mtext = metadata_raw.decode("utf-8-sig") if metadata_raw is not None else None
        mparsed = parse_yaml(mtext, mname) if mtext is not None else _parse_path(mname)
        meta = _load_metadata(mparsed, mname, mparsed.data)
        header, rows, lines, cols = _csv_rows(text, name)
    return _check(name, meta, header, rows, lines, cols, scenario)


def _parse_path(path: str) -> ParsedYaml:
    from .yamlio import read_text

    return parse_yaml(read_text(path), path)


def _csv_rows(text: str, name: str) -> tuple[list[str], list[list[str]], list[int], list[list[int]]]:
    if not text.strip():
        raise AssumptionError.single(name, "the table is empty: it needs a header row and one row per area", line=1, col=1)
    first = text.splitlines()[0]
    if ";" in first and "," not in first:
        raise AssumptionError.single(
            name,
            "the columns are separated by semicolons (Excel in a comma-decimal locale): save as 'CSV (comma delimited)' "
            "with points as decimal marks",
            line=1,
            col=first.index(";") + 1,
        )
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[list[str]] = []
    lines: list[int] = []
    try:
        header = next(reader)
        start = reader.line_num + 1
        for row in reader:
            if any(cell.strip() for cell in row):
                rows.append(row)
                lines.append(start)
            start = reader.line_num + 1
    except csv.Error as exc:
        raise AssumptionError.single(name, f"not a well-formed CSV table ({exc})", line=reader.line_num) from None
    cols = [list(range(1, len(r) + 1)) for r in rows]
    return [h.strip() for h in header], rows, lines, cols


def _yaml_rows(parsed: ParsedYaml, name: str) -> tuple[list[str], list[list[str]], list[int], list[list[int]]]:
    areas = parsed.data["areas"]
    if not isinstance(areas, list):
        line, col = locate(parsed.tree, ("areas",))
        raise AssumptionError.single(name, "must be a list with one mapping per area", field="areas", line=line, col=col)
    header: list[str] = []
    for a in areas:
        if isinstance(a, dict):
            header.extend(str(k) for k in a if str(k) not in header)
    rows: list[list[str]] = []
    lines: list[int] = []
    cols: list[list[int]] = []
    for i, a in enumerate(areas):
        line, _ = locate(parsed.tree, ("areas", i))
        lines.append(line or 1)
        if not isinstance(a, dict):
            rows.append([])
            cols.append([])
            continue
        row, pos = [], []
        for h in header:
            v = a.get(h)
            row.append("" if v is None else (repr(v) if isinstance(v, float) else str(v)))
            pos.append((locate(parsed.tree, ("areas", i, h))[1] or 1) if h in a else 1)
        rows.append(row)
        cols.append(pos)
    return header, rows, lines, cols


def _input_paths(scenario: Scenario) -> dict[str, tuple[Entry, str]]:
    """Every input path of the proposal an area can set (by id), with its registry entry and its unit
    (the quantity's own: a recurring amount is GBP_per_year)."""
    found = {
        s.path: (s.entry, str(getattr(s.quantity, "unit", None) or s.entry.unit))
        for s in settings(scenario.proposal, unit_costs=scenario.unit_costs)
        if s.entry.applies in BATCH_TARGETS
    }
    rate = entry("appraisal.discount_rate")
    found.setdefault(rate.template, (rate, rate.unit))
    return found


def _check(
    name: str,
    meta: AreaMetadata,
    header: list[str],
    rows: list[list[str]],
    lines: list[int],
    cols: list[list[int]],
    scenario: Scenario,
) -> AreaTable:
    problems = _Problems(name)
    if not rows:
        problems.add(1, 1, "", "the table is empty: it has a header but no area rows")
        problems.raise_if_any()
    inputs = _input_paths(scenario)
    horizon = scenario.proposal.appraisal.horizon_years
    source_ids = {s.id for s in meta.sources}
    seen: dict[str, int] = {}
    for k, h in enumerate(header):
        if h in seen:
            problems.add(1, k + 1, h, f"column named twice (also column {seen[h] + 1})")
        seen.setdefault(h, k)
    if "id" not in header:
        problems.add(1, 1, "id", "the table has no 'id' column: every area needs an id")
    kinds: dict[int, tuple[str, str]] = {}  # column index -> (input path, "value"|"low"|"high") or data
    # what to say of a column naming another proposal's input: whether the table fits this one otherwise
    fitting = any(h.removesuffix(x) in inputs for h in header for x in ("", *RANGE_SUFFIXES))
    another = _another_proposal(meta, scenario, fitting=fitting)
    for k, h in enumerate(header):
        if h in RESERVED or not h:
            if not h:
                problems.add(1, k + 1, "", "column without a name")
            continue
        base, part = h, "value"
        for suffix in RANGE_SUFFIXES:
            if h.endswith(suffix) and h[: -len(suffix)] in inputs:
                base, part = h[: -len(suffix)], suffix[1:]
        if base in inputs:
            kinds[k] = (base, part)
            if part == "value":
                cm = meta.columns.get(base)
                e, unit = inputs[base]
                if cm is None:
                    problems.add(1, k + 1, h, "not described in the metadata: give its unit and its source, assumption or derived formula")
                else:
                    if cm.unit != unit:
                        problems.add(1, k + 1, h, f"the metadata gives unit {cm.unit!r}; this input is in {unit!r}")
                    if unit.startswith("GBP") and cm.price_year is None:
                        problems.add(1, k + 1, h, "money needs its price_year in the metadata")
                    _check_provenance(problems, k, h, cm, source_ids)
        elif (why := _release_refusal(h, scenario)) is not None:
            problems.add(1, k + 1, h, why)
        elif _looks_like_input(h):
            near = difflib.get_close_matches(h, list(inputs), n=1, cutoff=TYPO_CUTOFF)
            if near:  # a genuine typo: a close match among this proposal's inputs
                problems.add(1, k + 1, h, f"{NOT_AN_INPUT}; did you mean {near[0]!r}?")
            else:
                problems.add(1, k + 1, h, f"{NOT_AN_INPUT} ({scenario.proposal.id}){another}")
        elif h in meta.columns:
            kinds[k] = (h, "data")
            _check_provenance(problems, k, h, meta.columns[h], source_ids)
        else:
            near = difflib.get_close_matches(h, [*inputs, *meta.columns], n=1, cutoff=0.5)
            hint = f"; did you mean {near[0]!r}?" if near else ""
            problems.add(
                1, k + 1, h, f"names no input of this proposal and no column described in the metadata{hint}"
            )
    for h in meta.columns:
        if h not in header:
            problems.add(None, None, h, "described in the metadata but not a column of the table")
    problems.raise_if_any()

    paths = tuple(dict.fromkeys(p for p, part in kinds.values() if part in ("value", "low", "high")))
    missing = [p for p in paths if not any(kinds[k] == (p, "value") for k in kinds)]
    for p in missing:
        problems.add(1, 1, p, f"has {p}_low/{p}_high columns but no {p} column")
    pidx = {p: j for j, p in enumerate(paths)}
    n, K = len(rows), len(paths)
    values = np.full((n, K), np.nan)
    low = np.full((n, K), np.nan)
    high = np.full((n, K), np.nan)
    ids: list[str] = []
    names: list[str] = []
    codes: list[str] = []
    srcs: list[str] = []
    data: dict[str, list[str]] = {h: [] for k, (h, part) in kinds.items() if part == "data"}
    first_line: dict[str, int] = {}
    id_col = header.index("id") if "id" in header else 0
    for r, row in enumerate(rows):
        line = lines[r]
        if len(row) != len(header):
            problems.add(line, min(len(row), len(header)) + 1, "", f"the row has {len(row)} cells; the header has {len(header)}")
            ids.append("")
            names.append("")
            codes.append("")
            srcs.append("")
            for h in data:
                data[h].append("")
            continue
        cell = {h: row[k].strip() for k, h in enumerate(header)}
        aid = cell.get("id", "")
        col_of = cols[r]
        if not aid:
            problems.add(line, col_of[id_col], "id", "missing: every area needs an id")
        elif not ID_PATTERN.match(aid):
            problems.add(line, col_of[id_col], "id", f"an id is letters, digits, '_', '-' or '.', at most 64 (got {aid[:40]!r})")
        elif aid in first_line:
            problems.add(line, col_of[id_col], "id", f"duplicate id {aid!r} (first on line {first_line[aid]})")
        else:
            first_line[aid] = line
        ids.append(aid)
        names.append(cell.get("name") or aid)
        codes.append(cell.get("code", ""))
        sid = cell.get("source", "")
        if sid and sid not in source_ids:
            problems.add(line, col_of[header.index("source")], "source", f"unknown source {sid!r}: list it under the metadata's sources")
        srcs.append(sid)
        for k, (p, part) in kinds.items():
            text = row[k].strip()
            if part == "data":
                data[p].append(text)
                continue
            target = {"value": values, "low": low, "high": high}[part]
            if not text:
                if part == "value":
                    problems.add(line, col_of[k], header[k], "missing: every area needs a value here")
                continue
            v = _number(text)
            if v is None:
                problems.add(line, col_of[k], header[k], f"not a number (got {text[:40]!r}); write digits with a point, e.g. 0.08")
                continue
            e, unit = inputs[p]
            lo, hi = e.domain_low, e.high(horizon)
            if not lo <= v <= hi:
                hint = " (fractions are written 0 to 1: 0.14 for 14%)" if e.unit == "fraction" and 1 < v <= 100 else ""
                problems.add(line, col_of[k], header[k], f"must be between {lo:g} and {hi:g} {unit} (got {v:g}){hint}")
                continue
            if e.integer and not float(v).is_integer():
                problems.add(line, col_of[k], header[k], f"must be a whole number of {unit} (got {v:g})")
                continue
            target[r, pidx[p]] = v
    problems.raise_if_any()
    for j, p in enumerate(paths):  # a row's range must hold its value: low <= value <= high
        lo_ok = np.isnan(low[:, j]) | (low[:, j] <= values[:, j])
        hi_ok = np.isnan(high[:, j]) | (values[:, j] <= high[:, j])
        for r in np.flatnonzero(~(lo_ok & hi_ok)).tolist():
            k = header.index(p)
            problems.add(lines[r], cols[r][k], p, f"must lie between {p}_low and {p}_high (got {values[r, j]:g})")
        both = np.isnan(low[:, j]) != np.isnan(high[:, j])
        for r in np.flatnonzero(both).tolist():
            problems.add(lines[r], 1, p, f"give both {p}_low and {p}_high, or neither")
    problems.raise_if_any()
    return AreaTable(
        path=name,
        metadata=meta,
        ids=tuple(ids),
        names=tuple(names),
        codes=tuple(codes),
        row_sources=tuple(srcs),
        lines=tuple(lines),
        paths=paths,
        units=tuple(inputs[p][1] for p in paths),
        values=values,
        low=low,
        high=high,
        data={h: tuple(v) for h, v in data.items()},
    )


def _release_refusal(column: str, scenario: Scenario) -> str | None:
    """Why a release-profile column cannot be an area's input, or None if it is not one (or can be)."""
    base = column
    for suffix in RANGE_SUFFIXES:
        base = base.removesuffix(suffix)
    parts = base.split(".")
    if len(parts) != 4 or parts[0] != "prevention_costs" or parts[2] != "release_profile":
        return None
    if parts[3] == "shares":
        return (
            "release shares are a list by year and an area table sets one number per area: give the cost "
            "line a release_profile.ramp_years instead and set that column"
        )
    if parts[3] != "ramp_years":
        return None
    line = next((c for c in scenario.proposal.prevention_costs if c.id == parts[1]), None)
    if line is None:
        return None  # the generic 'not one of this proposal' message, with its suggestion
    if scenario.proposal.kind != "cut":
        return "a release ramp applies to a cut only, and this proposal is new spending"
    profile = getattr(line, "release_profile", None)
    if profile is None:
        return (
            f"cost line {parts[1]!r} has no release_profile: give it one with ramp_years in the proposal "
            "file (the area table can then set each area's ramp)"
        )
    if profile.ramp_years is None:
        return (
            f"cost line {parts[1]!r} gives its release profile as shares by year, which an area table cannot "
            "set: give it ramp_years instead"
        )
    return None


NOT_AN_INPUT = "is an input path, but not one of this proposal"
"""How a column that names an input path this proposal does not have begins its message."""

ANOTHER_PROPOSAL = "the table looks written for another proposal"
"""Said of a table whose input columns are another proposal's (the CLI adds where its template is)."""

TYPO_CUTOFF = 0.85
"""How close (difflib's ratio) an unknown input column must be to one of the proposal's inputs to be
suggested as a typo of it: a letter or two off ('outcomes.first_time_entrant.baseline_rate': 0.99), not
another outcome's field of the same name ('outcomes.ae_attendances.baseline_rate' for
'outcomes.first_time_entrants.baseline_rate': 0.76, which would mislead)."""


def _another_proposal(meta: AreaMetadata, scenario: Scenario, *, fitting: bool) -> str:
    """The words after :data:`NOT_AN_INPUT` for a column with no close match: that the table looks written
    for another proposal (named when the metadata names it), or '' when the table otherwise fits this one
    and names no other proposal."""
    written_for = meta.proposal
    if written_for is not None and written_for != scenario.proposal.id:
        return f": {ANOTHER_PROPOSAL}, {written_for!r} (its metadata says so)"
    if not fitting and written_for is None:
        return f": {ANOTHER_PROPOSAL} (none of its input columns is an input of this one)"
    return ""


def looks_written_for_another_proposal(exc: AssumptionError) -> bool:
    """Whether an area table was refused because it looks written for another proposal."""
    return any(ANOTHER_PROPOSAL in p.message for p in exc.problems)


def _looks_like_input(column: str) -> bool:
    """Whether a column is named like an input path (its template is in the registry)."""
    base = column
    for suffix in RANGE_SUFFIXES:
        base = base.removesuffix(suffix)
    try:
        entry(template_of(base))
    except KeyError:
        return False
    return True


def _check_provenance(problems: _Problems, k: int, h: str, cm: ColumnMeta, source_ids: set[str]) -> None:
    given = [x for x in (cm.source, cm.assumption, cm.derived) if x]
    if len(given) != 1:
        problems.add(1, k + 1, h, "the metadata must give exactly one of source, assumption or derived (a formula)")
    if cm.source and cm.source != "row" and cm.source not in source_ids:
        problems.add(1, k + 1, h, f"the metadata names unknown source {cm.source!r}")


def area_ranges(table: AreaTable, scenario: Scenario) -> tuple[F, F]:
    """Each area's (low, high) of every input column, (n, K) each.

    The row's own ``_low``/``_high`` where the table gives them; otherwise, when the proposal gives the
    input a range, the proposal's range scaled by the area's value over the proposal's (the same
    relative spread: a rate half the proposal's has half its low and half its high), within the
    input's domain; otherwise no range (low = high = the area's value).
    """
    quantities = {s.path: s for s in settings(scenario.proposal, unit_costs=scenario.unit_costs)}
    horizon = scenario.proposal.appraisal.horizon_years
    low, high = table.low.copy(), table.high.copy()
    for j, p in enumerate(table.paths):
        v = table.values[:, j]
        s = quantities.get(p)
        q = s.quantity if s is not None else None
        q_low, q_high = getattr(q, "low", None), getattr(q, "high", None)
        central = float(getattr(q, "value", 0.0) or 0.0)
        if q_low is not None and q_high is not None and central != 0.0 and s is not None:
            e = s.entry
            lo = np.clip(v * (float(q_low) / central), e.domain_low, e.high(horizon))
            hi = np.clip(v * (float(q_high) / central), e.domain_low, e.high(horizon))
            if e.integer:
                lo, hi = np.floor(lo), np.ceil(hi)
        else:
            lo = hi = v
        gap = np.isnan(low[:, j])
        low[gap, j] = np.minimum(lo, v)[gap]
        high[gap, j] = np.maximum(hi, v)[gap]
    return low, high


def column_factors(table: AreaTable, scenario: Scenario) -> F:
    """(K,) what each input column's values are multiplied by to be in the input's own units: for a
    money column whose price year differs from the proposal quantity's own, the deflator's ratio
    ``index[own year] / index[column's year]``; 1 otherwise. [ratio]"""
    found = {s.path: s for s in settings(scenario.proposal, unit_costs=scenario.unit_costs)}
    meta = table.metadata.columns
    index = scenario.deflator.index
    factors = np.ones(len(table.paths))
    for j, p in enumerate(table.paths):
        col_year = meta[p].price_year if p in meta else None
        own_year = getattr(found[p].quantity, "price_year", None) if p in found else None
        if col_year is not None and own_year is not None and col_year != own_year:
            factors[j] = index[own_year] / index[col_year]  # into the input's own price year
    return factors


def area_edits(table: AreaTable, row: int, scenario: Scenario) -> dict[str, float]:
    """The edits (input path -> value, and ``.low``/``.high`` where the area has a range) that write
    one area's values into the proposal, money converted to each quantity's own price year
    (:func:`column_factors`): ``load_proposal(file, area_edits(t, i, sc))`` is that area."""
    low, high = area_ranges(table, scenario)
    factor = column_factors(table, scenario)
    out: dict[str, float] = {}
    for j, p in enumerate(table.paths):
        out[p] = float(table.values[row, j] * factor[j])
        if low[row, j] < high[row, j]:
            out[f"{p}.low"] = float(low[row, j] * factor[j])
            out[f"{p}.high"] = float(high[row, j] * factor[j])
    return out


def shipped_tables(root: str | os.PathLike[str]) -> Sequence[str]:
    """The area tables shipped under ``root`` (``assumptions/areas``), sorted."""
    base = os.fspath(root)
    if not os.path.isdir(base):
        return []
    return sorted(
        os.path.join(base, f)
        for f in os.listdir(base)
        if f.endswith(".csv") or (f.endswith((".yaml", ".yml")) and not f.endswith(".meta.yaml"))
    )


TOTAL_SHEETS_MAX_LINES = 200
"""Most cost lines, savings lines and outcomes (over all areas) the proposal-in-every-area scenario of
:func:`combined_scenario` may have: its workbook sheets take about a second to build at this size."""

_PER_AREA_PREFIXES = ("prevention_costs.", "outcomes.", "savings.")


def combined_scenario(table: AreaTable, scenario: Scenario) -> tuple[Scenario | None, str]:
    """The proposal in every area of ``table`` at once: one scenario whose cost lines, savings lines and
    outcomes are each area's (with that area's values, :func:`area_edits`), ids prefixed with the area's
    id and labels with its name, so its appraisal is the total of the areas (every flow adds up; dual
    running and financing are those of the total). Returns it and ``""``, or ``None`` and the reason it
    cannot be built: a column that sets an input every area shares (a unit cost, an appraisal setting),
    a pool or responsibility charges (which name outcomes and budgets of one place), or more than
    :data:`TOTAL_SHEETS_MAX_LINES` lines and outcomes in all."""
    from dataclasses import replace

    from .loading import edit_proposal

    p = scenario.proposal
    shared = [c for c in table.paths if not c.startswith(_PER_AREA_PREFIXES)]
    if shared:
        return None, f"the column {shared[0]} sets an input every area shares, so the areas are not separate lines"
    if p.pool is not None or p.responsibility_charges:
        return None, "the proposal has a pooled budget or responsibility charges, which belong to one place"
    lines = table.n * (len(p.prevention_costs) + len(p.outcomes) + len(p.savings))
    if lines > TOTAL_SHEETS_MAX_LINES:
        return None, (
            f"{table.n:,} areas make {lines:,} cost lines and outcomes, more than the "
            f"{TOTAL_SHEETS_MAX_LINES} a readable workbook holds"
        )
    costs: list[Any] = []
    outcomes: list[Any] = []
    savings: list[Any] = []
    for i in range(table.n):
        area = edit_proposal(p, area_edits(table, i, scenario))
        aid, name = table.ids[i], table.names[i]
        costs += [_in_area(x, aid, name) for x in area.prevention_costs]
        outcomes += [_in_area(x, aid, name) for x in area.outcomes]
        savings += [_in_area(x, aid, name) for x in area.savings]
    total = p.model_copy(
        update={
            "title": f"{p.title}: total of {table.n} areas",
            "area": f"Every area of {table.metadata.title} ({table.n} areas)",
            "prevention_costs": costs,
            "outcomes": outcomes,
            "savings": savings,
        }
    )
    return replace(scenario, proposal=total), ""


def _in_area(item: Any, area_id: str, area_name: str) -> Any:
    """A cost line, savings line or outcome of one area: id prefixed with the area's, label with its name."""
    return item.model_copy(update={"id": f"{area_id}__{item.id}", "label": f"{area_name}: {item.label}"})


TEMPLATE_INPUTS = ("outcomes.*.cohort", "outcomes.*.baseline_rate")
"""The inputs an area table template gives a column (the figures that differ most from place to place);
any other input path of the proposal can be added as a column (docs/batch.md)."""


def area_table_template(scenario: Scenario) -> str:
    """A one-file (YAML) area table to fill in for ``scenario``'s proposal: a column for each outcome's
    cohort and baseline rate, with its unit, and one row holding the proposal's own central values, each
    column marked as an assumption until a source is given. It reads back as a valid table whose one
    area is the proposal itself."""
    import yaml

    chosen = [
        s
        for s in settings(scenario.proposal, unit_costs=scenario.unit_costs)
        if s.entry.template in TEMPLATE_INPUTS
    ]
    inputs = _input_paths(scenario)
    proposal = scenario.proposal
    columns = {
        s.path: {
            "unit": inputs[s.path][1],
            "description": f"{s.entry.label} ({s.rows[0].label})" if s.rows else s.entry.label,
            "assumption": "the proposal's own central value: replace it with each area's published figure, "
            "then list that publication under sources and write source: row here instead",
        }
        for s in chosen
        if s.path in inputs
    }
    row: dict[str, Any] = {"id": "proposal", "name": "The proposal's own figures (replace with one row per area)"}
    row.update({s.path: float(s.quantity.value) for s in chosen if s.path in inputs})
    data = {
        "metadata": {
            "title": f"Areas for {proposal.id}: fill in one row per area",
            "proposal": proposal.id,
            "description": "A template written by costmodel for this proposal (docs/batch.md). Each area sets "
            "the inputs named by the columns; any other input path of the proposal may be added as a column.",
            "coverage": "TEMPLATE: no area's figures yet. Say here which areas the table covers and which it "
            "leaves out.",
            "sources": [],
            "columns": columns,
        },
        "areas": [row],
    }
    header = (
        f"# An area table for {proposal.id} (costmodel batch, or the app's Every area page): one row per area.\n"
        "# Replace the one row with your areas' own figures, each with a source listed under metadata.sources.\n"
    )
    return header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
