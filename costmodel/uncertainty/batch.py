"""Batched evaluation of the engine over rows of input values (draws or sensitivity cases).

:func:`with_values` turns a matrix of input values (rows = draws or sensitivity cases, columns =
inputs of a :class:`~costmodel.uncertainty.compile.Compiled` table) into batched ``Params`` with a
leading axis, which :func:`costmodel.appraisal.engine.measures` evaluates at once (the same function that gives
the deterministic figures);
:func:`npv_table` does this in chunks sized from a memory budget. There is no Python loop over draws
or years.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields, replace

import numpy as np
from numpy.typing import NDArray

from ..appraisal.engine import Params, Structure, measures, measures_into
from ..errors import AssumptionError, ComputationError
from ..inputs.locating import input_error
from ..inputs.models import num
from .compile import Compiled, UncertainInput

F = NDArray[np.float64]

MEMORY_BUDGET_BYTES = 12 * 1024 * 1024
"""Estimated working memory allowed for one chunk of batched evaluation. [bytes]

Deliberately small: chunks of about 1,500 draws of the youth-work example keep numpy's temporaries
in the CPU cache and run about twice as fast as chunks of 5,000 or more (benchmarks/bench_simulate.py).

The chunk size is part of a seeded simulation's bits: the matrix products (BLAS) may round a draw's
last bit differently for other matrix sizes (early_help_pooled, 12,000 draws: 3 or 4 draws' NPVs move
by £5e-10 with chunks of 333, 1,000 or 5,000 instead of its own), so changing this budget changes the
last bits of seeded outputs."""
MAX_CHUNK = 50_000

PARAM_FIELDS = tuple(f.name for f in fields(Params))


DIRECT_TARGETS = tuple(n for n in PARAM_FIELDS if n not in ("unit_cost", "rates"))
"""Targets that replace one element of a ``Params`` field: ``field[..., index] = x × scale``."""


class _Batch:
    """Central ``Params`` broadcast to B rows; a field is copied only when a row of it changes."""

    def __init__(self, c: Compiled, B: int, *, broadcast: bool = True) -> None:
        self.c = c
        self.B = B
        # without ``broadcast``, a field no row changes keeps its central shape: the engine broadcasts it,
        # so work on it (e.g. discount factors when the rate does not vary) is done once, not per row
        self.arrays: dict[str, F] = {n: getattr(c.params, n) for n in PARAM_FIELDS}
        if broadcast:
            self.arrays = {n: np.broadcast_to(a, (B, *np.shape(a))) for n, a in self.arrays.items()}
        self.owned: set[str] = set()
        self.cost_shape = c.structure.cost_shape

    def writable(self, name: str) -> F:
        if name not in self.owned:
            central = np.asarray(getattr(self.c.params, name), dtype=np.float64)
            if central.flags.c_contiguous and self.B > 1:
                # B copies of the central values, the draws contiguous: the layout numpy gives a copy of the
                # broadcast (what the engine's sums have always seen), filled along the draws in one pass
                rows = np.empty((*central.shape, self.B))
                rows[...] = central[..., None]
                self.arrays[name] = rows.transpose(rows.ndim - 1, *range(rows.ndim - 1))  # np.moveaxis(rows, -1, 0)
            else:
                self.arrays[name] = np.array(np.broadcast_to(central, (self.B, *central.shape)), dtype=np.float64)
            self.owned.add(name)
        return self.arrays[name]

    def own(self, name: str, values: F) -> None:
        """Field ``name`` is ``values`` (B, ...), a fresh array of the field's batched shape."""
        self.arrays[name] = values
        self.owned.add(name)

    def writable_cost_shape(self) -> F:
        if self.cost_shape.ndim == 2:
            self.cost_shape = np.array(np.broadcast_to(self.cost_shape, (self.B, *self.cost_shape.shape)))
        return self.cost_shape

    def result(self) -> tuple[Structure, Params]:
        base = self.c.structure
        structure = base if self.cost_shape is base.cost_shape else replace(base, cost_shape=self.cost_shape)
        return structure, Params(**self.arrays)


def _growth_rows(inp: UncertainInput, x: F) -> F:
    """A cost line's yearly amount multipliers with real growth ``x`` (n,), or, for a cut line's release
    ramp, with ``x`` years to full release (engine.release_shares): (n, T) [ratio]."""
    assert inp.vector is not None
    if inp.target == "cost_release":
        unreleased, since = inp.vector
        return unreleased * np.where(since >= 0, np.minimum(1.0, (since + 1.0) / (x[:, None] + 1.0)), 1.0)
    active, expo = inp.vector
    return active * (1.0 + x[:, None]) ** expo


