"""Typed models of the assumption files (the analyst's interface).

Every numeric input is a *quantity*: one value, its unit, and where it comes from (a ``source``
id, or an explicit ``assumption`` with its reason), in the spirit of PolicyEngine/OpenFisca
parameters but tightened:

* unknown keys are errors (``extra="forbid"``);
* types are strict (YAML ``true`` is not the number 1; ``"3.5%"`` is not a number);
* percentages are fractions in [0, 1] and a value such as ``35`` where a fraction is expected is
  caught with a hint;
* NaN and infinity are refused everywhere;
* each field states its unit, and the unit written in the file must match it.

Years are *financial years* named by the calendar year in which they start (``2025`` is 2025-26).
Appraisal years inside a proposal are counted from 0 (the first appraisal year, undiscounted).
The names follow ``docs/glossary.md``.
"""

# No ``from __future__ import annotations`` in this module: with it, pydantic compiles and evaluates
# every field's annotation from its text when the models are built (~300 of them, ~4 ms of every cold
# command). The few names used before they are defined are written in quotes.

from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from .registry import describe

SCHEMA_VERSION = 1

Id = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", min_length=1, max_length=64),
    Field(description="Identifier: lower case letters, digits and underscores, starting with a letter."),
]
Text = Annotated[str, StringConstraints(min_length=1, max_length=4000, strip_whitespace=True)]
FinancialYear = Annotated[
    int,
    Field(
        ge=1900,
        le=2200,
        description="Financial year, named by the calendar year it starts in (2024 = 2024-25).",
    ),
]
Grade = Literal["A", "B", "C", "U"]
Distribution = Literal["triangular", "pert", "uniform", "normal", "lognormal"]

GRADE_MEANINGS: dict[str, str] = {
    "A": "primary dataset, official statistics or the original document, read directly",
    "B": "reputable secondary source quoting the primary figure",
    "C": "secondary transcription or a derived figure (e.g. uprated or combined)",
    "U": "the basis of the figure could not be checked; treat as a claim",
    "assumption": "a stated assumption, no source: its reason is given instead",
}


def _no_items() -> list[Any]:
    """An optional list field's default: a new empty list.

    (Not ``default_factory=list``: pydantic asks every default factory for its signature, and for a
    builtin such as ``list`` Python finds it by tokenizing the signature's text, ~0.1 ms a field at
    every start; ~2 ms for these models.)"""
    return []


def _no_entries() -> dict[str, Any]:
    """An optional mapping field's default: a new empty dict (a function, as :func:`_no_items` says why)."""
    return {}


class StrictModel(BaseModel):
    """Base of every assumption model: unknown keys forbidden, strict types, no NaN/inf, frozen."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, allow_inf_nan=False, defer_build=True)


def _reject_percent_strings(value: object) -> object:
    if isinstance(value, str) and value.strip().endswith("%"):
        raise ValueError(
            f"percentages are written as fractions: write {_pct_hint(value)} rather than {value!r}"
        )
    return value


def num(v: float) -> str:
    """A number as people write it, but never rounded into another number: 250, 0.35, 1.0000001."""
    short = f"{v:g}"
    try:
        return short if float(short) == v else repr(float(v))
    except (OverflowError, ValueError):
        return repr(v)


def looks_like_percentage(v: float) -> bool:
    """True for a number that reads as a percentage where a fraction is wanted: above 1, at most 100,
    and with at most two decimals (35, 3.5, 12.25; not 1.0000001)."""
    return 1 < abs(v) <= 100 and abs(v * 100 - round(v * 100)) < 1e-6


def _pct_hint(text: str) -> str:
    try:
        return repr(round(float(text.strip().rstrip("%")) / 100, 6))
    except ValueError:
        return "a number between 0 and 1"


# ---------------------------------------------------------------------------------------------
# Provenance
# ---------------------------------------------------------------------------------------------


class Source(StrictModel):
    """A publication a figure comes from, with a confidence grade for the figure's evidence."""

    id: Id
    title: Text = Field(description="Title of the publication.")
    publisher: Text = Field(description="Organisation or author(s) that published it.")
    year: int = Field(ge=1900, le=2100, description="Year of publication.")
    url: Annotated[str, StringConstraints(pattern=r"^https?://\S+$")] = Field(
        description="Where a reader can find it (http or https address)."
    )
    grade: Grade = Field(
        description="Confidence grade: A primary/official; B reputable secondary; C derived or "
        "transcribed; U basis unverified (a claim)."
    )
    licence: Text | None = Field(
        default=None, description="Licence of the data, where it matters (e.g. CC BY 4.0)."
    )
    note: Text | None = Field(default=None, description="What to check, caveats, which table or page.")


GRADE_ORDER: dict[str, int] = {"A": 0, "B": 1, "C": 2, "U": 3, "assumption": 4}
"""Strength of evidence, strongest first: a derived figure takes the weakest grade of its inputs."""

SOURCE_RATING_GRADES: dict[str, str] = {"green": "B", "amber": "C", "red": "U"}
"""A compilation's own confidence rating of a row (the GMCA Unit Cost Database's red/amber/green)
mapped to this project's grades: green -> B (a secondary compilation, at best B), amber -> C,
red -> U. See docs/sources-and-grades.md."""


def weakest_grade(grades: list[str]) -> str:
    """The weakest of some grades (A strongest, then B, C, U, and a stated assumption weakest)."""
    return max(grades, key=lambda g: GRADE_ORDER[g]) if grades else "A"


def _given(model: BaseModel, keys: tuple[str, ...]) -> list[str]:
    """Which of ``keys`` a model sets (not None), in their order."""
    return [k for k in keys if getattr(model, k) is not None]


def _exactly_one(model: BaseModel, keys: tuple[str, ...], message: str) -> None:
    """The rule "exactly one of ``keys``": ``message`` when none or several are set."""
    if len(_given(model, keys)) != 1:
        raise ValueError(message)


class DerivedInput(StrictModel):
    """One input of a derived figure: what it is (with its value) and where it comes from: a source,
    a stated assumption, or the proposal's own design (its size or area: a choice, not evidence)."""

    name: Text = Field(description="The input in words, with its value, e.g. 'families a year: 200'.")
    source: Id | None = Field(default=None, description="Id of the source this input comes from.")
    assumption: Text | None = Field(
        default=None, description="For an input with no source: why it is a reasonable assumption."
    )
    design: Text | None = Field(
        default=None,
        description="For the proposal's own scale (families served, the area's population, the "
        "programme's length): what the choice is. A choice is not evidence, so it carries no grade.",
    )

    @model_validator(mode="after")
    def _exactly_one_provenance(self):
        _exactly_one(
            self,
            ("source", "assumption", "design"),
            "each input of a derived figure needs exactly one of 'source', 'assumption' or 'design'",
        )
        return self


class Derived(StrictModel):
    """How a figure was derived from others: its formula and every input. The figure takes the
    weakest grade of its inputs (and of its own ``source``)."""

    formula: Text = Field(description="The arithmetic, in words and symbols, e.g. '200 x 1515'.")
    inputs: Annotated[list[DerivedInput], Field(min_length=1, max_length=20)] = Field(
        description="Every input the formula uses, each with a source or a stated assumption."
    )


