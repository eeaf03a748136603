"""The pooled positions drawn by ``costmodel simulate`` (:mod:`costmodel.pooling.draws`) as plain figures:
each party's probability of ending whole before and after the agreement and the cash it pays, P5/P50/P95
(present value, and year by year in cash), each with its Monte Carlo standard error. Shared by the CLI's table and JSON
(:mod:`costmodel.present.uncertainty_report`) and the app's table (:mod:`costmodel.present.uncertainty_tables`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..appraisal.engine import MONEY_TOLERANCE
from ..formatting import fy_label
from ..pooling.draws import CASH_BY_YEAR
from ..uncertainty.montecarlo import Simulation
from ..uncertainty.precision import percentile_standard_error, proportion_standard_error
from .jsonsafe import json_number

F = NDArray[np.float64]


def _p(x: float | np.floating[Any]) -> float:
    """Money to the penny, for JSON. [£]"""
    return json_number(x, places=2)


def agreement_parties(sim: Simulation, partners: Sequence[str]) -> list[int]:
    """Columns of the pooled figures to report: the pool's partners, and any agency that pays or
    receives cash under the agreement in some draw (a responsibility charge)."""
    paid = sim.extras.get("cash_paid")
    moved = np.any(np.abs(paid) > 0.5, axis=0) if paid is not None else np.zeros(len(sim.agency_ids), bool)
    return [k for k, a in enumerate(sim.agency_ids) if a in partners or bool(moved[k])]


def _percentiles_dict(values: F, se: F) -> dict[str, Any]:
    return {
        "p5": _p(values[0]),
        "p50": _p(values[1]),
        "p95": _p(values[2]),
        "se": {"p5": _p(se[0]), "p50": _p(se[1]), "p95": _p(se[2])},
    }


def _prob(p: float, n: int) -> dict[str, Any]:
    return {"p": json_number(p), "se": json_number(float(proportion_standard_error(p, n)))}


def cash_schedule(sim: Simulation, agency: str, first_year: int | None = None) -> list[dict[str, Any]]:
    """The cash ``agency`` pays under the agreement in each year, net of what it receives (negative: it
    receives), in cash of that year [£]: P5/P50/P95 by year with their standard errors; ``year`` is the
    appraisal year (0 = the first) and ``financial_year`` its label when the first year is known
    (``first_year``, else the simulation's). Empty when the simulation did not draw it
    (:data:`costmodel.pooling.draws.CASH_BY_YEAR`)."""
    first_year = sim.first_year if first_year is None else first_year
    by_year = sim.extras.get(f"{CASH_BY_YEAR}{agency}")
    if by_year is None:
        return []
    qs = (5, 50, 95)
    values = np.percentile(by_year, qs, axis=0)  # (3, T)
    errors = percentile_standard_error(by_year, qs, axis=0)  # (3, T)
    out = []
    for t in range(by_year.shape[1]):  # years (ten), not draws
        row: dict[str, Any] = {"year": t}
        if first_year is not None:
            row["financial_year"] = fy_label(first_year + t)
        row.update(_percentiles_dict(values[:, t], errors[:, t]))
        out.append(row)
    return out


def pooled_to_dict(
    sim: Simulation, names: dict[str, str], partners: Sequence[str], first_year: int | None = None
) -> dict[str, Any] | None:
    """The pooled positions drawn (None when the simulation has none): each party's probability of
    ending whole before and after the agreement and its net cash paid, P5/P50/P95 (present value, and
    by year in cash: :func:`cash_schedule`), with standard errors."""
    if "net_after" not in sim.extras:
        return None
    n = sim.draws
    before, after, paid = (sim.extras[k] for k in ("net_before", "net_after", "cash_paid"))
    moved = sim.extras["cash_moved"]
    qs = (5, 50, 95)
    rows = []
    for k in agreement_parties(sim, partners):
        a = sim.agency_ids[k]
        rows.append(
            {
                "id": a,
                "name": names.get(a, a),
                "partner": a in partners,
                "p_whole_before": _prob(float(np.mean(before[:, k] >= -MONEY_TOLERANCE)), n),
                "p_whole_after": _prob(float(np.mean(after[:, k] >= -MONEY_TOLERANCE)), n),
                "npv_after": _percentiles_dict(
                    np.percentile(after[:, k], qs), percentile_standard_error(after[:, k], qs)
                ),
                "cash_paid": _percentiles_dict(
                    np.percentile(paid[:, k], qs), percentile_standard_error(paid[:, k], qs)
                ),
                "cash_paid_by_year": cash_schedule(sim, a, first_year),
            }
        )
    return {
        "draws": n,
        "parties": rows,
        "cash_moved": _percentiles_dict(np.percentile(moved, qs), percentile_standard_error(moved, qs)),
    }
