"""Uncertainty of an options appraisal: the probability that each option beats BAU and each other
option, from common random numbers, and switching values between options.

Common random numbers: one block of uniforms is drawn per chunk of draws, one column per distinct
quantity across every option; each option maps the columns of the quantities it holds through their
own distributions (:func:`costmodel.inputs.distributions.quantiles`). A quantity is the same in two
options when it is a unit cost (``unit_costs.<id>``, shared by every proposal that uses it), the
discount rate, or the same input of the same proposal file (edited or not). So an option identical to BAU has the same draws,
and its difference is exactly zero in every draw.

Correlations each proposal file declares (:mod:`costmodel.inputs.correlation`) act on the columns of
its quantities in that block (a Gaussian copula), so every option that holds a quantity sees the same
correlated draw of it.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import partial
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from ..appraisal.engine import MONEY_TOLERANCE
from ..inputs.correlation import Copula, copula, declared_rank_matrix, renamed
from ..inputs.distributions import DEFAULT_DISTRIBUTION, DISTRIBUTIONS, quantiles
from .batch import chunk_size_for, npv_cases, npv_table
from .compile import Compiled, UncertainInput, compile_uncertainty
from .limits import DEFAULT_DRAWS, DEFAULT_SEED
from .montecarlo import check_draws
from .sensitivity import scan_points

if TYPE_CHECKING:
    from ..appraisal.options import OptionsAppraisal

F = NDArray[np.float64]


SHARED = ("unit_costs.", "appraisal.")
"""Quantities every option shares: unit costs (one library) and appraisal settings (one discount rate,
the options being aligned on one basis)."""


def quantity_key(path: str, input_id: str) -> str:
    """The identity of a quantity across options: unit costs and the discount rate are shared; any other
    input belongs to its proposal file."""
    if input_id.startswith(SHARED):
        return input_id
    return f"{os.path.realpath(path)}::{input_id}"


@dataclass(frozen=True)
class _Component:
    entry: int  # index of the entry it belongs to
    path: str  # its proposal file
    compiled: Compiled
    keys: tuple[str, ...]  # quantity_key of each of compiled.inputs


def _components(appraisal: OptionsAppraisal) -> list[_Component]:
    out = []
    for e, entry in enumerate(appraisal.options.entries):
        for sc, path in zip(entry.scenarios, entry.paths, strict=True):
            c = compile_uncertainty(sc)
            keys = tuple(quantity_key(path, i.id) for i in c.inputs)
            out.append(_Component(e, path, c, keys))
    return out


def _copula(comps: Sequence[_Component], keys: dict[str, int]) -> Copula | None:
    """The copula of every proposal file's declared correlations over the block's columns (``keys``),
    or None when no file declares any."""
    varies = [False] * len(keys)
    declared = []
    for comp in comps:
        for k, inp in zip(comp.keys, comp.compiled.inputs, strict=True):
            varies[keys[k]] = varies[keys[k]] or inp.high > inp.low
        declared += renamed(comp.compiled.scenario.proposal.correlations, partial(quantity_key, comp.path))
    if not declared:
        return None
    cop = copula(declared_rank_matrix(declared, list(keys), varies))
    return cop if cop.columns.size else None


def values_at(u: F, inputs: Sequence[UncertainInput]) -> F:
    """Values of ``inputs`` at probabilities ``u`` (n, K): each through its own distribution's inverse
    CDF, clipped to its domain and rounded where whole; zero-width inputs are their value. (The
    arithmetic of :func:`costmodel.inputs.distributions.sample` with the uniforms given.)"""
    lo = np.array([i.low for i in inputs], dtype=np.float64)
    mid = np.array([i.central for i in inputs], dtype=np.float64)
    hi = np.array([i.high for i in inputs], dtype=np.float64)
    dist = np.array([i.distribution or DEFAULT_DISTRIBUTION for i in inputs], dtype=object)
    out = np.empty(u.shape, dtype=np.float64)
    out[:] = mid
    varies = np.flatnonzero(hi > lo)
    for name in DISTRIBUTIONS:
        cols = varies[dist[varies] == name]
        if cols.size:
            out[:, cols] = quantiles(name, np.maximum(u[:, cols], 2.0**-54), lo[cols], mid[cols], hi[cols])
    blo = np.array([i.domain_low for i in inputs], dtype=np.float64)
    bhi = np.array([i.domain_high for i in inputs], dtype=np.float64)
    overflowed = ~np.isfinite(out)
    np.clip(out, blo, bhi, out=out)
    out[overflowed] = np.nan  # reported, located, by npv_table
    whole = np.flatnonzero(np.array([i.integer for i in inputs], dtype=bool) & (hi > lo))
    if whole.size:
        out[:, whole] = np.rint(out[:, whole])
    return out


@dataclass(frozen=True)
class OptionsSimulation:
    """Every entry's NPV in every draw (common random numbers). Entries in the appraisal's order."""

    draws: int
    seed: int
    entry_ids: tuple[str, ...]
    npv: F  # (N, E) whole public sector [£]
    ranged_inputs: int  # distinct ranged quantities drawn [count]

    @property
    def incremental(self) -> F:
        """(N, E) each entry's NPV minus BAU's in the same draw [£]"""
        return self.npv - self.npv[:, :1]

    @property
    def p_beats_bau(self) -> F:
        """(E,) probability that the entry's NPV exceeds BAU's (by more than half a penny). [fraction]"""
        return np.mean(self.incremental > MONEY_TOLERANCE, axis=0)

    @property
    def p_beats(self) -> F:
        """(E, E): [i, j] the probability that entry i's NPV exceeds entry j's. [fraction]"""
        diff = self.npv[:, :, None] - self.npv[:, None, :]
        return np.mean(diff > MONEY_TOLERANCE, axis=0)

    def standard_error(self, p: F | float) -> F:
        """Monte Carlo standard error of a probability estimated from these draws. [fraction]"""
        q = np.asarray(p, dtype=np.float64)
        return np.sqrt(q * (1.0 - q) / self.draws)

    def incremental_percentiles(self, qs: Sequence[float] = (5, 50, 95)) -> F:
        """(len(qs), E) percentiles of each entry's incremental NPV. [£]"""
        return np.percentile(self.incremental, qs, axis=0)