@dataclass(frozen=True)
class ValuesPlan:
    """How each column of a values matrix reaches the engine, worked out once per input table
    (:func:`values_plan`), so each chunk of draws costs one fancy-indexed assignment per field."""

    # (field, columns, index, scale, in_order, unscaled): ``in_order`` when index is 0, 1, 2 ... (the columns
    # may then be the whole field), ``unscaled`` when every scale is 1 (no multiply needed)
    direct: tuple[tuple[str, NDArray[np.int64], NDArray[np.int64], F, bool, bool], ...]
    shared: tuple[int, ...]  # columns whose cell several varying inputs multiply
    varying: dict[str, int]  # input id -> column
    # one group per rank of a unit-cost component within its outcome: (columns, outcomes, central, vectors);
    # the outcomes as a slice when they are a run (a view, not a gather and scatter)
    components: tuple[tuple[NDArray[np.int64], NDArray[np.int64] | slice, F, F], ...]
    others: tuple[int, ...]  # unit-cost scales, the discount rate and growth rates (a few)


def values_plan(inputs: Sequence[UncertainInput]) -> ValuesPlan:
    """The :class:`ValuesPlan` of ``inputs`` (the columns of the values matrices)."""
    # "pool_term": the agreement's own terms move no engine array (costmodel.pooling.draws applies them)
    known = {
        *DIRECT_TARGETS,
        "unit_cost_component",
        "unit_cost_scale",
        "discount_rate",
        "cost_growth",
        "cost_release",
        "pool_term",
    }
    unknown = {inp.target for inp in inputs} - known
    if unknown:  # pragma: no cover - a programming error
        raise ValueError(f"unknown input target {sorted(unknown)!r}")
    targets = np.array([inp.target for inp in inputs], dtype=object)
    varying = {inp.id: k for k, inp in enumerate(inputs)}
    shared = np.array([sum(cid in varying for cid, _ in inp.cell) > 1 for inp in inputs], dtype=bool)
    direct = []
    for name in DIRECT_TARGETS:
        cols = np.flatnonzero((targets == name) & ~shared)
        if cols.size:
            index = np.array([inputs[k].index for k in cols.tolist()], dtype=np.int64)
            scale = np.array([inputs[k].scale for k in cols.tolist()], dtype=np.float64)
            in_order = bool(np.array_equal(index, np.arange(index.size)))
            direct.append((name, cols, index, scale, in_order, bool(np.all(scale == 1.0))))
    components = []
    cols = np.flatnonzero(targets == "unit_cost_component")
    if cols.size:
        # several components of one outcome add up in input order: apply them rank by rank, each rank
        # touching every outcome at most once
        outcome = np.array([inputs[k].index for k in cols.tolist()], dtype=np.int64)
        count: dict[int, int] = {}
        rank = np.empty(cols.size, dtype=np.int64)
        for j, o in enumerate(outcome.tolist()):
            rank[j] = count.get(o, 0)
            count[o] = rank[j] + 1
        vectors = np.stack([np.asarray(inputs[k].vector, dtype=np.float64) for k in cols.tolist()])  # (Kc, A)
        central = np.array([inputs[k].central for k in cols.tolist()], dtype=np.float64)
        for r in range(int(rank.max()) + 1):  # components per outcome (a few), not draws
            sel = np.flatnonzero(rank == r)
            components.append((cols[sel], _run_or_index(outcome[sel]), central[sel], vectors[sel]))
    others = np.flatnonzero(np.isin(targets, ("unit_cost_scale", "discount_rate", "cost_growth", "cost_release")))
    return ValuesPlan(
        tuple(direct), tuple(np.flatnonzero(shared).tolist()), varying, tuple(components), tuple(others.tolist())
    )


def _run_or_index(index: NDArray[np.int64]) -> NDArray[np.int64] | slice:
    """``index`` as a slice when it is a run of consecutive indices (the same elements, as a view)."""
    if index.size and np.array_equal(index, np.arange(index[0], index[0] + index.size)):
        return slice(int(index[0]), int(index[0]) + index.size)
    return index


