"""A small evaluator for the subset of Excel formulas the workbook export writes.

The export stores, next to every formula, the value the formula computes (so viewers that do not
recalculate show the right number). Those cached values are computed *by evaluating the formula
text* with this module, not copied from the engine, so the tests can compare them with the engine:
if a formula were wrong, the cached value would disagree with the engine's figure.

Supported: numbers, strings, TRUE/FALSE, cell references (``A1``, ``$A$1``, ``Sheet!A1``,
``'My sheet'!A1``), one-dimensional or rectangular ranges, the operators ``+ - * / ^ & = <> < > <= >=``
and unary minus, and the functions SUM, SUMPRODUCT, SUMIF, IF, AND, OR, NOT, LOOKUP, INDEX, MATCH
(exact, type 0), MAX, MIN, ABS, ROUND, RIGHT, NPV, RANK. Excel precedence is followed (unary minus binds
tighter than ``^``). Blank cells count as 0 in arithmetic, as in Excel.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Mapping
from typing import Any

Cells = Mapping[str, Mapping[tuple[int, int], Any]]
"""sheet name -> {(row, col) zero-based: number, string, bool, None, or a formula string '=...'}"""

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<string>"(?:[^"]|"")*")
  | (?P<ref>(?:(?:'(?:[^']|'')+'|[A-Za-z_][A-Za-z0-9_.]*)!)?\$?[A-Z]{1,3}\$?\d+(?::\$?[A-Z]{1,3}\$?\d+)?)
  | (?P<number>\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)
  | (?P<func>[A-Z][A-Z0-9.]*(?=\())
  | (?P<bool>TRUE|FALSE)
  | (?P<op><>|<=|>=|[-+*/^&=<>(),:])
    """,
    re.VERBOSE,
)
_CELL = re.compile(r"\$?([A-Z]{1,3})\$?(\d+)")


class Formula(str):
    """A formula the workbook builder wrote (``=SUM(H5:Q5)``). Any other text, including text from an
    assumption file that happens to begin with ``=``, is written and evaluated as plain text."""

    __slots__ = ()


class Text(str):
    """Text that must stay text, even if it begins with ``=`` (a label from an assumption file)."""

    __slots__ = ()


class FormulaError(ValueError):
    """A formula outside the supported subset, a circular reference, or an Excel error value."""


class _ErrorValue:
    """An Excel error value (``#DIV/0!``) held until something uses it, as in Excel: ``IF`` only
    evaluates the branch it picks, so an error in the branch not taken is harmless."""

    def __init__(self, code: str):
        self.code = code

    def raise_(self) -> None:
        raise FormulaError(self.code)


def col_index(letters: str) -> int:
    """'A' -> 0, 'Z' -> 25, 'AA' -> 26."""
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n - 1


@functools.lru_cache(maxsize=4096)
def col_letters(index: int) -> str:
    """0 -> 'A', 26 -> 'AA'."""
    out = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


def cell_name(row: int, col: int, *, absolute: str = "") -> str:
    """Zero-based (row, col) -> 'A1'; ``absolute`` may contain 'r' and/or 'c' to add '$'."""
    c = ("$" if "c" in absolute else "") + col_letters(col)
    r = ("$" if "r" in absolute else "") + str(row + 1)
    return c + r


def _tokenize(text: str) -> list[tuple[str, str]]:
    pos, out = 0, []
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            raise FormulaError(f"cannot read formula at {text[pos : pos + 20]!r}")
        kind = m.lastgroup
        assert kind is not None
        if kind != "ws":
            out.append((kind, m.group()))
        pos = m.end()
    return out


class _Range:
    def __init__(self, values: list[list[Any]]):
        self.rows = values

    def flat(self) -> list[Any]:
        return [v for row in self.rows for v in row]


def _num(v: Any) -> float:
    v = _scalar(v)
    if v is None or v == "":
        return 0.0
    if isinstance(v, bool):
        return 1.0 if v else 0.0
    try:
        return float(v)
    except (TypeError, ValueError):
        raise FormulaError(f"#VALUE!: {v!r} is not a number") from None


