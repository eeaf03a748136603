"""Uncertainty of an options appraisal: the probability that each option beats BAU and each other
option, from common random numbers, and switching values between options.

Common random numbers: one block of uniforms is drawn per chunk of draws, one column per distinct
quantity across every option; each option maps the columns of the quantities it holds through their
own distributions (:func:`costmodel.inputs.distributions.quantiles`). A quantity is the same in two
options when it is a unit cost (``unit_costs.<id>``, shared by every proposal that uses it), the
discount rate, or the same input of the same proposal file (edited or not). So an option identical to BAU has the same draws,
and its difference is exactly zero in every draw.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from ..appraisal.engine import MONEY_TOLERANCE
from ..inputs.distributions import DEFAULT_DISTRIBUTION, DISTRIBUTIONS, quantiles
from .batch import chunk_size_for, npv_cases, npv_table
from .compile import Compiled, UncertainInput, compile_uncertainty
from .limits import DEFAULT_DRAWS, DEFAULT_SEED
from .montecarlo import check_draws

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
    for start in range(0, draws, chunk):  # chunks of draws (rows of one uniform block)
        stop = min(draws, start + chunk)
        u = rng.random((stop - start, len(keys)))
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
# Switching values between options
# ---------------------------------------------------------------------------------------------

GRID_POINTS = 201


@dataclass(frozen=True)
class OptionSwitch:
    """How far one key input must move for ``leader`` to stop beating ``other`` (total NPV)."""

    leader: str  # entry id
    other: str  # entry id
    key: str  # quantity_key
    input: UncertainInput  # as the first option holding it has it
    gap: float  # leader's NPV minus other's at central values [£]
    value: float | None  # the input's value at which the gap closes (None: none in its domain)
    method: str  # "linear", "grid" (linear interpolation between grid points) or "whole years"

    @property
    def relative_change(self) -> float | None:
        """(value - central) / |central|, or None. [fraction]"""
        if self.value is None or self.input.central == 0:
            return None
        return (self.value - self.input.central) / abs(self.input.central)


def _scan(inp: UncertainInput, linear: bool) -> F:
    if inp.integer:
        return np.arange(int(inp.domain_low), int(min(inp.domain_high, 200)) + 1, dtype=np.float64)
    if linear:
        x0 = inp.central
        span = max(inp.high - inp.low, abs(x0), 1.0 if inp.unit != "fraction" else 0.5)
        x1 = min(inp.domain_high, x0 + span)
        if x1 <= x0:
            x1 = max(inp.domain_low, x0 - span)
        return np.array([x0, x1])
    top = inp.domain_high if math.isfinite(inp.domain_high) else max(inp.high, inp.central) * 10 + 1
    return np.unique(np.append(np.linspace(inp.domain_low, top, GRID_POINTS), inp.central))


def _root(inp: UncertainInput, xs: F, gap: F, linear: bool) -> tuple[float | None, str]:
    """Where ``gap`` (at ``xs``) reaches zero, nearest the central value."""
    if np.ptp(gap) <= MONEY_TOLERANCE:
        return None, "unchanged"
    if inp.integer:
        ahead = gap > MONEY_TOLERANCE
        ci = int(np.argmin(np.abs(xs - inp.central)))
        flipped = np.flatnonzero(ahead != ahead[ci])
        if flipped.size == 0:
            return None, "whole years"
        return float(xs[flipped[np.argmin(np.abs(flipped - ci))]]), "whole years"
    if linear:
        slope = (gap[1] - gap[0]) / (xs[1] - xs[0])
        root = xs[0] - gap[0] / slope
        ok = math.isfinite(root) and inp.domain_low <= root <= inp.domain_high
        return (float(root) if ok else None), "linear"
    flips = np.flatnonzero(np.sign(gap[:-1]) * np.sign(gap[1:]) <= 0)
    if flips.size == 0:
        return None, "grid"
    ci = int(np.searchsorted(xs, inp.central))
    k = int(flips[np.argmin(np.abs(flips + 0.5 - ci))])
    x0, x1, g0, g1 = xs[k], xs[k + 1], gap[k], gap[k + 1]
    return float(x0 - g0 * (x1 - x0) / (g1 - g0)) if g1 != g0 else float(x0), "grid"


def option_switching_values(appraisal: OptionsAppraisal) -> list[OptionSwitch]:
    """For the option with the highest NPV (the leader) against every other entry: for each key input
    either holds, the value at which the leader's lead closes. The input moves in every option that
    holds it (by the same amount from each one's central value); the others stay central."""
    comps = _components(appraisal)
    npv = np.array([e.absolute.npv for e in appraisal.entries])
    lead = int(np.argmax(npv))
    out: list[OptionSwitch] = []
    for other in range(len(appraisal.entries)):
        if other == lead:
            continue
        sign = {lead: 1.0, other: -1.0}
        holders: dict[str, list[tuple[_Component, UncertainInput]]] = {}
        for comp in comps:
            if comp.entry in sign:
                for inp in comp.compiled.candidates:
                    holders.setdefault(quantity_key(comp.path, inp.id), []).append((comp, inp))
        gap0 = float(npv[lead] - npv[other])
        for key, held in holders.items():
            first = held[0][1]
            linear = all(inp.linear for _, inp in held)
            xs = _scan(first, linear)
            gap = np.full(xs.shape, gap0)
            for comp, inp in held:
                moved = np.clip(xs - first.central + inp.central, inp.domain_low, inp.domain_high)
                res = npv_cases(comp.compiled, [inp], np.zeros(xs.size, dtype=np.int64), moved)
                central = npv_cases(
                    comp.compiled, [inp], np.zeros(1, dtype=np.int64), np.array([inp.central])
                )
                gap += sign[comp.entry] * (res.npv - central.npv[0])
            value, method = _root(first, xs, gap, linear)
            if method == "unchanged":
                continue
            out.append(
                OptionSwitch(
                    appraisal.entries[lead].id, appraisal.entries[other].id, key, first, gap0, value, method
                )
            )
    return out