class _Provenanced(StrictModel):
    """Mixin: exactly one of ``source`` or ``assumption``; a derived figure also shows ``derived``."""

    source: Id | None = Field(default=None, description="Id of the source this figure comes from.")
    assumption: Text | None = Field(
        default=None,
        description="For a figure with no source: why this value is a reasonable stated assumption.",
    )
    note: Text | None = Field(
        default=None, description="Where in the source (table, page, code) or a caveat."
    )
    derived: Derived | None = Field(
        default=None,
        description="For a figure computed from others: its formula and inputs (it takes the weakest "
        "grade of its inputs).",
    )

    @model_validator(mode="after")
    def _exactly_one_provenance(self):
        _exactly_one(
            self,
            ("source", "assumption"),
            "every figure needs exactly one of 'source' (the id of a listed source) or "
            "'assumption' (the reason for a stated assumption)",
        )
        return self


class _Ranged(_Provenanced):
    low: float | None = Field(default=None, description="Low end of the plausible range (same unit).")
    high: float | None = Field(default=None, description="High end of the plausible range (same unit).")
    distribution: Distribution | None = Field(
        default=None, description="Shape of the uncertainty between low and high (default triangular)."
    )

    @field_validator("low", "high", check_fields=False)
    @classmethod
    def _within_the_value_bounds(cls, v: float | None, info: ValidationInfo) -> float | None:
        """A range end obeys the same bounds as the value (a high of 1e308 would overflow the draws)."""
        if v is None:
            return v
        lo, hi = _value_bounds(cls)
        if (lo is not None and v < lo) or (hi is not None and v > hi):
            if lo is not None and hi is not None:
                span = f"between {num(lo)} and {num(hi)}"
            else:
                span = f"at least {num(lo)}" if lo is not None else f"at most {num(hi or 0)}"
            raise ValueError(f"{info.field_name} must be {span}, like the value (got {num(v)})")
        return v

    @model_validator(mode="after")
    def _ordered(self):
        value = self.value  # type: ignore[attr-defined]
        if (self.low is None) != (self.high is None):
            raise ValueError("give both 'low' and 'high', or neither")
        if self.low is not None and self.high is not None:
            if self.low > value:
                raise ValueError(f"low ({num(self.low)}) must not exceed value ({num(value)})")
            if value > self.high:
                raise ValueError(f"value ({num(value)}) must not exceed high ({num(self.high)})")
        if self.distribution is not None and self.low is None:
            raise ValueError("a 'distribution' needs 'low' and 'high'")
        # --- uncertainty: impossible distribution parameters (costmodel.inputs.distributions) ---
        if self.low is not None and self.high is not None:
            from .distributions import distribution_problem

            problem = distribution_problem(self.distribution, self.low, value, self.high)
            if problem is not None:
                raise ValueError(problem)
        return self


def _value_bounds(cls: type[BaseModel]) -> tuple[float | None, float | None]:
    """The (ge, le) bounds declared on a model's ``value`` field."""
    field = cls.model_fields.get("value")
    lo = hi = None
    for meta in field.metadata if field is not None else ():
        lo = getattr(meta, "ge", lo) if getattr(meta, "ge", None) is not None else lo
        hi = getattr(meta, "le", hi) if getattr(meta, "le", None) is not None else hi
    return lo, hi


class _WrittenAsFraction(_Ranged):
    """Mixin: a rate written as a fraction; a percentage string such as '35%' is refused with the
    fraction to write instead."""

    @field_validator("value", "low", "high", mode="before", check_fields=False)
    @classmethod
    def _no_percent(cls, v: object) -> object:
        return _reject_percent_strings(v)


def _fraction_from(v: float | None, low: int, what: str) -> float | None:
    """``v`` (None, or a number between ``low`` and 1: 0 for a share, -1 for a relative change), else
    the error, with the fraction to write when it reads as a percentage."""
    if v is None:
        return v
    if (v > 1 or v < low < 0) and looks_like_percentage(abs(v)):  # a share's negative is never a percentage
        raise ValueError(
            f"fractions are written between {low} and 1; {num(v)} looks like a percentage: write {num(v / 100)} for {num(v)}%"
        )
    if not low <= v <= 1:
        raise ValueError(f"{what} must be between {low} and 1 (got {num(v)})")
    return v


class FractionQ(_WrittenAsFraction):
    """A share or rate in [0, 1]. [fraction]"""

    unit: Literal["fraction"] = Field(description="Always 'fraction': 0.35 means 35%.")
    value: float

    @field_validator("value", "low", "high")
    @classmethod
    def _in_unit_interval(cls, v: float | None) -> float | None:
        return _fraction_from(v, 0, "a fraction")


class SignedFractionQ(_WrittenAsFraction):
    """A relative change in [-1, 1]: positive reduces demand, negative adds to it. [fraction]"""

    unit: Literal["fraction"] = Field(description="Always 'fraction': 0.35 means 35%.")
    value: float

    @field_validator("value", "low", "high")
    @classmethod
    def _in_signed_interval(cls, v: float | None) -> float | None:
        return _fraction_from(v, -1, "a relative change")


class GrowthQ(_WrittenAsFraction):
    """Real growth per year, e.g. 0.02 for 2% a year above general inflation. [fraction per year]"""

    unit: Literal["fraction_per_year"]
    value: float

    @field_validator("value", "low", "high")
    @classmethod
    def _plausible(cls, v: float | None) -> float | None:
        if v is None:
            return v
        if not -0.5 <= v <= 0.5:
            hint = (
                f"; write {num(v / 100)} for {num(v)}% a year"
                if looks_like_percentage(v) and abs(v) <= 50
                else ""
            )
            raise ValueError(f"a growth rate must be between -0.5 and 0.5 a year (got {num(v)}{hint})")
        return v


class YearsQ(_Ranged):
    """A whole number of years. [years]"""

    unit: Literal["years"]
    value: Annotated[int, Field(ge=0, le=100)]
    low: Annotated[int, Field(ge=0, le=100)] | None = None  # type: ignore[assignment]
    high: Annotated[int, Field(ge=0, le=100)] | None = None  # type: ignore[assignment]


class PeoplePerYearQ(_Ranged):
    """A cohort intake: people (or cases, households) starting each year. [people per year]"""

    unit: Literal["people_per_year"]
    value: Annotated[float, Field(ge=0, le=1e9)]


class PerEventQ(_Ranged):
    """How many units of a unit cost each outcome event uses (e.g. 6 months of custody). [units per event]"""

    unit: Literal["units_per_event"]
    value: Annotated[float, Field(ge=0, le=1e6)]


Prices = Literal["real", "nominal"]


class MoneyQ(_Ranged):
    """A sum of money: in the prices of ``price_year`` (``prices: real``, the default) or in cash of the
    year it is spent (``prices: nominal``; no ``price_year``). [£]"""

    unit: Literal["GBP", "GBP_per_year"] = Field(
        description="'GBP' for a one-off sum, 'GBP_per_year' for a recurring one."
    )
    value: Annotated[float, Field(ge=0, le=1e12)]
    prices: Prices = Field(
        default="real",
        description="'real': in the prices of price_year; 'nominal': cash of the year it is spent "
        "(converted with the deflator, Green Book 2022 Table 1).",
    )
    price_year: FinancialYear | None = Field(
        default=None, description="Financial year whose prices the value is in (real prices only)."
    )

    @model_validator(mode="after")
    def _price_year_matches_prices(self):
        _check_price_year(self.prices, self.price_year)
        return self

    @property
    def real_price_year(self) -> int:
        """The price year of a real amount (nominal amounts have none: they are cash of each year)."""
        assert self.price_year is not None, "a nominal amount has no single price year"
        return self.price_year