def simulate_options(
    appraisal: OptionsAppraisal, draws: int = DEFAULT_DRAWS, seed: int = DEFAULT_SEED
) -> OptionsSimulation:
    """Monte Carlo of every entry from the same draws (see the module docstring). The same seed gives
    identical output, whatever the chunk size."""
    draws, seed = check_draws(draws, seed)
    comps = _components(appraisal)
    keys: dict[str, int] = {}
    for comp in comps:
        for k in comp.keys:
            keys.setdefault(k, len(keys))
    cols = [np.array([keys[k] for k in comp.keys], dtype=np.int64) for comp in comps]
    npv = np.zeros((draws, len(appraisal.entries)))
    chunk = min([chunk_size_for(comp.compiled.structure) for comp in comps] or [draws])
    rng = np.random.default_rng(seed)
    cop = _copula(comps, keys)
    for start in range(0, draws, chunk):  # chunks of draws (rows of one uniform block)
        stop = min(draws, start + chunk)
        u = rng.random((stop - start, len(keys)))
        if cop is not None:
            cop.apply(u)  # the files' declared correlations, on the block's columns
        done: dict[tuple[str, str], F] = {}  # a proposal in several entries (e.g. BAU's) is evaluated once
        for comp, cc in zip(comps, cols, strict=True):
            same = (comp.path, comp.compiled.scenario.inputs_sha256)
            if same not in done:
                inputs = comp.compiled.inputs
                done[same] = npv_table(comp.compiled, inputs, values_at(u[:, cc], inputs)).npv
            npv[start:stop, comp.entry] += done[same]  # an entry adds its proposals' NPVs
    ranged = {k for comp in comps for k, i in zip(comp.keys, comp.compiled.inputs, strict=True) if i.ranged}
    return OptionsSimulation(
        draws=draws,
        seed=seed,
        entry_ids=tuple(e.id for e in appraisal.entries),
        npv=npv,
        ranged_inputs=len(ranged),
    )


# ---------------------------------------------------------------------------------------------
# The tornado and switching values between options
# ---------------------------------------------------------------------------------------------

GRID_POINTS = 201
BISECTION_STEPS = 64


Holders = dict[str, list[tuple[_Component, UncertainInput]]]


def _holders(comps: Sequence[_Component], entries: set[int], ranged_only: bool = False) -> Holders:
    """Every quantity (``quantity_key``) the components of ``entries`` hold, with each holder's input
    (switching-value candidates, or the ranged inputs when ``ranged_only``)."""
    holders: Holders = {}
    for comp in comps:
        if comp.entry in entries:
            pool = comp.compiled.inputs if ranged_only else comp.compiled.candidates
            for inp in pool:
                if not ranged_only or inp.ranged:
                    holders.setdefault(quantity_key(comp.path, inp.id), []).append((comp, inp))
    return holders


