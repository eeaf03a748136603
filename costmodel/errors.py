"""Errors raised by costmodel.

A small hierarchy in the style of pint: one base class, :class:`CostModelError`, and specific
errors that also subclass the matching built-in so callers can catch either. Every error that
comes from an input file carries where the problem is (file, line, column, field path) and the
rule it broke, and prints as one line per problem::

    assumptions/proposals/youth_work.yaml:42:15: outcomes.0.effect.value: must be a fraction ...

Errors are picklable (Streamlit's cache pickles results and exceptions).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One problem in one input file.

    Attributes
    ----------
    path : str
        The file as the user named it (or ``<upload>`` for uploaded bytes).
    line, col : int | None
        1-based position of the offending key or value, where known.
    field : str
        Dotted path to the field, e.g. ``outcomes.0.effect.value`` (empty for whole-file problems).
    message : str
        The rule that was broken, in words.
    """

    path: str
    line: int | None
    col: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = self.path
        if self.line is not None:
            where += f":{self.line}"
            if self.col is not None:
                where += f":{self.col}"
        field = f" {self.field}:" if self.field else ""
        return f"{where}:{field} {self.message}"


class CostModelError(Exception):
    """Base class of every error costmodel raises on purpose."""


class AssumptionError(CostModelError, ValueError):
    """One or more problems in an assumption file; ``problems`` lists them all."""

    def __init__(self, problems: list[Problem] | tuple[Problem, ...]):
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    def __reduce__(self):  # picklable despite the custom __init__
        return (type(self), (self.problems,))

    @classmethod
    def single(
        cls, path: str, message: str, *, field: str = "", line: int | None = None, col: int | None = None
    ) -> AssumptionError:
        return cls([Problem(path, line, col, field, message)])


class InputFileError(AssumptionError, OSError):
    """The file cannot be read at all: missing, unreadable, too large, not text."""


class ComputationError(CostModelError, ArithmeticError):
    """The appraisal produced a non-finite number (NaN or infinity) or an impossible value."""


class OutputError(CostModelError, OSError):
    """An output file could not be written (nothing partial is left behind)."""


class UsageError(CostModelError, ValueError):
    """An API argument or an edit is out of its allowed range.

    ``field`` names what was wrong as the library knows it: an argument (``draws``) or an input path
    (``appraisal.horizon_years``); the message then reads ``field rule``. The library never names a
    command-line flag: only the CLI maps a field to its flag (``costmodel.cli.FLAGS``).
    """

    def __init__(self, message: str, *, field: str = ""):
        self.field = field
        self.rule = message
        super().__init__(f"{field} {message}" if field else message)

    def __reduce__(self):  # picklable despite the keyword-only field
        return (_usage_error, (self.rule, self.field))


def _usage_error(message: str, field: str) -> UsageError:
    return UsageError(message, field=field)
