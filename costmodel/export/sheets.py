"""A plain in-memory workbook shared by the exports that write live formulas: cells and their styles
(:class:`Sheet`), the cached value of every formula (:func:`evaluate`, by :mod:`.formula`) and the
writing out with XlsxWriter (:func:`write_sheets`), laid out by the FAST standard: input cells blue on
pale yellow, one timeline with the appraisal years across columns from column H on every sheet.

Used by the single-proposal workbook (:mod:`.excel`) and the options workbook's working
(:mod:`.options_export`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .formula import FUNCTIONS, Evaluator, Formula, Text, cell_name, col_letters

FIRST_YEAR_COL = 7  # column H: the first appraisal year on every sheet
HEADER_ROW = 3  # zero-based row of the column headers (row 4 in Excel)
# the Calculations sheet's columns in both workbooks (what :func:`calc_row` writes): label, unit, budget
# holder, item (the options workbook's entry), then one column of the workbook's own (E: a constant, or the
# present value in the firm-budget years), the total and the present value
CALC_LABEL, CALC_UNIT, CALC_AGENCY, CALC_ITEM, CALC_OWN, CALC_TOTAL, CALC_PV = CALC_COLUMNS = range(7)


def year_col(t: int) -> int:
    """The column of appraisal year ``t`` (zero-based; column H is year 0)."""
    return FIRST_YEAR_COL + t


@dataclass
class Cell:
    value: Any  # number, Text, bool, None, or a Formula (only the builder makes those)
    style: str = "text"
    url: str | None = None


@dataclass
class Sheet:
    name: str
    cells: dict[tuple[int, int], Cell] = field(default_factory=dict)
    widths: dict[int, float] = field(default_factory=dict)
    freeze: tuple[int, int] | None = None
    row: int = 0  # next free row while building

    def put(self, row: int, col: int, value: Any, style: str = "text", url: str | None = None) -> str:
        """Store a cell; return its absolute reference (e.g. 'Inputs!$B$7')."""
        if isinstance(value, float) and value != value:  # NaN guard
            raise ValueError("NaN cannot be written to the workbook")
        if isinstance(value, str) and not isinstance(value, Formula):
            value = Text(value)  # text from files is never a formula, whatever it begins with
        self.cells[(row, col)] = Cell(value, style, url)
        return self.ref(row, col)

    def ref(self, row: int, col: int, absolute: str = "rc", *, local: bool = False) -> str:
        name = cell_name(row, col, absolute=absolute)
        return name if local else f"{self.name}!{name}"

    def headers(self, row: int, labels: list[str]) -> None:
        """Column headers from column A along one row."""
        for col, label in enumerate(labels):
            self.put(row, col, label, "header")

    def section(self, text: str) -> None:
        """A section heading in column A after a blank row; building goes on below it."""
        self.row += 1
        self.put(self.row, 0, text, "section")
        self.row += 1


def span(sheet: Sheet, row: int, n_years: int, *, absolute_row: bool = True, local: bool = True) -> str:
    """The timeline range of one row over ``n_years`` years, e.g. 'H$20:Q$20' (or 'Calculations!H$20:Q$20')."""
    a = "r" if absolute_row else ""
    first = sheet.ref(row, year_col(0), a, local=True)
    last = sheet.ref(row, year_col(n_years - 1), a, local=True)
    return f"{first}:{last}" if local else f"{sheet.name}!{first}:{last}"


def year_letters(t: int) -> str:
    """The column letters of appraisal year ``t`` ('H' for year 0)."""
    return col_letters(year_col(t))


def calc_row(
    s: Sheet,
    n_years: int,
    label: str,
    unit: str,
    year_cell: Callable[[int], Any] | None,
    *,
    agency: str | None = None,
    item: str | None = None,
    style: str = "calc_money",
    total: bool = False,
    df_row: int | None = None,
) -> int:
    """One Calculations row at ``s.row`` (building goes on below it): its label, unit, budget holder and item,
    ``year_cell(t)`` (a formula or a value) in the column of each of ``n_years`` years, with ``total`` their
    total, and with ``df_row`` their present value (SUMPRODUCT with that row's discount factors). Returns the
    row."""
    row = s.row
    s.put(row, CALC_LABEL, label)
    s.put(row, CALC_UNIT, unit, "unit")
    if agency is not None:
        s.put(row, CALC_AGENCY, agency)
    if item is not None:
        s.put(row, CALC_ITEM, item)
    if year_cell is not None:
        for t in range(n_years):
            s.put(row, year_col(t), year_cell(t), style)
    own = span(s, row, n_years, absolute_row=False)
    if total:
        s.put(row, CALC_TOTAL, Formula(f"=SUM({own})"), "calc_money")
    if df_row is not None:
        s.put(row, CALC_PV, Formula(f"=SUMPRODUCT({own},{span(s, df_row, n_years)})"), "calc_money")
    s.row += 1
    return row


_INPUT: dict[str, Any] = {
    "font_color": "#0000FF",
    "bg_color": "#FFF2CC",
    "border": 1,
    "border_color": "#BFBFBF",
}
_MONEY = "#,##0.00;[Red]-#,##0.00"  # negatives in red

STYLES: dict[str, dict[str, Any]] = {
    "text": {},
    "bold": {"bold": True},
    "title": {"bold": True, "font_size": 14},
    "section": {"bold": True, "font_size": 12, "bottom": 1},
    "subsection": {"bold": True, "italic": True},
    "header": {"bold": True, "bg_color": "#DDDDDD", "bottom": 1, "text_wrap": True, "valign": "top"},
    "header_year": {"bold": True, "bg_color": "#DDDDDD", "bottom": 1, "align": "right"},
    "unit": {"font_color": "#505A5F", "italic": True},
    "note": {"font_color": "#505A5F", "text_wrap": False},
    "grade": {"align": "center"},
    "link": {"font_color": "#1D70B8", "underline": 1},
    "plain_int": {"num_format": "0"},
    "period": {"italic": True, "align": "right", "font_color": "#505A5F"},
    "verdict": {"bold": True, "text_wrap": False},
    "fixed": {"font_color": "#505A5F"},
    # inputs: blue font on pale yellow (FAST / common financial-model convention)
    "input_text": _INPUT,
    "input_money": {**_INPUT, "num_format": "#,##0.00"},
    "input_rate": {**_INPUT, "num_format": "0.0000"},
    "input_num": {**_INPUT, "num_format": "#,##0.####"},
    "input_int": {**_INPUT, "num_format": "0"},
    "input_year": {**_INPUT, "num_format": "0"},
    "input_index": {**_INPUT, "num_format": "0.0000"},
    # calculations: black
    "calc_money": {"num_format": _MONEY},
    "calc_num": {"num_format": "#,##0.0000"},
    "calc_int": {"num_format": "0"},
    "calc_rate": {"num_format": "0.0000"},
    "calc_ratio": {"num_format": "0.000000"},
    "calc_df": {"num_format": "0.000000"},
    "out_money": {"num_format": _MONEY, "bold": True},
    "out_ratio": {"num_format": "0.00", "bold": True},
    "total_money": {"num_format": _MONEY, "bold": True, "top": 1},
    "total_label": {"bold": True, "top": 1},
}


_CALLED = re.compile(r"([A-Za-z_][A-Za-z0-9_.]*)\(")


def plain_formulas(ws: Any) -> None:
    """Skip XlsxWriter's ~30 regex substitutions per formula (they add ``_xlfn.`` prefixes to Excel 365
    functions) for formulas that call only the functions :mod:`costmodel.export.formula` knows, none
    of which takes a prefix: the stored formula is the same, written in a fraction of the time. Any
    other formula goes through XlsxWriter's own preparation."""
    full = ws._prepare_formula

    def prepare(formula: str, expand_future_functions: bool = False) -> str:
        if (
            expand_future_functions
            or ws.use_future_functions
            or formula.startswith("{")
            or formula.endswith("}")
            or not FUNCTIONS.issuperset(_CALLED.findall(formula))
        ):
            return full(formula, expand_future_functions)
        return formula[1:] if formula.startswith("=") else formula

    ws._prepare_formula = prepare