def _check_price_year(prices: str, price_year: int | None) -> None:
    if prices == "real" and price_year is None:
        raise ValueError(
            "give 'price_year' (the financial year whose prices the figure is in), or write "
            "'prices: nominal' for cash of the year it is spent"
        )
    if prices == "nominal" and price_year is not None:
        raise ValueError(
            "a nominal (cash) figure is in the prices of the year it is spent: drop 'price_year' "
            "or write 'prices: real'"
        )


class MoneyByYear(_Provenanced):
    """Amounts for consecutive appraisal years, starting at the line's ``start_year``. [£ per year]

    ``prices: real`` with one ``price_year`` for every value, or a ``price_years`` list (one per value,
    e.g. an MTFS line in a different year's cash each year); ``prices: nominal``: each value is cash of
    the year it is spent."""

    unit: Literal["GBP_per_year"]
    values: Annotated[list[Annotated[float, Field(ge=0, le=1e12)]], Field(min_length=1, max_length=200)]
    prices: Prices = Field(
        default="real", description="'real' (price_year or price_years) or 'nominal' (cash)."
    )
    price_year: FinancialYear | None = None
    price_years: Annotated[list[FinancialYear], Field(min_length=1, max_length=200)] | None = Field(
        default=None, description="A price year for each value (real prices)."
    )

    @model_validator(mode="after")
    def _price_years_match(self):
        if self.price_years is not None:
            if self.prices == "nominal" or self.price_year is not None:
                raise ValueError(
                    "'price_years' gives each value's price year: drop 'price_year' and 'prices: nominal'"
                )
            if len(self.price_years) != len(self.values):
                raise ValueError(
                    f"'price_years' has {len(self.price_years)} entries but 'values' has {len(self.values)}: give one per value"
                )
            return self
        _check_price_year(self.prices, self.price_year)
        return self

    @property
    def real_price_year(self) -> int:
        assert self.price_year is not None, "this series has no single price year"
        return self.price_year


class SignedMoneyQ(MoneyQ):
    """A sum of money that may be negative (a savings line that adds cost). [£]"""

    value: Annotated[float, Field(ge=-1e12, le=1e12)]  # type: ignore[assignment]


class SignedMoneyByYear(MoneyByYear):
    """Amounts by year that may be negative (a savings line that adds cost in some years). [£ per year]"""

    values: Annotated[  # type: ignore[assignment]
        list[Annotated[float, Field(ge=-1e12, le=1e12)]], Field(min_length=1, max_length=200)
    ]


# ---------------------------------------------------------------------------------------------
# Unit-cost library
# ---------------------------------------------------------------------------------------------


class Agency(StrictModel):
    """A budget holder: who pays for prevention or bears the cost of acute demand."""

    id: Id
    name: Text
    description: Text | None = None


class Bearer(StrictModel):
    """The part of a unit cost that falls on one agency's budget. [£ per unit]"""

    agency: Id
    value: Annotated[float, Field(ge=0, le=1e9)]


LAYERS = ("fiscal", "economic", "social")
"""The value layers, in reporting order: public budgets, output and earnings, harm and wellbeing."""


class LayerComponent(StrictModel):
    """One part of a unit's economic or social value, e.g. 'lost output' or 'physical and emotional harm'
    (the Home Office costs-of-crime consequence costs). [£ per unit, in the unit cost's price year]"""

    component: Text = Field(description="What the value is, e.g. 'lost output', 'physical and emotional harm'.")
    value: Annotated[float, Field(ge=0, le=1e9)] = Field(description="£ per unit, in the unit cost's price year.")


class WellbeingChange(StrictModel):
    """A unit's effect on wellbeing or health in WELLBYs or QALYs, valued at the Green Book value of the
    measure (costmodel/data/reference.yaml) and discounted at the Green Book health rate. [measure per unit]"""

    measure: Literal["WELLBY", "QALY"] = Field(
        description="WELLBY: one point of life satisfaction (0-10) for one person for one year; "
        "QALY: one year in full health."
    )
    per_unit: Annotated[float, Field(ge=0, le=1000)] = Field(
        description="WELLBYs or QALYs lost per unit of acute demand (so avoided per unit prevented)."
    )
    source: Id | None = Field(default=None, description="Id of the source this figure comes from.")
    assumption: Text | None = Field(default=None, description="Why the figure is assumed, if not sourced.")
    note: Text | None = None

    @model_validator(mode="after")
    def _provenance(self):
        if self.source is None and self.assumption is None:
            raise ValueError("a wellbeing change needs a 'source' or an 'assumption'")
        return self


class UnitCost(_Provenanced):
    """The cost of one unit of acute demand (an arrest, a court event, a custody month...), split by the
    agencies that bear it (the fiscal layer), in the prices of ``price_year``; optionally also its
    economic value (e.g. lost output) and social value (e.g. harm to victims, wellbeing)."""

    id: Id
    label: Text
    per: Text = Field(
        description="What one unit is, e.g. 'first-time entrant, first year after the offence'."
    )
    unit: Literal["GBP_per_unit"]
    price_year: FinancialYear
    bearers: list[Bearer] = Field(
        default_factory=_no_items,
        description="The fiscal layer: the budgets that bear the cost, £ per unit each. May be empty only "
        "when the unit carries economic, social or wellbeing value (e.g. harm to victims alone).",
    )
    total: Annotated[float, Field(ge=0)] | None = Field(
        default=None,
        description="The published total, if any: the bearers must add up to it (to within £1 of rounding).",
    )
    grade: Grade | None = Field(default=None, description="Overrides the source's grade for this figure.")
    source_rating: Literal["green", "amber", "red"] | None = Field(
        default=None,
        description="The source's own confidence rating of this row (the GMCA Unit Cost Database's "
        "red/amber/green); it caps the grade: green -> B, amber -> C, red -> U.",
    )
    economic: list[LayerComponent] = Field(
        default_factory=_no_items,
        description="Economic value per unit, not a public budget: e.g. output lost by victims and employers. [£]",
    )
    social: list[LayerComponent] = Field(
        default_factory=_no_items,
        description="Social value per unit, not a public budget: e.g. physical and emotional harm to victims. [£]",
    )
    wellbeing: WellbeingChange | None = Field(
        default=None,
        description="Wellbeing or health lost per unit, in WELLBYs or QALYs (social layer, discounted at the "
        "Green Book health rate). Do not also give the same harm in 'social'.",
    )

    @property
    def economic_value(self) -> float:
        """Economic value per unit, in the unit cost's price year. [£ per unit]"""
        return float(sum(c.value for c in self.economic))

    @property
    def social_value(self) -> float:
        """Social value per unit (the money part; wellbeing is separate), in its price year. [£ per unit]"""
        return float(sum(c.value for c in self.social))

    @model_validator(mode="after")
    def _bearers_distinct_and_sum(self):
        if not self.bearers and not self.economic and not self.social and self.wellbeing is None:
            raise ValueError(
                "a unit cost needs at least one bearer (a budget that bears it), or an economic, social "
                "or wellbeing value"
            )
        seen: set[str] = set()
        for b in self.bearers:
            if b.agency in seen:
                raise ValueError(f"agency '{b.agency}' is listed twice among the bearers")
            seen.add(b.agency)
        if self.total is not None:
            s = sum(b.value for b in self.bearers)
            if abs(s - self.total) > 1.0:
                raise ValueError(f"the bearers add up to £{s:,.2f} but the total is £{self.total:,.2f}")
        return self


