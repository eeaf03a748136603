"""The optimism-bias tables now live in :mod:`costmodel.inputs.optimism_table` (the appraisal applies them
by default, and may not import this package); this module re-exports them for existing imports."""

from ..inputs.optimism_table import (
    BENEFIT_INPUTS,
    GRADE_KEYS,
    GRADE_ORDER,
    OPTIMISM_TABLE_PATH,
    CapitalCategory,
    CapitalTable,
    ConfidenceGrades,
    GradeCorrection,
    OptimismTable,
    TableSource,
    check_capital_options,
    load_optimism_table,
)

__all__ = [
    "BENEFIT_INPUTS",
    "GRADE_KEYS",
    "GRADE_ORDER",
    "OPTIMISM_TABLE_PATH",
    "CapitalCategory",
    "CapitalTable",
    "ConfidenceGrades",
    "GradeCorrection",
    "OptimismTable",
    "TableSource",
    "check_capital_options",
    "load_optimism_table",
]