def _scalar(v: Any) -> Any:
    if isinstance(v, _Range):
        flat = v.flat()
        if len(flat) != 1:
            raise FormulaError("a range was used where one value is expected")
        v = flat[0]
    if isinstance(v, _ErrorValue):
        v.raise_()
    return v


def _text(v: Any) -> str:
    v = _scalar(v)
    if v is None:
        return ""
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _compare(op: str, a: Any, b: Any) -> bool:
    a, b = _scalar(a), _scalar(b)
    if isinstance(a, str) or isinstance(b, str):
        x, y = _text(a).lower(), _text(b).lower()
    else:
        x, y = _num(a), _num(b)  # type: ignore[assignment]
    if op == "=":
        return x == y
    if op == "<>":
        return x != y
    if op == "<":
        return x < y
    if op == ">":
        return x > y
    if op == "<=":
        return x <= y
    if op == ">=":
        return x >= y
    raise KeyError(op)


def _values(args: tuple[Any, ...]) -> list[Any]:
    out: list[Any] = []
    for a in args:
        out.extend(a.flat() if isinstance(a, _Range) else [a])
    return out


def _sumproduct(*ranges: Any) -> float:
    flats = [r.flat() if isinstance(r, _Range) else [r] for r in ranges]
    if len({len(f) for f in flats}) != 1:
        raise FormulaError("#VALUE!: SUMPRODUCT ranges differ in size")
    total = 0.0
    for items in zip(*flats, strict=True):
        prod = 1.0
        for v in items:
            prod *= v if isinstance(v, (int, float)) and not isinstance(v, bool) else 0.0
        total += prod
    return total


def _sumif(rng: _Range, criterion: Any, sum_range: _Range | None = None) -> float:
    keys = rng.flat()
    vals = (sum_range or rng).flat()
    crit = _scalar(criterion)
    return sum(_num(v) for k, v in zip(keys, vals, strict=False) if _compare("=", k, crit))


def _lookup(value: Any, vector: _Range, result: _Range | None = None) -> Any:
    keys = vector.flat()
    res = (result or vector).flat()
    x = _num(value)
    found = None
    for i, k in enumerate(keys):
        if k is None or _num(k) > x:
            break
        found = i
    if found is None:
        raise FormulaError("#N/A: LOOKUP found no value")
    return res[found]


def _match(value: Any, vector: _Range, kind: Any = 1) -> float:
    if _num(kind) != 0:
        raise FormulaError("only exact MATCH (type 0) is supported")
    for i, k in enumerate(vector.flat()):
        if k is not None and _compare("=", k, value):
            return float(i + 1)
    raise FormulaError(f"#N/A: MATCH found no {_scalar(value)!r}")


def _index(rng: _Range, row: Any, col: Any = None) -> Any:
    r = int(_num(row))
    if len(rng.rows) == 1 and col is None:  # a single row: the index runs along it
        return rng.rows[0][r - 1]
    c = 1 if col is None else int(_num(col))
    return rng.rows[r - 1][c - 1]


def _npv(rate: Any, *flows: Any) -> float:
    r = _num(rate)
    vals = [v for v in _values(flows) if isinstance(v, (int, float)) and not isinstance(v, bool)]
    return sum(v / (1 + r) ** (i + 1) for i, v in enumerate(vals))


def _round(x: Any, digits: Any = 0) -> float:
    v, d = _num(x), int(_num(digits))
    q = 10.0**d
    return math.copysign(math.floor(abs(v) * q + 0.5) / q, v)  # Excel rounds half away from zero