class UnitCostLibrary(StrictModel):
    """A shared library of agencies, sources and unit costs that proposals reference by id."""

    schema_version: Literal[1]
    description: Text
    agencies: list[Agency] = Field(default_factory=_no_items)
    sources: list[Source] = Field(default_factory=_no_items)
    unit_costs: list[UnitCost] = Field(default_factory=_no_items)


# ---------------------------------------------------------------------------------------------
# Proposal
# ---------------------------------------------------------------------------------------------


class Appraisal(StrictModel):
    """Appraisal settings: the Ten Year Test window, prices and discounting."""

    first_year: FinancialYear = Field(description=describe("appraisal.first_year"))
    horizon_years: Annotated[int, Field(ge=1, le=100)] = Field(
        default=10, description=describe("appraisal.horizon_years")
    )
    firm_budget_years: Annotated[int, Field(ge=0, le=100)] = Field(
        default=5, description=describe("appraisal.firm_budget_years")
    )
    price_base_year: FinancialYear = Field(description=describe("appraisal.price_base_year"))
    discount_schedule: Id = Field(
        default="green_book_standard", description=describe("appraisal.discount_schedule")
    )
    discount_rate: Annotated[float, Field(ge=0, le=0.5)] | None = Field(
        default=None, description=describe("appraisal.discount_rate")
    )
    deflator: Id = Field(default="hmt_gdp_deflator", description=describe("appraisal.deflator"))
    discount_year: FinancialYear | None = Field(
        default=None,
        description="The 'current year' the discount schedule counts from (default first_year). A proposal "
        "starting later is discounted back to it.",
    )
    count_committed: bool = Field(
        default=False,
        description="Count the savings committed beyond the horizon in the verdict (default: the horizon only).",
    )
    optimism_bias: Literal["apply", "off"] = Field(
        default="apply", description=describe("appraisal.optimism_bias")
    )

    @field_validator("discount_schedule", mode="before")
    @classmethod
    def _schedule_id_not_a_rate(cls, v: object) -> object:
        """One clear message for a rate written where a schedule id goes (a number, the old
        ``constant_0_035`` spelling): a constant rate is ``discount_rate``."""
        if (isinstance(v, (int, float)) and not isinstance(v, bool)) or (
            isinstance(v, str) and (v.startswith("constant_") or v.strip().endswith("%"))
        ):
            shown = num(float(v)) if isinstance(v, (int, float)) else repr(v[:40])
            raise ValueError(
                f"{shown} is not a schedule id: write one constant rate as discount_rate, e.g. "
                "discount_rate: 0.035 (and leave out discount_schedule)"
            )
        return v

    @field_validator("discount_rate", mode="before")
    @classmethod
    def _rate_as_a_fraction(cls, v: object) -> object:
        """A constant rate in [0, 0.5], with the percentage hint when it reads as one."""
        v = _reject_percent_strings(v)
        if isinstance(v, (int, float)) and not isinstance(v, bool) and v == v and abs(v) != float("inf"):
            if v > 1 and looks_like_percentage(v):
                raise ValueError(
                    f"a discount rate is a fraction; {num(v)} looks like a percentage: write {num(v / 100)} for {num(v)}%"
                )
            if not 0 <= v <= 0.5:
                raise ValueError(f"a discount rate must be between 0 and 0.5, e.g. 0.035 for 3.5% (got {num(v)})")
        return v

    @model_validator(mode="after")
    def _firm_within_horizon(self):
        if self.firm_budget_years > self.horizon_years:
            raise ValueError(
                f"firm_budget_years ({self.firm_budget_years}) cannot exceed horizon_years ({self.horizon_years})"
            )
        return self

    @property
    def discount_origin(self) -> int:
        """The discount year (default the first year). [financial year]"""
        return self.first_year if self.discount_year is None else self.discount_year


class ReleaseShares(_Provenanced):
    """The share of a cut line's full amount released in each year from its ``start_year``, in order;
    from the year after the last share on, all of it. [fraction]"""

    unit: Literal["fraction"] = Field(description="Always 'fraction': 0.5 means half the budget.")
    values: Annotated[list[float], Field(min_length=1, max_length=100)] = Field(
        description="Share released in each year from the line's start_year (0 to 1); all of it afterwards."
    )

    @field_validator("values", mode="before")
    @classmethod
    def _fractions(cls, v: object) -> object:
        if isinstance(v, list):
            for x in v:
                _reject_percent_strings(x)
                if isinstance(x, (int, float)) and not isinstance(x, bool) and x == x:
                    if x > 1 and looks_like_percentage(x):
                        raise ValueError(
                            f"release shares are fractions between 0 and 1; {num(x)} looks like a percentage: "
                            f"write {num(x / 100)} for {num(x)}%"
                        )
                    if not 0 <= x <= 1:
                        raise ValueError(f"a release share must be between 0 and 1 (got {num(x)})")
        return v


class ReleaseProfile(StrictModel):
    """How a cut budget is released over time (a cut rarely releases the whole budget in its first
    year: notice periods, consultation, contracts running to term): exactly one of ``shares`` by year
    or a ``ramp_years`` ramp."""

    shares: ReleaseShares | None = Field(
        default=None, description=describe("prevention_costs.*.release_profile.shares")
    )
    ramp_years: YearsQ | None = Field(
        default=None, description=describe("prevention_costs.*.release_profile.ramp_years")
    )

    @model_validator(mode="after")
    def _exactly_one(self):
        _exactly_one(
            self,
            ("shares", "ramp_years"),
            "give exactly one of 'shares' (a share released each year) or 'ramp_years'",
        )
        return self


def _check_amounts(line: "CostLine | SavingsLine", noun: str, one_off: str, recurring_only: str) -> None:
    """The rules a cost or savings line's amounts obey: exactly one of ``amount`` (its unit by the line's
    kind) or ``by_year``; ``end_year`` and ``growth`` only for a recurring amount, and not before
    ``start_year``. ``noun``, ``one_off`` and ``recurring_only`` word the messages ("cost", "a capital
    cost", "costs, not capital")."""
    if (line.amount is None) == (line.by_year is None):
        raise ValueError("give exactly one of 'amount' or 'by_year'")
    if line.amount is not None:
        if line.kind == "recurring" and line.amount.unit != "GBP_per_year":
            raise ValueError(f"a recurring {noun}'s amount has unit 'GBP_per_year'")
        if line.kind != "recurring" and line.amount.unit != "GBP":
            raise ValueError(f"{one_off}'s amount has unit 'GBP' (a one-off sum)")
    if line.kind != "recurring" and (line.end_year is not None or line.growth is not None):
        raise ValueError(f"'end_year' and 'growth' apply only to recurring {recurring_only}")
    if line.by_year is not None and (line.end_year is not None or line.growth is not None):
        raise ValueError("'by_year' gives every year's amount; drop 'end_year' and 'growth'")
    if line.end_year is not None and line.end_year < line.start_year:
        raise ValueError(f"end_year ({line.end_year}) is before start_year ({line.start_year})")


def _money_of(line: "CostLine | SavingsLine") -> MoneyQ | MoneyByYear:
    """A line's ``amount`` or its ``by_year`` amounts, whichever it gives (exactly one is set)."""
    money = line.amount if line.amount is not None else line.by_year
    assert money is not None  # checked by _check_amounts
    return money