def with_values(
    c: Compiled,
    inputs: Sequence[UncertainInput],
    values: F,
    *,
    broadcast: bool = True,
    plan: ValuesPlan | None = None,
) -> tuple[Structure, Params]:
    """Batched engine inputs: row b of ``values`` (shape (B, K)) sets input k to ``values[b, k]``.

    Inputs not listed stay at their central (compiled) values. Returns a ``Structure`` (whose
    ``cost_shape`` gains the batch axis only if a growth rate varies) and ``Params`` with leading
    axis B. The inputs are applied a group at a time (one fancy-indexed assignment per engine
    field), not one input at a time; ``plan`` (:func:`values_plan` of ``inputs``) saves working the
    groups out again for each chunk. With ``broadcast=False`` the fields no input changes keep their
    central shape (no batch axis), which the engine broadcasts.
    """
    values = np.asarray(values, dtype=np.float64)
    plan = plan if plan is not None else values_plan(inputs)
    batch = _Batch(c, values.shape[0], broadcast=broadcast)
    for name, cols, index, scale, in_order, unscaled in plan.direct:
        x = values[:, cols]  # a fresh (B, n) array; x * 1.0 is x, so a scale of 1 is not multiplied
        if not unscaled:
            np.multiply(x, scale, out=x)
        if in_order and np.shape(getattr(c.params, name)) == (index.size,):
            batch.own(name, x)  # every element of the field varies: no central copy to write over
        else:
            batch.writable(name)[:, index] = x
    for k in plan.shared:
        # several varying inputs multiply this cell (a registry entry that scales a Params field): the
        # product of each one's value in this row, or its central value if it does not vary
        inp = inputs[k]
        terms = [values[:, plan.varying[cid]] if cid in plan.varying else central for cid, central in inp.cell]
        batch.writable(inp.target)[:, inp.index] = math.prod(terms)
    if plan.components:
        unit = batch.writable("unit_cost")
        by_outcome = unit.transpose(1, 2, 0)  # (O, A, B), np.moveaxis(unit, 0, -1): contiguous when the draws are (see _Batch)
        for cols, outcome, central, vectors in plan.components:
            change = values[:, cols] - central  # (B, n)
            if by_outcome.flags.c_contiguous:  # the same products and sums, over contiguous rows of draws
                by_outcome[outcome] += vectors[:, :, None] * change.T[:, None, :]
            else:
                unit[:, outcome, :] += change[:, :, None] * vectors
    for k in plan.others:
        inp, x = inputs[k], values[:, k]
        if inp.target == "unit_cost_scale":
            assert inp.vector is not None
            batch.writable("unit_cost")[:] += (x / inp.central - 1.0)[:, None, None] * inp.vector
        elif inp.target == "discount_rate":
            batch.writable("rates")[:] += (x - inp.central)[:, None]
        else:
            batch.writable_cost_shape()[:, inp.index, :] = _growth_rows(inp, x)
    return batch.result()


def with_changes(
    c: Compiled, inputs: Sequence[UncertainInput], which: NDArray[np.int64], xs: F
) -> tuple[Structure, Params]:
    """Batched engine inputs for one-at-a-time cases: row r sets ``inputs[which[r]]`` to ``xs[r]`` and
    keeps every other input central (the tornado's and the switching values' cases, stacked).

    Each row equals ``with_values(c, [inputs[which[r]]], [[xs[r]]])``, without a (rows × inputs) matrix;
    fields no row changes keep their central shape (no batch axis), which the engine broadcasts.
    """
    which = np.asarray(which, dtype=np.int64)
    xs = np.asarray(xs, dtype=np.float64)
    batch = _Batch(c, which.size, broadcast=False)
    targets = np.array([inp.target for inp in inputs], dtype=object)[which]
    index = np.array([inp.index for inp in inputs], dtype=np.int64)[which]
    central = np.array([inp.central for inp in inputs], dtype=np.float64)[which]
    for name in DIRECT_TARGETS:
        rows = np.flatnonzero(targets == name)
        if rows.size:
            scale = np.array([inputs[k].scale for k in which[rows].tolist()])
            batch.writable(name)[rows, index[rows]] = xs[rows] * scale
    rows = np.flatnonzero(targets == "unit_cost_component")
    if rows.size:
        vectors = np.stack([np.asarray(inputs[k].vector) for k in which[rows].tolist()])  # (n, A)
        batch.writable("unit_cost")[rows, index[rows], :] += (xs[rows] - central[rows])[:, None] * vectors
    rows = np.flatnonzero(targets == "unit_cost_scale")
    if rows.size:
        vectors = np.stack([np.asarray(inputs[k].vector) for k in which[rows].tolist()])  # (n, O, A)
        batch.writable("unit_cost")[rows] += (xs[rows] / central[rows] - 1.0)[:, None, None] * vectors
    rows = np.flatnonzero(targets == "discount_rate")
    if rows.size:
        batch.writable("rates")[rows] += (xs[rows] - central[rows])[:, None]
    rows = np.flatnonzero((targets == "cost_growth") | (targets == "cost_release"))
    for k in np.unique(which[rows]).tolist():  # one group per growth or release input (a few)
        sel = rows[which[rows] == k]
        batch.writable_cost_shape()[sel, inputs[k].index, :] = _growth_rows(inputs[k], xs[sel])
    return batch.result()