def _entry_deltas(
    comps: Sequence[_Component], n_entries: int, rows: Sequence[tuple[str, float]], holders: Holders
) -> F:
    """(rows, E): how much each entry's NPV moves when quantity ``key`` moves by ``shift`` from each
    holder's central value (row = (key, shift)), every other input central. One batched engine call
    per proposal file (its rows stacked). [£]"""
    out = np.zeros((len(rows), n_entries))
    index: dict[int, tuple[list[int], list[UncertainInput], list[float]]] = {}
    by_comp: dict[int, _Component] = {}
    for r, (key, shift) in enumerate(rows):
        for comp, inp in holders.get(key, []):
            rs, ins, xs = index.setdefault(id(comp), ([], [], []))
            by_comp[id(comp)] = comp
            rs.append(r)
            ins.append(inp)
            xs.append(min(max(inp.central + shift, inp.domain_low), inp.domain_high))
    for cid, (rs, ins, xs) in index.items():
        comp = by_comp[cid]
        slot = {id(i): n for n, i in enumerate({id(i): i for i in ins}.values())}
        distinct = list({id(i): i for i in ins}.values())
        which = np.array([slot[id(i)] for i in ins], dtype=np.int64)
        centre = np.array([i.central for i in distinct])
        both = npv_cases(
            comp.compiled,
            distinct,
            np.concatenate([which, np.arange(len(distinct))]),
            np.concatenate([xs, centre]),
        ).npv
        moved, central = both[: len(rs)], both[len(rs) :]
        np.add.at(out[:, comp.entry], np.array(rs, dtype=np.int64), moved - central[which])
    return out


@dataclass(frozen=True)
class OptionTornadoBar:
    """One ranged input at its low and its high (the others central): an entry's incremental NPV
    against BAU at each end. The input moves in every entry holding it (BAU's too), by the same amount
    from each one's central value."""

    entry: str  # entry id
    key: str  # quantity_key
    input: UncertainInput  # as the first entry holding it has it
    incremental_npv_low: float  # [£]
    incremental_npv_high: float  # [£]

    @property
    def swing(self) -> float:
        return abs(self.incremental_npv_high - self.incremental_npv_low)


def option_tornado(appraisal: OptionsAppraisal) -> list[OptionTornadoBar]:
    """For every entry but BAU, the tornado of its incremental NPV against BAU: each ranged input (of
    the entry or of BAU) at its low and its high, the others central; sorted by swing within an entry.
    An input that moves the entry and BAU alike (a shared proposal's) has no swing and is left out."""
    comps = _components(appraisal)
    E = len(appraisal.entries)
    holders = _holders(comps, set(range(E)), ranged_only=True)
    keys = list(holders)
    first = [holders[k][0][1] for k in keys]
    rows = [(k, x - inp.central) for k, inp in zip(keys, first, strict=True) for x in (inp.low, inp.high)]
    delta = _entry_deltas(comps, E, rows, holders)
    incremental = delta - delta[:, :1]  # (2K, E) each entry's move minus BAU's
    base = np.array([e.incremental.npv for e in appraisal.entries])
    out: list[OptionTornadoBar] = []
    for e in range(1, E):
        bars = [
            OptionTornadoBar(
                appraisal.entries[e].id,
                k,
                inp,
                float(base[e] + incremental[2 * i, e]),
                float(base[e] + incremental[2 * i + 1, e]),
            )
            for i, (k, inp) in enumerate(zip(keys, first, strict=True))
        ]
        out += sorted((b for b in bars if b.swing > MONEY_TOLERANCE), key=lambda b: -b.swing)
    return out


@dataclass(frozen=True)
class OptionSwitch:
    """How far one key input must move for ``leader`` to stop beating ``other`` (total NPV)."""

    leader: str  # entry id
    other: str  # entry id
    key: str  # quantity_key
    input: UncertainInput  # as the first option holding it has it
    gap: float  # leader's NPV minus other's at central values [£]
    value: float | None  # the input's value at which the gap closes (None: none in its domain)
    method: str  # "linear" (exact), "bisection" (to machine precision) or "whole years"

    @property
    def relative_change(self) -> float | None:
        """(value - central) / |central|, or None. [fraction]"""
        if self.value is None or self.input.central == 0:
            return None
        return (self.value - self.input.central) / abs(self.input.central)