class CostLine(StrictModel):
    """Spending on the prevention (or, for a cut, the budget taken away), paid by one agency."""

    id: Id
    label: Text
    paid_by: Id = Field(description="Agency id of the budget that pays.")
    kind: Literal["capital", "one_off", "recurring"]
    amount: MoneyQ | None = Field(default=None, description=describe("prevention_costs.*.amount"))
    by_year: MoneyByYear | None = Field(default=None, description=describe("prevention_costs.*.by_year"))
    start_year: Annotated[int, Field(ge=0, le=99)] = Field(
        default=0, description="First appraisal year it is paid in."
    )
    end_year: Annotated[int, Field(ge=0, le=99)] | None = Field(
        default=None, description="Last appraisal year of a recurring cost (default: end of the horizon)."
    )
    growth: GrowthQ | None = Field(default=None, description=describe("prevention_costs.*.growth"))
    release_profile: ReleaseProfile | None = Field(
        default=None,
        description="For a cut: how the budget is released over time (default: all of it from start_year).",
    )

    @model_validator(mode="after")
    def _one_profile(self):
        _check_amounts(self, "cost", f"a {self.kind} cost", f"costs, not {self.kind}")
        return self

    @property
    def money(self) -> MoneyQ | MoneyByYear:
        return _money_of(self)


class ClosureCost(StrictModel):
    """A one-off cost of making a cut (redundancy, contract exit, building closure or mothballing),
    paid by one budget holder in one appraisal year. It is spending, never money released. [£]"""

    id: Id
    label: Text
    paid_by: Id = Field(description="Agency id of the budget that pays it.")
    year: Annotated[int, Field(ge=0, le=99)] = Field(
        default=0, description="Appraisal year it is paid in (0 = the first year)."
    )
    amount: MoneyQ = Field(description=describe("closure_costs.*.amount"))

    @model_validator(mode="after")
    def _one_off(self):
        if self.amount.unit != "GBP":
            raise ValueError("a closure cost is a one-off sum: its amount has unit 'GBP'")
        return self


class UnitCostUse(StrictModel):
    """A unit cost incurred by each outcome event, optionally several units per event."""

    unit_cost: Id = Field(description="Id of a unit cost in the library or in this file.")
    per_event: PerEventQ | None = Field(
        default=None, description=describe("outcomes.*.unit_costs.*.per_event")
    )


class Outcome(StrictModel):
    """Acute demand the prevention avoids (or, for a cut, adds), and what it costs whom."""

    id: Id
    label: Text
    description: Text | None = None
    cohort: PeoplePerYearQ = Field(description=describe("outcomes.*.cohort"))
    intake_start_year: Annotated[int, Field(ge=0, le=99)] = 0
    intake_end_year: Annotated[int, Field(ge=0, le=99)] | None = Field(
        default=None, description="Last appraisal year with a new intake (default: end of the horizon)."
    )
    baseline_rate: FractionQ = Field(description=describe("outcomes.*.baseline_rate"))
    # signed (issue 11): negative when the spending adds demand (more referrals)
    effect: SignedFractionQ = Field(description=describe("outcomes.*.effect"))
    unit_costs: Annotated[list[UnitCostUse], Field(min_length=1)]
    lag_years: YearsQ = Field(description=describe("outcomes.*.lag_years"))
    persistence_years: YearsQ = Field(description=describe("outcomes.*.persistence_years"))
    drop_off: FractionQ = Field(description=describe("outcomes.*.drop_off"))
    deadweight: FractionQ = Field(description=describe("outcomes.*.deadweight"))
    displacement: FractionQ = Field(description=describe("outcomes.*.displacement"))
    attribution: FractionQ = Field(description=describe("outcomes.*.attribution"))
    optimism_bias: FractionQ = Field(description=describe("outcomes.*.optimism_bias"))
    cashable_share: FractionQ = Field(description=describe("outcomes.*.cashable_share"))
    cashable_delay_years: YearsQ = Field(description=describe("outcomes.*.cashable_delay_years"))

    @model_validator(mode="after")
    def _windows(self):
        if self.persistence_years.value < 1:
            raise ValueError("persistence_years must be at least 1 (an effect lasts at least one year)")
        if self.intake_end_year is not None and self.intake_end_year < self.intake_start_year:
            raise ValueError(
                f"intake_end_year ({self.intake_end_year}) is before intake_start_year ({self.intake_start_year})"
            )
        return self


class SavingsLine(StrictModel):
    """A plain saving a named budget holder makes: an amount by year, or a sum (one-off or recurring with
    start, end and growth). Negative amounts are costs the spending adds to that budget. [£]"""

    id: Id
    label: Text
    layer: Literal["fiscal", "economic", "social"] = Field(
        default="fiscal",
        description="The value layer: 'fiscal' (a public budget, named by saved_by; the default), "
        "'economic' (output and earnings beyond public budgets) or 'social' (harm and wellbeing beyond "
        "them). Negative amounts are losses in that layer.",
    )
    saved_by: Id | None = Field(
        default=None,
        description="Agency id of the budget that saves (or, if negative, pays more); fiscal lines only.",
    )
    kind: Literal["one_off", "recurring"] = "recurring"
    amount: SignedMoneyQ | None = Field(default=None, description="A one-off sum, or the amount each year.")
    by_year: SignedMoneyByYear | None = Field(
        default=None, description="Explicit amounts for consecutive years."
    )
    start_year: Annotated[int, Field(ge=0, le=99)] = Field(default=0, description="First appraisal year.")
    end_year: Annotated[int, Field(ge=0, le=99)] | None = Field(
        default=None, description="Last appraisal year of a recurring saving (default: end of the horizon)."
    )
    growth: GrowthQ | None = Field(default=None, description="Growth per year of a recurring amount.")
    cashable_share: FractionQ | None = Field(
        default=None, description="Share that can be taken out of the budget (default: all of it). [fraction]"
    )
    cashable_delay_years: Annotated[int, Field(ge=0, le=99)] = Field(
        default=0, description="Years after start_year before the cashable share can be released. [years]"
    )

    @model_validator(mode="after")
    def _one_profile(self):
        if self.layer == "fiscal" and self.saved_by is None:
            raise ValueError("a fiscal saving needs 'saved_by' (the budget holder that saves)")
        if self.layer != "fiscal" and (self.saved_by is not None or self.cashable_share is not None):
            raise ValueError(
                f"an {self.layer} value falls on no public budget: drop 'saved_by' and 'cashable_share' "
                "(or make the line 'fiscal')"
            )
        _check_amounts(self, "saving", "a one-off saving", "savings")
        return self

    @property
    def money(self) -> MoneyQ | MoneyByYear:
        return _money_of(self)


class FileDeflator(_Provenanced):
    """A deflator a proposal brings: an index by financial year, or a constant general-inflation rate
    (e.g. a council's MTFS inflation assumption) over a span of years."""

    id: Id
    label: Text
    index: dict[int, Annotated[float, Field(gt=0)]] | None = Field(
        default=None, description="Index value by financial year (any base)."
    )
    inflation: Annotated[float, Field(ge=-0.5, le=0.5)] | None = Field(
        default=None, description="Constant general inflation per year. [fraction per year]"
    )
    first_year: FinancialYear | None = Field(default=None, description="First year a constant rate covers.")
    last_year: FinancialYear | None = Field(default=None, description="Last year a constant rate covers.")

    @field_validator("inflation", mode="before")
    @classmethod
    def _no_percent(cls, v: object) -> object:
        return _reject_percent_strings(v)

    @model_validator(mode="after")
    def _one_kind(self):
        _exactly_one(
            self,
            ("index", "inflation"),
            "give exactly one of 'index' (values by year) or 'inflation' (a constant rate)",
        )
        if self.inflation is not None:
            if self.first_year is None or self.last_year is None:
                raise ValueError(
                    "a constant 'inflation' needs 'first_year' and 'last_year' (the years it covers)"
                )
            if self.last_year < self.first_year:
                raise ValueError(f"last_year ({self.last_year}) is before first_year ({self.first_year})")
        elif self.first_year is not None or self.last_year is not None:
            raise ValueError("'first_year' and 'last_year' go with a constant 'inflation', not an 'index'")
        if self.index is not None:
            years = sorted(self.index)
            if years != list(range(years[0], years[-1] + 1)):
                raise ValueError("the index must give every year between its first and last, with no gaps")
        return self