def bytes_per_draw(s: Structure) -> int:
    """Rough working memory one draw needs inside :func:`costmodel.appraisal.engine.measures`. [bytes]

    About a dozen (outcomes × years) temporaries (profile, convolution, gross and net events, their
    discounted and valued forms, the cashable share), the draw's parameters, a cost-shape copy when a
    growth rate varies, and a few yearly totals. The (years × years) intake matrix is shared by
    every draw, so a long horizon costs years, not years², per draw.
    """
    n_o, n_t, n_a, n_l = len(s.outcome_ids), s.n_years, len(s.agency_ids), len(s.cost_line_ids)
    return 8 * (12 * n_o * n_t + 4 * n_o * n_a + 20 * n_o + 3 * n_l * n_t + 2 * n_l + 12 * n_t + 6 * n_a + 64)


def chunk_size_for(s: Structure, budget: int = MEMORY_BUDGET_BYTES) -> int:
    """Draws per chunk so one chunk stays within ``budget`` bytes (at least 1, at most MAX_CHUNK)."""
    return int(max(1, min(MAX_CHUNK, budget // bytes_per_draw(s))))


@dataclass(frozen=True)
class BatchResult:
    npv: F  # (B,) whole public sector [£]
    npv_by_agency: F  # (B, A) [£]
    cash_break_even_year: NDArray[np.int64]  # (B,) first year cumulative cashable net stays >= 0, or -1
    discounted_payback_year: NDArray[np.int64]  # (B,)


def _npv_rows(
    c: Compiled,
    n: int,
    rows: Callable[[int, int], tuple[Structure, Params]],
    *,
    detail: bool,
    chunk_size: int | None,
    progress: Callable[[int, int], None] | None,
    culprit: Callable[[int], Exception],
) -> BatchResult:
    """Evaluate ``n`` batched cases in memory-bounded chunks; ``rows(start, stop)`` builds a chunk.
    ``culprit(row)`` is the error to raise when case ``row`` has a non-finite NPV (naming the input)."""
    A = len(c.agency_ids)
    chunk = chunk_size or chunk_size_for(c.structure)
    npv = np.empty(n)
    net_a = np.empty((n, A))
    be = np.empty(n, dtype=np.int64) if detail else np.zeros(0, dtype=np.int64)
    dpay = np.empty(n, dtype=np.int64) if detail else np.zeros(0, dtype=np.int64)
    for start in range(0, n, chunk):  # a loop over chunks of draws, not over draws
        stop = min(n, start + chunk)
        m = measures(*rows(start, stop))
        npv[start:stop], net_a[start:stop] = m.npv, m.pv_net_by_agency
        if detail:
            be[start:stop], dpay[start:stop] = m.cash_break_even_year, m.discounted_payback_year
        if progress is not None:
            progress(stop, n)
    if not (np.all(np.isfinite(npv)) and np.all(np.isfinite(net_a))):
        bad = ~(np.isfinite(npv) & np.all(np.isfinite(net_a), axis=-1))
        raise culprit(int(np.flatnonzero(bad)[0]))
    return BatchResult(npv, net_a, be, dpay)


def _check_finite_values(c: Compiled, inputs: Sequence[UncertainInput], values: F) -> None:
    """A draw or case value that is not a finite number is an error in the input's range, located."""
    if values.size and not np.isfinite(values).all():
        k = int(np.flatnonzero(~np.all(np.isfinite(values), axis=0))[0])
        inp = inputs[k]
        raise input_error(
            c.scenario,
            inp.id,
            f"draws of this {inp.distribution or 'triangular'} range (low {num(inp.low)}, high {num(inp.high)}) "
            "overflow to infinity: narrow the range",
        )


def _input_at(c: Compiled, inp: UncertainInput, x: float) -> AssumptionError:
    return input_error(
        c.scenario, inp.id, f"at {num(x)} the NPV is not a finite number: narrow this input's range"
    )


def _furthest_input(c: Compiled, inputs: Sequence[UncertainInput], values: F) -> Callable[[int], Exception]:
    """For a row of ``values`` with a non-finite NPV: the input furthest from its central value, relative
    to its range (the one that drove the NPV to infinity)."""

    def culprit(row: int) -> Exception:
        if not inputs:
            return ComputationError("the appraisal produced a non-finite NPV; check the inputs' magnitudes")
        width = np.array([max(i.high - i.low, 1e-300) for i in inputs])
        k = int(np.argmax(np.abs(values[row] - central_values(inputs)) / width))
        return _input_at(c, inputs[k], float(values[row, k]))

    return culprit


def npv_table(
    c: Compiled,
    inputs: Sequence[UncertainInput],
    values: F,
    *,
    detail: bool = False,
    chunk_size: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    plan: ValuesPlan | None = None,
) -> BatchResult:
    """NPV (total and by agency) for every row of ``values``, evaluated in memory-bounded chunks
    (``plan``: :func:`values_plan` of ``inputs``, when the caller evaluates many tables of them)."""
    values = np.asarray(values, dtype=np.float64)
    _check_finite_values(c, inputs, values)
    plan = plan if plan is not None else values_plan(inputs)
    return _npv_rows(
        c,
        values.shape[0],
        lambda start, stop: with_values(c, inputs, values[start:stop], broadcast=False, plan=plan),
        detail=detail,
        chunk_size=chunk_size,
        progress=progress,
        culprit=_furthest_input(c, inputs, values),
    )


def npv_into(
    c: Compiled,
    inputs: Sequence[UncertainInput],
    values: F,
    out: tuple[F, F, NDArray[np.int64], NDArray[np.int64]],
    *,
    plan: ValuesPlan,
) -> tuple[Structure, Params]:
    """:func:`npv_table` of one chunk (``detail=True``), written straight into ``out`` = (NPV (n,), NPV by
    agency (n, A), cash break-even year (n,), discounted payback year (n,)): the Monte Carlo's chunk
    step, without a result table to copy. Returns the chunk's batched engine inputs (for more figures
    from the same draws). The same checks and errors as :func:`npv_table`."""
    values = np.asarray(values, dtype=np.float64)
    _check_finite_values(c, inputs, values)
    engine = with_values(c, inputs, values, broadcast=False, plan=plan)
    npv, net_a, be, dpay = out
    measures_into(*engine, npv, net_a, be, dpay)
    if not (np.isfinite(npv).all() and np.isfinite(net_a).all()):
        bad = ~(np.isfinite(npv) & np.all(np.isfinite(net_a), axis=-1))
        raise _furthest_input(c, inputs, values)(int(np.flatnonzero(bad)[0]))
    return engine


def npv_cases(
    c: Compiled,
    inputs: Sequence[UncertainInput],
    which: NDArray[np.int64],
    xs: F,
    *,
    chunk_size: int | None = None,
) -> BatchResult:
    """NPV (total and by agency) for one-at-a-time cases (see :func:`with_changes`), all in one batched
    evaluation (memory-bounded chunks)."""
    which = np.asarray(which, dtype=np.int64)
    xs = np.asarray(xs, dtype=np.float64)
    if xs.size and not np.all(np.isfinite(xs)):
        row = int(np.flatnonzero(~np.isfinite(xs))[0])
        raise _input_at(c, inputs[int(which[row])], float(xs[row]))
    return _npv_rows(
        c,
        which.size,
        lambda start, stop: with_changes(c, inputs, which[start:stop], xs[start:stop]),
        detail=False,
        chunk_size=chunk_size,
        progress=None,
        culprit=lambda row: _input_at(c, inputs[int(which[row])], float(xs[row])),
    )


def central_values(inputs: Sequence[UncertainInput]) -> F:
    return np.array([i.central for i in inputs], dtype=np.float64)
