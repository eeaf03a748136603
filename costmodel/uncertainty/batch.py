"""Batched evaluation of the engine over rows of input values (draws or sensitivity cases).

:func:`with_values` turns a matrix of input values (rows = draws or sensitivity cases, columns =
inputs of a :class:`~costmodel.uncertainty.compile.Compiled` table) into batched ``Params`` with a
leading axis, which :func:`costmodel.appraisal.engine.evaluate_summary` evaluates at once;
:func:`npv_table` does this in chunks sized from a memory budget. There is no Python loop over draws
or years.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..appraisal.engine import Params, Structure, evaluate_summary, first_year_staying_nonnegative
from ..errors import ComputationError
from .compile import Compiled, UncertainInput

F = NDArray[np.float64]

MEMORY_BUDGET_BYTES = 24 * 1024 * 1024
"""Estimated working memory allowed for one chunk of batched evaluation. [bytes]

Deliberately small: chunks of about 1,500 draws of the youth-work example keep numpy's temporaries
in the CPU cache and run about twice as fast as chunks of 5,000 or more (benchmarks/bench_simulate.py)."""
MAX_CHUNK = 50_000

PARAM_FIELDS = tuple(f.name for f in fields(Params))


def with_values(c: Compiled, inputs: Sequence[UncertainInput], values: F) -> tuple[Structure, Params]:
    """Batched engine inputs: row b of ``values`` (shape (B, K)) sets input k to ``values[b, k]``.

    Inputs not listed stay at their central (compiled) values. Returns a ``Structure`` (whose
    ``cost_shape`` gains the batch axis only if a growth rate varies) and ``Params`` with leading
    axis B.
    """
    values = np.asarray(values, dtype=np.float64)
    B = values.shape[0]
    p = c.params
    arrays: dict[str, F] = {n: getattr(p, n) for n in PARAM_FIELDS}
    batched = {n: np.broadcast_to(a, (B, *np.shape(a))) for n, a in arrays.items()}
    owned: set[str] = set()

    def writable(name: str) -> F:
        if name not in owned:
            batched[name] = np.array(batched[name], dtype=np.float64, copy=True)
            owned.add(name)
        return batched[name]

    cost_shape = c.structure.cost_shape
    for k, inp in enumerate(inputs):
        x = values[:, k]
        tgt = inp.target
        if tgt in arrays and tgt not in ("unit_cost", "rates"):
            writable(tgt)[:, inp.index] = x * inp.scale
        elif tgt == "unit_cost_component":
            assert inp.vector is not None
            writable("unit_cost")[:, inp.index, :] += (x - inp.central)[:, None] * inp.vector
        elif tgt == "unit_cost_scale":
            assert inp.vector is not None
            writable("unit_cost")[:] += (x / inp.central - 1.0)[:, None, None] * inp.vector
        elif tgt == "discount_rate":
            writable("rates")[:] += (x - inp.central)[:, None]
        elif tgt == "growth":
            assert inp.vector is not None
            if cost_shape.ndim == 2:
                cost_shape = np.array(np.broadcast_to(cost_shape, (B, *cost_shape.shape)))
            active, expo = inp.vector
            cost_shape[:, inp.index, :] = active * (1.0 + x[:, None]) ** expo
        else:  # pragma: no cover - a programming error
            raise ValueError(f"unknown input target {tgt!r}")
    structure = (
        c.structure if cost_shape is c.structure.cost_shape else replace(c.structure, cost_shape=cost_shape)
    )
    return structure, Params(**batched)


def bytes_per_draw(s: Structure) -> int:
    """Rough working memory one draw needs inside :func:`costmodel.appraisal.engine.evaluate`. [bytes]"""
    n_o, n_t, n_a, n_l = len(s.outcome_ids), s.n_years, len(s.agency_ids), len(s.cost_line_ids)
    return 8 * (4 * n_o * n_t * n_t + 16 * n_o * n_t + 12 * n_t * n_a + 3 * n_l * n_t + 4 * n_o * n_a + 64)


def chunk_size_for(s: Structure, budget: int = MEMORY_BUDGET_BYTES) -> int:
    """Draws per chunk so one chunk stays within ``budget`` bytes (at least 1, at most MAX_CHUNK)."""
    return int(max(1, min(MAX_CHUNK, budget // bytes_per_draw(s))))


@dataclass(frozen=True)
class BatchResult:
    npv: F  # (B,) whole public sector [£]
    npv_by_agency: F  # (B, A) [£]
    cash_break_even_year: NDArray[np.int64]  # (B,) first year cumulative cashable net stays >= 0, or -1
    discounted_payback_year: NDArray[np.int64]  # (B,)


def summarise_batch(s: Structure, p: Params, *, detail: bool) -> tuple[Any, ...]:
    sm = evaluate_summary(s, p)
    net_a = sm.pv_savings - sm.pv_costs
    npv = sm.pv_savings.sum(axis=-1) - sm.pv_costs.sum(axis=-1)  # the same order as engine.summarise
    if not detail:
        return npv, net_a
    be = first_year_staying_nonnegative(np.cumsum(sm.cashable - sm.costs, axis=-1))
    dpay = first_year_staying_nonnegative(np.cumsum((sm.savings - sm.costs) * sm.factors, axis=-1))
    return npv, net_a, be, dpay


def npv_table(
    c: Compiled,
    inputs: Sequence[UncertainInput],
    values: F,
    *,
    detail: bool = False,
    chunk_size: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> BatchResult:
    """NPV (total and by agency) for every row of ``values``, evaluated in memory-bounded chunks."""
    values = np.asarray(values, dtype=np.float64)
    n = values.shape[0]
    A = len(c.agency_ids)
    chunk = chunk_size or chunk_size_for(c.structure)
    npv = np.empty(n)
    net_a = np.empty((n, A))
    be = np.empty(n, dtype=np.int64) if detail else np.zeros(0, dtype=np.int64)
    dpay = np.empty(n, dtype=np.int64) if detail else np.zeros(0, dtype=np.int64)
    for start in range(0, n, chunk):  # a loop over chunks of draws, not over draws
        stop = min(n, start + chunk)
        s, p = with_values(c, inputs, values[start:stop])
        out = summarise_batch(s, p, detail=detail)
        npv[start:stop], net_a[start:stop] = out[0], out[1]
        if detail:
            be[start:stop], dpay[start:stop] = out[2], out[3]
        if progress is not None:
            progress(stop, n)
    if not (np.all(np.isfinite(npv)) and np.all(np.isfinite(net_a))):
        raise ComputationError("a sensitivity case produced a non-finite NPV; check the inputs' ranges")
    return BatchResult(npv, net_a, be, dpay)


def central_values(inputs: Sequence[UncertainInput]) -> F:
    return np.array([i.central for i in inputs], dtype=np.float64)