def evaluate(sheets: list[Sheet]) -> Evaluator:
    cells = {sh.name: {k: c.value for k, c in sh.cells.items()} for sh in sheets}
    return Evaluator(cells)


def print_setup(ws: Any, sh: Any) -> None:
    """Print a sheet sensibly: A4 landscape, all its columns on one page width (as many pages down as
    needed), the used range as the print area, its frozen header rows repeated on every page, and the
    sheet name and page number in the footer."""
    if not sh.cells:
        return
    last_row = max(row for row, _ in sh.cells)
    last_col = max(col for _, col in sh.cells)
    ws.set_paper(9)  # A4
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.print_area(0, 0, last_row, last_col)
    if sh.freeze and sh.freeze[0] > 0:
        ws.repeat_rows(0, sh.freeze[0] - 1)
    ws.set_footer("&L&A&RPage &P of &N")


def write_sheets(wb: Any, sheets: list[Sheet], ev: Evaluator, *, active: str | None = None) -> None:
    """Write ``sheets`` into the open XlsxWriter workbook ``wb``: every formula with the value ``ev``
    computes for it, every other cell as what it is (text stays text); ``active`` names the sheet that
    opens first (None: leave the workbook's choice)."""
    formats = {name: wb.add_format(spec) for name, spec in STYLES.items()}
    for sh in sheets:
        ws = wb.add_worksheet(sh.name)
        plain_formulas(ws)
        for col, width in sh.widths.items():
            ws.set_column(col, col, width)
        for (row, col), cell in sorted(sh.cells.items()):
            fmt = formats[cell.style]
            v = cell.value
            if cell.url is not None:
                ws.write_url(row, col, cell.url, fmt, string=str(v))
            elif isinstance(v, Formula):
                value = ev.value(sh.name, row, col)
                ws.write_formula(row, col, v, fmt, value)
            elif isinstance(v, str):
                ws.write_string(row, col, v, fmt)
            elif isinstance(v, bool):
                ws.write_boolean(row, col, v, fmt)
            elif v is None:
                ws.write_blank(row, col, None, fmt)
            else:
                ws.write_number(row, col, float(v), fmt)
        if sh.freeze:
            ws.freeze_panes(*sh.freeze)
        print_setup(ws, sh)
        if sh.name == active:
            ws.activate()
