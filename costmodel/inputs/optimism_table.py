"""Optimism-bias tables (shipped as data in ``costmodel/data/optimism_bias.yaml``) and their loader.

The appraisal applies them by default (:mod:`costmodel.appraisal.optimism`: the risk-adjusted central
case); :func:`costmodel.uncertainty.sensitivity.optimism_effect` reports the same corrections.

Two corrections, both configurable data rather than constants:

* **by confidence grade** (GMCA style): each cost line's amount goes *up* and each benefit line's
  value goes *down* by a percentage that depends on the grade of its evidence (A, B, C, U, or
  ``assumption`` for a stated assumption with no source). The shipped percentages are a stated
  assumption (see the file), to be replaced by the GMCA table once read;
* **capital** (Green Book supplementary guidance, Mott MacDonald 2002): cost lines of kind
  ``capital`` go up by the capex upper bound of a chosen project category, times (1 − mitigation).
"""

from __future__ import annotations

import functools
import os
from typing import Annotated, Literal

from pydantic import Field, model_validator

from ..errors import UsageError
from .loading import OPTIMISM_TABLE_PATH, _validate, parse_file
from .models import StrictModel, Text

GRADE_KEYS = ("A", "B", "C", "U", "assumption")
BENEFIT_INPUTS = ("cohort", "baseline_rate", "effect", "unit_cost", "per_event")
GRADE_ORDER = {g: i for i, g in enumerate(GRADE_KEYS)}
"""Strength of evidence, strongest first: a line's grade is the weakest (highest) of its inputs."""

Pct = Annotated[float, Field(ge=0, le=5)]


class GradeCorrection(StrictModel):
    costs: Annotated[float, Field(ge=0, le=5)] = Field(description="Upward correction to costs. [fraction]")
    benefits: Annotated[float, Field(ge=0, le=1)] = Field(
        description="Downward correction to benefits. [fraction]"
    )


class TableSource(StrictModel):
    title: Text
    publisher: Text
    year: int
    url: Text


class ConfidenceGrades(StrictModel):
    status: Literal["assumption", "published"]
    assumption: Text | None = None
    source_to_check: TableSource | None = None
    source: TableSource | None = None
    benefit_grade_from: list[Literal["cohort", "baseline_rate", "effect", "unit_cost", "per_event"]] = Field(
        default_factory=lambda: ["cohort", "baseline_rate", "effect", "unit_cost", "per_event"]  # type: ignore[arg-type]
    )
    grades: dict[Literal["A", "B", "C", "U", "assumption"], GradeCorrection]

    @model_validator(mode="after")
    def _complete(self):
        missing = [g for g in GRADE_KEYS if g not in self.grades]
        if missing:
            raise ValueError(f"give a correction for every grade; missing: {', '.join(missing)}")
        if self.status == "assumption" and self.assumption is None:
            raise ValueError("a table with status 'assumption' needs 'assumption': its reason")
        if self.status == "published" and self.source is None:
            raise ValueError("a table with status 'published' needs its 'source'")
        return self


class CapitalCategory(StrictModel):
    label: Text
    capex_upper: Pct
    capex_lower: Pct
    duration_upper: Pct | None = None
    duration_lower: Pct | None = None


class CapitalTable(StrictModel):
    status: Literal["assumption", "published"]
    source: TableSource
    note: Text | None = None
    default_category: str
    categories: dict[str, CapitalCategory]

    @model_validator(mode="after")
    def _default_known(self):
        if self.default_category not in self.categories:
            raise ValueError(f"default_category '{self.default_category}' is not one of the categories")
        return self


class OptimismTable(StrictModel):
    schema_version: Literal[1]
    description: Text
    confidence_grades: ConfidenceGrades
    capital: CapitalTable


def load_optimism_table(path: str | os.PathLike[str] | None = None) -> OptimismTable:
    """Load an optimism-bias table (the shipped one by default, read once); bad files give file:line errors."""
    if path is None:
        return shipped_optimism_table()
    return _validate(parse_file(path), OptimismTable)


@functools.lru_cache(maxsize=1)
def shipped_optimism_table() -> OptimismTable:
    """The shipped table (``costmodel/data/optimism_bias.yaml``), parsed once per process."""
    return _validate(parse_file(OPTIMISM_TABLE_PATH), OptimismTable)


def check_capital_options(table: OptimismTable, category: str | None, mitigation: float) -> str:
    """The capital category to use (the table's default if None); refuse unknown ones in one line."""
    cat = category or table.capital.default_category
    if cat not in table.capital.categories:
        raise UsageError(
            f"must be a capital optimism-bias category: one of {', '.join(table.capital.categories)} (got '{cat}')",
            field="capital_category",
        )
    if not 0 <= mitigation <= 1:
        raise UsageError(f"must be a fraction between 0 and 1 (got {mitigation:g})", field="mitigation")
    return cat