class Financing(StrictModel):
    """An invest-to-save (early-action) fund lending the dual-running gap, repaid from cashable savings."""

    fund: Text = Field(description="Name of the fund.")
    interest_rate: FractionQ = Field(description=describe("financing.interest_rate"))
    term_years: YearsQ = Field(description=describe("financing.term_years"))


InputPath = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)+$", max_length=300),
    Field(description="A ranged input by its path, e.g. 'outcomes.first_time_entrants.effect'."),
]


class Correlation(_Provenanced):
    """A rank (Spearman) correlation between ranged inputs, for the Monte Carlo: ``between`` two inputs,
    or a ``group`` sharing one common factor (every pair of the group then has this rank correlation).
    Each input keeps its own distribution (a Gaussian copula); docs/correlated-uncertainty.md."""

    between: Annotated[list[InputPath], Field(min_length=2, max_length=2)] | None = Field(
        default=None, description="Two ranged inputs, by path (e.g. 'outcomes.first_time_entrants.cohort')."
    )
    group: Annotated[list[InputPath], Field(min_length=2, max_length=50)] | None = Field(
        default=None,
        description="Ranged inputs that move together because they share one common factor "
        "(e.g. the same intake): every pair has the same rank correlation, between 0 and 1.",
    )
    rank_correlation: float = Field(
        description="Spearman rank correlation, between -1 and 1 (0: independent; 1: move in lockstep). [fraction]"
    )

    @field_validator("rank_correlation")
    @classmethod
    def _a_correlation(cls, v: float) -> float:
        if not -1.0 <= v <= 1.0:
            raise ValueError(f"a rank correlation must be between -1 and 1 (got {num(v)})")
        return v

    @model_validator(mode="after")
    def _one_shape(self):
        _exactly_one(
            self,
            ("between", "group"),
            "give exactly one of 'between' (two inputs) or 'group' (inputs sharing one factor)",
        )
        if self.group is not None and self.rank_correlation < 0:
            raise ValueError(
                f"a group shares one factor, so its rank correlation must be between 0 and 1 (got "
                f"{num(self.rank_correlation)}); declare a negative correlation pair by pair with 'between'"
            )
        return self

    @property
    def inputs(self) -> list[str]:
        return list(self.between if self.between is not None else self.group or [])


EditPath = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$", max_length=300)]


class SourcedEdit(StrictModel):
    """A new value for one input (by its path, e.g. ``outcomes.fte.effect``), sourced like any figure."""

    value: float | int | str = Field(description="The new value, in the input's own unit (or an id).")
    source: Id | None = Field(default=None, description="Id of the source of the new value.")
    assumption: Text | None = Field(
        default=None, description="For a value with no source: why it is a reasonable stated assumption."
    )
    note: Text | None = Field(default=None, description="Where in the source, or a caveat.")

    @model_validator(mode="after")
    def _exactly_one_provenance(self):
        _exactly_one(
            self,
            ("source", "assumption"),
            "every edit needs exactly one of 'source' (the id of a listed source) or "
            "'assumption' (the reason for a stated assumption)",
        )
        return self


class NamedScenario(StrictModel):
    """A named set of edits to the file's values (e.g. pessimistic, central, optimistic)."""

    description: Text | None = None
    edits: dict[EditPath, SourcedEdit] = Field(
        default_factory=_no_entries, description="Input path (by id) -> its value in this scenario."
    )


class UnmonetisedImpact(StrictModel):
    """An impact the proposal has that no figure counts: reported in every output's "not counted" list."""

    impact: Text = Field(description="What changes, e.g. 'young people's trust in adults'.")
    direction: Literal["positive", "negative", "uncertain"] = Field(
        description="Whether leaving it out understates the proposal's value (positive), overstates it "
        "(negative), or either."
    )
    evidence: Text = Field(description="What supports it, or why it cannot be valued.")


class Proposal(StrictModel):
    """A prevention proposal (new spending) or a cut, appraised by the Ten Year Test."""

    schema_version: Literal[1]
    id: Id
    title: Text
    description: Text
    area: Text = Field(description="Place or organisation the proposal covers.")
    kind: Literal["new_spending", "cut"] = Field(
        description="'new_spending' (costs now, savings later) or 'cut' (savings now, costs shunted later)."
    )
    appraisal: Appraisal
    unit_cost_library: Annotated[str, StringConstraints(min_length=1, max_length=500)] | None = Field(
        default="../unit_costs.yaml",
        description="Path of the shared unit-cost library, relative to this file (null for none).",
    )
    agencies: list[Agency] = Field(default_factory=_no_items, description="Agencies beyond those in the library.")
    sources: list[Source] = Field(default_factory=_no_items, description="Sources beyond those in the library.")
    unit_costs: list[UnitCost] = Field(
        default_factory=_no_items, description="Unit costs beyond those in the library."
    )
    prevention_costs: Annotated[list[CostLine], Field(min_length=1)]
    outcomes: list[Outcome] = Field(default_factory=_no_items)
    savings: list[SavingsLine] = Field(
        default_factory=_no_items, description="Plain savings lines: an amount a named budget holder saves."
    )
    closure_costs: list[ClosureCost] = Field(
        default_factory=_no_items,
        description="For a cut: one-off costs of making it (redundancy, contract exit, buildings), by budget holder.",
    )
    deflators: list[FileDeflator] = Field(
        default_factory=_no_items, description="Deflators this file brings (select one with appraisal.deflator)."
    )
    financing: Financing | None = None
    # --- pooled budgets and responsibility charges (see the block at the end of this module) ---
    pool: "Pool | None" = Field(
        default=None, description="A pooled budget: partners' contributions and how savings are shared."
    )
    responsibility_charges: "list[ResponsibilityCharge]" = Field(
        default_factory=_no_items,
        description="Charges one agency pays another when demand it could have prevented lands on the other.",
    )
    correlations: list[Correlation] = Field(
        default_factory=_no_items,
        description="Rank correlations between ranged inputs for the Monte Carlo (default: every input independent).",
    )
    unmonetised: list[UnmonetisedImpact] = Field(
        default_factory=_no_items,
        description="Impacts no figure counts (impact, direction, evidence): listed as 'not counted' in every output.",
    )
    scenarios: dict[Id, NamedScenario] = Field(
        default_factory=_no_entries,
        description="Named scenarios (pessimistic, central, optimistic, or any name): each a set of sourced "
        "edits to the values above, chosen with `costmodel run FILE --scenario NAME`.",
    )


# ---------------------------------------------------------------------------------------------
# Reference data shipped with the package (discount schedules, deflators)
# ---------------------------------------------------------------------------------------------