def _rank(number: Any, ref: _Range, order: Any = 0) -> Any:
    """Excel's RANK: 1 + how many numbers of ``ref`` are larger (``order`` 0, the default) or smaller
    (any other ``order``) than ``number``; equal numbers share a rank."""
    x = _num(number)
    nums = [_num(v) for v in ref.flat() if isinstance(v, (int, float)) and not isinstance(v, bool)]
    if x not in nums:
        return _ErrorValue("#N/A")
    beaten = sum(1 for v in nums if (v > x if _num(order) == 0 else v < x))
    return float(1 + beaten)


_FUNCS: dict[str, Callable[..., Any]] = {
    "SUM": lambda *a: sum(_num(v) for v in _values(a) if not isinstance(v, str)),
    "SUMPRODUCT": _sumproduct,
    "SUMIF": _sumif,
    "AND": lambda *a: all(_num(v) != 0 for v in _values(a)),
    "OR": lambda *a: any(_num(v) != 0 for v in _values(a)),
    "NOT": lambda a: not _num(a),
    "LOOKUP": _lookup,
    "MATCH": _match,
    "INDEX": _index,
    "MAX": lambda *a: max(_num(v) for v in _values(a)),
    "MIN": lambda *a: min(_num(v) for v in _values(a)),
    "ABS": lambda a: abs(_num(a)),
    "ROUND": _round,
    "RIGHT": lambda s, n=1: _text(s)[-int(_num(n)) :] if int(_num(n)) > 0 else "",
    "NPV": _npv,
    "RANK": _rank,
}


class Evaluator:
    """Evaluate the formulas of a workbook held as plain dictionaries (memoised, cycle-checked)."""

    def __init__(self, cells: Cells):
        self.cells = cells
        self._cache: dict[tuple[str, int, int], Any] = {}
        self._busy: set[tuple[str, int, int]] = set()

    def value(self, sheet: str, row: int, col: int) -> Any:
        key = (sheet, row, col)
        if key in self._cache:
            return self._cache[key]
        raw = self.cells.get(sheet, {}).get((row, col))
        if isinstance(raw, str) and raw.startswith("=") and not isinstance(raw, Text):
            if key in self._busy:
                raise FormulaError(f"circular reference at {sheet}!{cell_name(row, col)}")
            self._busy.add(key)
            try:
                result = self.formula(raw, sheet)
            except FormulaError as exc:
                raise FormulaError(f"{sheet}!{cell_name(row, col)}: {exc}") from None
            finally:
                self._busy.discard(key)
            if isinstance(result, float) and not math.isfinite(result):
                raise FormulaError(f"{sheet}!{cell_name(row, col)}: #NUM! (non-finite result)")
        else:
            result = raw
        self._cache[key] = result
        return result

    def formula(self, text: str, sheet: str) -> Any:
        """Evaluate one formula (with its leading '=') as if it sat on ``sheet``."""
        tokens = _tokenize(text[1:] if text.startswith("=") else text)
        parser = _Parser(tokens, self, sheet)
        out = parser.expr()
        if parser.pos != len(tokens):
            raise FormulaError(f"unexpected {tokens[parser.pos][1]!r}")
        out = _scalar(out)  # raises an Excel error value that reached the cell
        if isinstance(out, bool) or out is None:
            return _num(out) if out is None else out
        return out

    def _ref(self, text: str, sheet: str) -> Any:
        sheet, rows, cols, single = _parse_ref(text, sheet)
        if sheet not in self.cells:
            raise FormulaError(f"#REF!: no sheet {sheet!r}")
        value = self.value
        if single:
            return value(sheet, rows[0], cols[0])
        return _Range([[value(sheet, r, c) for c in cols] for r in rows])


@functools.lru_cache(maxsize=65536)
def _parse_ref(text: str, sheet: str) -> tuple[str, range, range, bool]:
    """'Sheet!$A$1:B2' read on ``sheet`` -> (sheet, rows, cols, whether one cell), zero-based."""
    if "!" in text:
        sheet_part, text = text.rsplit("!", 1)
        sheet = sheet_part[1:-1].replace("''", "'") if sheet_part.startswith("'") else sheet_part
    parts = text.split(":")
    (c1, r1), (c2, r2) = (_CELL.fullmatch(parts[0]).groups(), _CELL.fullmatch(parts[-1]).groups())  # type: ignore[union-attr]
    rows = range(int(r1) - 1, int(r2))
    cols = range(col_index(c1), col_index(c2) + 1)
    return sheet, rows, cols, len(parts) == 1