def _root(
    inp: UncertainInput, xs: F, gap: F, linear: bool
) -> tuple[float | None, str, tuple[float, float, float]]:
    """Where ``gap`` (at ``xs``) reaches zero, nearest the central value; for a non-linear input the
    grid's bracket (low, high, gap at low) that bisection refines."""
    none = (math.nan, math.nan, math.nan)
    if np.ptp(gap) <= MONEY_TOLERANCE:
        return None, "unchanged", none
    if inp.integer:
        ahead = gap > MONEY_TOLERANCE
        ci = int(np.argmin(np.abs(xs - inp.central)))
        flipped = np.flatnonzero(ahead != ahead[ci])
        if flipped.size == 0:
            return None, "whole years", none
        return float(xs[flipped[np.argmin(np.abs(flipped - ci))]]), "whole years", none
    if linear:
        slope = (gap[1] - gap[0]) / (xs[1] - xs[0])
        root = xs[0] - gap[0] / slope
        ok = math.isfinite(root) and inp.domain_low <= root <= inp.domain_high
        return (float(root) if ok else None), "linear", none
    zeros = np.flatnonzero(gap == 0.0)
    flips = np.flatnonzero(np.sign(gap[:-1]) * np.sign(gap[1:]) < 0)
    ci = int(np.searchsorted(xs, inp.central))
    if zeros.size and (flips.size == 0 or np.min(np.abs(zeros - ci)) <= np.min(np.abs(flips + 0.5 - ci))):
        return float(xs[zeros[np.argmin(np.abs(zeros - ci))]]), "bisection", none
    if flips.size == 0:
        return None, "bisection", none
    k = int(flips[np.argmin(np.abs(flips + 0.5 - ci))])
    return None, "bracket", (float(xs[k]), float(xs[k + 1]), float(gap[k]))


def _bisect_gaps(
    comps: Sequence[_Component],
    n_entries: int,
    holders: Holders,
    brackets: Sequence[tuple[int, int, str, float, float, float, float]],
) -> F:
    """Roots of every bracket's gap (leader's NPV minus other's) to machine precision: 64 halvings,
    each one batched engine call per proposal file over every bracket at once. A bracket is (leader,
    other, key, central of the first holder, low, high, gap at low)."""
    lead = np.array([b[0] for b in brackets], dtype=np.int64)
    other = np.array([b[1] for b in brackets], dtype=np.int64)
    keys = [b[2] for b in brackets]
    centre = np.array([b[3] for b in brackets])
    a = np.array([b[4] for b in brackets])
    hi = np.array([b[5] for b in brackets])
    ga = np.array([b[6] for b in brackets])  # the gap at each bracket's low end
    rows = np.arange(len(brackets))

    def gap_at(x: F, base: F) -> F:
        d = _entry_deltas(comps, n_entries, list(zip(keys, (x - centre).tolist(), strict=True)), holders)
        return base + d[rows, lead] - d[rows, other]

    base = ga - gap_at(a, np.zeros(len(brackets)))  # the gap at central values
    for _ in range(BISECTION_STEPS):  # vectorised over every bracket at once
        m = 0.5 * (a + hi)
        gm = gap_at(m, base)
        left = np.sign(gm) == np.sign(ga)
        a, ga, hi = np.where(left, m, a), np.where(left, gm, ga), np.where(left, hi, m)
    g_hi = gap_at(hi, base)
    return np.where(np.abs(ga) <= np.abs(g_hi), a, hi)


def option_switching_values(appraisal: OptionsAppraisal) -> list[OptionSwitch]:
    """For the option with the highest NPV (the leader) against every other entry: for each key input
    either holds, the value at which the leader's lead closes. The input moves in every option that
    holds it (by the same amount from each one's central value); the others stay central. Inputs the
    NPVs are affine in get the exact root from two points; the others a grid locates the sign change
    nearest the central value and bisection refines it to machine precision (batched over every
    bracket); whole-year inputs the nearest whole number of years that changes the ranking."""
    comps = _components(appraisal)
    E = len(appraisal.entries)
    npv = np.array([e.absolute.npv for e in appraisal.entries])
    lead = int(np.argmax(npv))
    out: list[OptionSwitch] = []
    pending: list[tuple[int, tuple[int, int, str, float, float, float, float]]] = []
    all_holders = _holders(comps, set(range(E)))
    for other in range(E):
        if other == lead:
            continue
        holders = _holders(comps, {lead, other})
        gap0 = float(npv[lead] - npv[other])
        for key, held in holders.items():
            first = held[0][1]
            linear = all(inp.linear for _, inp in held)
            xs = scan_points(first, linear, GRID_POINTS)
            d = _entry_deltas(comps, E, [(key, float(x - first.central)) for x in xs], holders)
            gap = gap0 + d[:, lead] - d[:, other]
            value, method, bracket = _root(first, xs, gap, linear)
            if method == "unchanged":
                continue
            sw = OptionSwitch(
                appraisal.entries[lead].id, appraisal.entries[other].id, key, first, gap0, value, method
            )
            if method == "bracket":
                pending.append((len(out), (lead, other, key, first.central, *bracket)))
            out.append(sw)
    if pending:
        roots = _bisect_gaps(comps, E, all_holders, [b for _, b in pending])
        for (i, _), x in zip(pending, roots, strict=True):
            out[i] = replace(out[i], value=float(x), method="bisection")
    return out