class RateBand(StrictModel):
    from_year: Annotated[int, Field(ge=0)]
    rate: Annotated[float, Field(ge=0, le=0.5)]


class DiscountSchedule(StrictModel):
    """A real discount-rate schedule: each band's rate applies from ``from_year`` on."""

    id: Id
    label: Text
    bands: Annotated[list[RateBand], Field(min_length=1)]
    source: Id
    note: Text | None = None

    @model_validator(mode="after")
    def _bands_start_at_zero_and_ascend(self):
        starts = [b.from_year for b in self.bands]
        if starts[0] != 0 or any(b >= a for a, b in zip(starts[1:], starts, strict=False)):
            raise ValueError("bands must start at year 0 and ascend")
        return self


class Deflator(StrictModel):
    """A price index by financial year, to convert figures between price years and to cash."""

    id: Id
    label: Text
    vintage: Text
    base_year: FinancialYear
    index: dict[int, Annotated[float, Field(gt=0)]]
    source: Id
    note: Text | None = None
    release_date: Text | None = Field(default=None, description="Publication date of the release.")
    outturn_to: FinancialYear | None = Field(
        default=None, description="Last outturn year; later published years are forecasts."
    )
    long_run_growth: Annotated[float, Field(ge=-0.5, le=0.5)] | None = Field(
        default=None, description="Assumed growth per year after the last published year. [fraction per year]"
    )
    long_run_assumption: Text | None = Field(
        default=None, description="Why the long-run growth (an assumption)."
    )
    extend_to: FinancialYear | None = Field(default=None, description="Last year the long-run growth covers.")
    published_to: FinancialYear | None = Field(
        default=None, description="Last published year (set when the index is extended)."
    )

    @model_validator(mode="after")
    def _contiguous(self):
        years = sorted(self.index)
        if years != list(range(years[0], years[-1] + 1)):
            raise ValueError("the index must give every year between its first and last, with no gaps")
        if (self.long_run_growth is None) != (self.extend_to is None):
            raise ValueError("give both 'long_run_growth' and 'extend_to', or neither")
        if self.long_run_growth is not None and self.long_run_assumption is None:
            raise ValueError("a long-run growth rate is an assumption: state it in 'long_run_assumption'")
        return self

    def extended(self, through: int | None = None) -> "Deflator":
        """The index with the long-run growth applied from the last published year to ``extend_to``,
        or further, to ``through``, when an appraisal reaches past ``extend_to`` (the long-run growth is
        an assumption about every later year, not only the tabulated ones)."""
        if self.long_run_growth is None or self.extend_to is None or self.published_to is not None:
            return self
        last = max(self.index)
        years = range(last + 1, max(self.extend_to, through or 0) + 1)
        ext = {y: self.index[last] * (1.0 + self.long_run_growth) ** (y - last) for y in years}
        return self.model_copy(update={"index": {**self.index, **ext}, "published_to": last})

    def forecast_years(self) -> tuple[int, int] | None:
        """First and last published forecast year, if any."""
        last = self.published_to if self.published_to is not None else max(self.index)
        if self.outturn_to is None or self.outturn_to >= last:
            return None
        return self.outturn_to + 1, last

    def describe(self) -> str:
        """One line naming the vintage, which years are forecasts and which are assumed."""
        text = self.vintage
        fc = self.forecast_years()
        if fc is not None:
            text += f"; forecasts {fc[0]}-{(fc[0] + 1) % 100:02d} to {fc[1]}-{(fc[1] + 1) % 100:02d}"
        if self.long_run_growth is not None:
            last = self.published_to if self.published_to is not None else max(self.index)
            text += f"; {self.long_run_growth:.1%} a year assumed from {last + 1}-{(last + 2) % 100:02d}"
        return text


class AppraisalValue(StrictModel):
    """A Green Book value of a non-market measure (one WELLBY, one QALY) in £, with its range."""

    id: Literal["WELLBY", "QALY"]
    label: Text
    value: Annotated[float, Field(gt=0, le=1e7)] = Field(description="£ per unit of the measure.")
    low: Annotated[float, Field(gt=0, le=1e7)] | None = None
    high: Annotated[float, Field(gt=0, le=1e7)] | None = None
    price_year: FinancialYear
    discount_schedule: Id = Field(description="The schedule these values are discounted at (the health rate).")
    source: Id
    note: Text | None = None


class ReferenceData(StrictModel):
    schema_version: Literal[1]
    description: Text
    sources: list[Source]
    discount_schedules: list[DiscountSchedule]
    deflators: list[Deflator]
    appraisal_values: list[AppraisalValue] = Field(default_factory=_no_items)


# ---------------------------------------------------------------------------------------------
# Pooled budgets, savings-sharing agreements and responsibility charges (costmodel.pooling)
# ---------------------------------------------------------------------------------------------


def _refuse_negative(value: object, what: str) -> object:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value < 0:
        raise ValueError(f"{what} cannot be negative (got {num(value)})")
    return value


class ContributionMoneyQ(MoneyQ):
    """A partner's contribution to a pool each year, in the prices of ``price_year``. [£ per year]"""

    unit: Literal["GBP_per_year"] = Field(description="Always 'GBP_per_year'.")  # type: ignore[assignment]
    prices: Literal["real"] = Field(default="real", description="Contributions are in real prices.")  # type: ignore[assignment]

    @field_validator("value", "low", "high", mode="before")
    @classmethod
    def _not_negative(cls, v: object) -> object:
        return _refuse_negative(v, "a contribution")


class Contribution(StrictModel):
    """What one partner puts into the pool: exactly one of a fixed cash sum each year, a share of each
    year's prevention costs, or an in-kind contribution (staff, premises) valued each year."""

    fixed: ContributionMoneyQ | None = Field(
        default=None, description=describe("pool.partners.*.contributions.*.fixed")
    )
    share_of_costs: FractionQ | None = Field(
        default=None, description=describe("pool.partners.*.contributions.*.share_of_costs")
    )
    in_kind: ContributionMoneyQ | None = Field(
        default=None, description=describe("pool.partners.*.contributions.*.in_kind")
    )
    start_year: Annotated[int, Field(ge=0, le=99)] = Field(
        default=0, description="First appraisal year of the contribution."
    )
    end_year: Annotated[int, Field(ge=0, le=99)] | None = Field(
        default=None, description="Last appraisal year of the contribution (default: end of the horizon)."
    )

    @model_validator(mode="after")
    def _exactly_one(self):
        given = _given(self, ("fixed", "share_of_costs", "in_kind"))
        if len(given) != 1:
            raise ValueError(
                "give exactly one of 'fixed' (cash per year), 'share_of_costs' (fraction) or 'in_kind' "
                f"(value per year) (got {', '.join(given) or 'none'}); list a partner twice for two kinds"
            )
        if self.end_year is not None and self.end_year < self.start_year:
            raise ValueError(f"end_year ({self.end_year}) is before start_year ({self.start_year})")
        return self

    @property
    def kind(self) -> str:
        return (
            "fixed" if self.fixed is not None else ("share_of_costs" if self.in_kind is None else "in_kind")
        )


class PoolPartner(StrictModel):
    """An agency in the pool and what it puts in (nothing, if it only shares in the savings)."""

    agency: Id = Field(description="Agency id of the partner.")
    contributions: list[Contribution] = Field(
        default_factory=_no_items, description="What the partner puts in (none: it only shares savings)."
    )