def _concat(_o: str, a: Any, b: Any) -> str:
    return _text(a) + _text(b)


def _add(o: str, a: Any, b: Any) -> float:
    return _num(a) + _num(b) if o == "+" else _num(a) - _num(b)


def _mul(o: str, a: Any, b: Any) -> Any:
    if o == "*":
        return _num(a) * _num(b)
    d = _num(b)
    if d == 0:
        return _ErrorValue("#DIV/0!")
    return _num(a) / d


def _power(_o: str, a: Any, b: Any) -> float:
    return _num(a) ** _num(b)


_PRECEDENCE = {
    "=": 1,
    "<>": 1,
    "<": 1,
    ">": 1,
    "<=": 1,
    ">=": 1,
    "&": 2,
    "+": 3,
    "-": 3,
    "*": 4,
    "/": 4,
    "^": 5,
}
_BINARY: dict[str, Callable[[str, Any, Any], Any]] = {
    **dict.fromkeys(("=", "<>", "<", ">", "<=", ">="), _compare),
    "&": _concat,
    "+": _add,
    "-": _add,
    "*": _mul,
    "/": _mul,
    "^": _power,
}


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]], ev: Evaluator, sheet: str):
        self.t, self.pos, self.ev, self.sheet = tokens, 0, ev, sheet

    def peek(self) -> tuple[str, str] | None:
        return self.t[self.pos] if self.pos < len(self.t) else None

    def take(self, value: str | None = None) -> tuple[str, str]:
        tok = self.peek()
        if tok is None or (value is not None and tok[1] != value):
            raise FormulaError(f"expected {value!r}")
        self.pos += 1
        return tok

    def expr(self, min_precedence: int = 1) -> Any:
        """Precedence climbing over the binary operators (all left-associative, as in Excel):
        comparisons < ``&`` < ``+ -`` < ``* /`` < ``^``; the left operand is evaluated first."""
        left = self.unary()
        tokens = self.t
        while self.pos < len(tokens):
            kind, op = tokens[self.pos]
            if kind != "op":
                break
            precedence = _PRECEDENCE.get(op)
            if precedence is None or precedence < min_precedence:
                break
            self.pos += 1
            left = _BINARY[op](op, left, self.expr(precedence + 1))
        return left

    def unary(self) -> Any:
        tok = self.peek()
        if tok is not None and tok[0] == "op" and tok[1] in {"-", "+"}:
            self.pos += 1
            v = self.unary()
            return -_num(v) if tok[1] == "-" else _num(v)
        return self.primary()

    def primary(self) -> Any:
        tok = self.take()
        kind, text = tok
        if kind == "number":
            return float(text)
        if kind == "string":
            return text[1:-1].replace('""', '"')
        if kind == "bool":
            return text == "TRUE"
        if kind == "ref":
            return self.ev._ref(text, self.sheet)
        if kind == "func":
            fn = _FUNCS.get(text)
            if fn is None:
                raise FormulaError(f"unsupported function {text}")
            self.take("(")
            args: list[Any] = []
            if self.peek() != ("op", ")"):
                args.append(self.expr())
                while self.peek() == ("op", ","):
                    self.pos += 1
                    args.append(self.expr())
            self.take(")")
            return fn(*args)
        if text == "(":
            v = self.expr()
            self.take(")")
            return v
        raise FormulaError(f"unexpected {text!r}")


def _if(cond: Any, yes: Any = True, no: Any = False) -> Any:
    return yes if _num(cond) != 0 else no  # the branch not taken may hold an error value


_FUNCS["IF"] = _if

FUNCTIONS = frozenset(_FUNCS)
"""The names of the functions this module evaluates."""