class PartnerShare(StrictModel):
    """One partner's share of the pooled savings under a pre-agreed formula. [fraction]"""

    partner: Id
    share: float = Field(description=describe("pool.sharing.shares.*.share"))

    @field_validator("share", mode="before")
    @classmethod
    def _share_range(cls, v: object) -> object:
        v = _reject_percent_strings(v)
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            if v < 0:
                raise ValueError(f"a share cannot be negative (got {num(v)})")
            if v > 1 and looks_like_percentage(v):
                raise ValueError(f"shares are fractions: write {num(v / 100)} for {num(v)}%")
            if v > 1:
                raise ValueError(f"a share must be between 0 and 1 (got {num(v)})")
        return v


SharingRuleName = Literal["as_they_fall", "pro_rata_to_contribution", "formula"]


class SavingsSharing(StrictModel):
    """How the savings landing on the partners are shared out.

    * ``as_they_fall``: no agreement, each keeps what lands on its budget;
    * ``pro_rata_to_contribution``: in proportion to each partner's present value of contributions;
    * ``formula``: a pre-agreed share per partner (``shares``), optionally different for the years
      beyond the firm-budget years (``shares_beyond``).
    """

    rule: SharingRuleName
    shares: list[PartnerShare] | None = Field(
        default=None,
        description="Formula shares in the firm-budget years (and beyond, unless shares_beyond).",
    )
    shares_beyond: list[PartnerShare] | None = Field(
        default=None, description="Formula shares in the years beyond the firm-budget years."
    )
    source: Id | None = Field(default=None, description="Where the agreed formula comes from.")
    assumption: Text | None = Field(default=None, description="Why these shares (for a proposed formula).")
    note: Text | None = None

    @model_validator(mode="after")
    def _shares_match_rule(self):
        if self.rule == "formula":
            if not self.shares:
                raise ValueError("the 'formula' rule needs 'shares' (a share for each partner)")
            _exactly_one(
                self,
                ("source", "assumption"),
                "an agreed formula needs exactly one of 'source' or 'assumption' (why these shares)",
            )
        elif self.shares is not None or self.shares_beyond is not None:
            raise ValueError(f"'shares' apply only to the 'formula' rule, not to '{self.rule}'")
        return self


class Pool(StrictModel):
    """A pooled budget: partners put money (or staff) into one pot that pays for the prevention; the
    savings that land on the partners are shared by the agreed rule."""

    name: Text
    description: Text | None = None
    host: Id | None = Field(
        default=None,
        description="Partner that holds the pool and meets any overspend (or keeps any underspend) when "
        "contributions differ from the costs (default: the first partner).",
    )
    partners: Annotated[list[PoolPartner], Field(min_length=1)]
    sharing: SavingsSharing = Field(description="How savings are shared among the partners.")


class ChargeRateQ(_Ranged):
    """A responsibility charge per event of an outcome, in the prices of ``price_year``. [£ per event]"""

    unit: Literal["GBP_per_event"]
    value: Annotated[float, Field(le=1e9)]
    price_year: FinancialYear

    @property
    def real_price_year(self) -> int:
        return self.price_year

    @field_validator("value", "low", "high", mode="before")
    @classmethod
    def _not_negative(cls, v: object) -> object:
        return _refuse_negative(v, "a charge")


class ChargeFixedQ(MoneyQ):
    """A fixed responsibility charge each year. [£ per year]"""

    unit: Literal["GBP_per_year"]  # type: ignore[assignment]
    prices: Literal["real"] = Field(default="real", description="Charges are in real prices.")  # type: ignore[assignment]

    @field_validator("value", "low", "high", mode="before")
    @classmethod
    def _not_negative(cls, v: object) -> object:
        return _refuse_negative(v, "a charge")


class ResponsibilityCharge(StrictModel):
    """A charge one agency (``from_agency``) pays another (``to_agency``) because demand it could have
    prevented lands on the other's budget: per event of an outcome, or a fixed sum each year.

    A per-event charge is counted by how much the proposal changes it: each event avoided is a charge
    the charged body no longer pays (its gain) and income the other body forgoes. A fixed charge is
    counted the same way, as the change the proposal causes: ``fixed`` (paid each year with the
    proposal) less ``fixed_without_proposal`` (paid without it; 0 when the proposal brings the charge in).
    """

    id: Id
    label: Text
    from_agency: Id = Field(description="The agency charged (whose inaction passes costs on).")
    to_agency: Id = Field(description="The agency that bears the demand and receives the charge.")
    outcome: Id | None = Field(default=None, description="Outcome whose events are charged per event.")
    per_event: ChargeRateQ | None = Field(
        default=None, description=describe("responsibility_charges.*.per_event")
    )
    fixed: ChargeFixedQ | None = Field(default=None, description=describe("responsibility_charges.*.fixed"))
    fixed_without_proposal: ChargeFixedQ | None = Field(
        default=None, description=describe("responsibility_charges.*.fixed_without_proposal")
    )
    start_year: Annotated[int, Field(ge=0, le=99)] = 0
    end_year: Annotated[int, Field(ge=0, le=99)] | None = None

    @model_validator(mode="after")
    def _one_basis(self):
        _exactly_one(
            self,
            ("per_event", "fixed"),
            "give exactly one of 'per_event' (with 'outcome') or 'fixed'",
        )
        if self.per_event is not None and self.outcome is None:
            raise ValueError("a per-event charge needs 'outcome': the outcome whose events are charged")
        if self.fixed is not None and self.outcome is not None:
            raise ValueError("'outcome' applies only to a per-event charge")
        if self.fixed is not None and self.fixed_without_proposal is None:
            raise ValueError(
                "a fixed charge needs 'fixed_without_proposal': the charge paid each year without the proposal "
                "(0 if the proposal brings the charge in), so that only the change it causes is counted"
            )
        if self.fixed is None and self.fixed_without_proposal is not None:
            raise ValueError("'fixed_without_proposal' applies only to a fixed charge")
        if self.end_year is not None and self.end_year < self.start_year:
            raise ValueError(f"end_year ({self.end_year}) is before start_year ({self.start_year})")
        return self


# Each model's validator is built once, when first needed (defer_build). Pydantic reuses the schema of a
# model already built inside any model built after it, and otherwise generates it afresh each time; so
# the models that several others contain (the proposal, the unit-cost library and the reference data all
# list sources, agencies and unit costs) and whose own serializers every run uses (the inputs' SHA-256)
# are built first, then the proposal with everything it contains: ~4 ms less of every cold command.
for _shared in (Source, Agency, UnitCost, DiscountSchedule, Deflator):
    _shared.model_rebuild()
Proposal.model_rebuild()


def figure_grade(q: object, source_grades: Mapping[str, str]) -> str:
    """The grade of one figure: its source's grade (or 'assumption'), an explicit ``grade`` where a
    unit cost overrides it, capped by the source's own ``source_rating``, and for a ``derived``
    figure the weakest of that and every input's grade (a ``design`` input, the proposal's own scale,
    carries none). An unknown source id counts as U."""

    def of(source: str | None) -> str:
        return "assumption" if source is None else source_grades.get(source, "U")

    explicit = getattr(q, "grade", None)
    grades = [str(explicit) if explicit is not None else of(getattr(q, "source", None))]
    rating = getattr(q, "source_rating", None)
    if rating is not None:
        grades.append(SOURCE_RATING_GRADES[rating])
    derived = getattr(q, "derived", None)
    if derived is not None:
        grades += [of(i.source) for i in derived.inputs if i.design is None]
    return weakest_grade(grades)
