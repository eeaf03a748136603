"""Pooled positions in every Monte Carlo draw: who ends whole after the agreement, and the cash it moves.

:func:`pool_draws` gives the Monte Carlo (:func:`costmodel.uncertainty.montecarlo.simulate`, its
``extra``) a function of a chunk's batched engine inputs that applies the agreement to each draw's
flows (:func:`~costmodel.pooling.accounting.evaluate_pool`, no loop over draws) and returns, per
draw and agency, in present values [£]:

``net_before``
    the agency's NPV as the flows fall (before the agreement);
``net_after``
    its NPV after contributions, savings sharing and responsibility charges;
``cash_paid``
    the cash it pays under the agreement, net of what it receives, from the agreement's payment
    schedule (:func:`~costmodel.pooling.accounting.payment_matrices`: cash contributions into the pool,
    cashable savings paid over, the change in charges; in kind moves no cash); negative when it
    receives. Summed over agencies it is zero: the agreement moves money between budgets and creates none;

and per draw:

``cash_moved``
    the present value of every payment in the schedule (each pair netted within a kind of payment);

and per draw, year and party to the agreement (:data:`CASH_BY_YEAR`):

``cash_paid_by_year:<agency>``
    the cash it pays in each year under the schedule, net of what it receives, in cash of that year
    (the real figure times the deflator's ratio, as ``costmodel pool``'s cash schedule). Summed over
    the parties it is zero in every year.

The agreement's own ranged terms (a partner's contribution, a charge rate: the inputs of
:func:`costmodel.uncertainty.compile.pool_term_inputs`) are drawn with the flows they apply to, when
the Monte Carlo passes their draws; a formula's shares (plain numbers) stay as agreed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from ..appraisal.agreement_terms import AgreementTerm, agreement_terms
from ..appraisal.engine import Params, Structure, evaluate
from .accounting import (
    PoolParams,
    compile_pool,
    evaluate_pool,
    net_payments,
    payment_matrices,
    present_values,
)

if TYPE_CHECKING:
    from ..inputs.loading import Scenario

F = NDArray[np.float64]

POOL_DRAW_KEYS = ("net_before", "net_after", "cash_paid", "cash_moved")

CASH_BY_YEAR = "cash_paid_by_year:"
"""Key prefix of a party's cash paid under the agreement by year, net of what it receives, in cash of
each year [£], (draws, years): ``cash_paid_by_year:police``. One per party to the agreement (a pool
partner, or an agency a charge names): 8 bytes × years per draw and party (80 MB per 1,000,000 draws
and party over ten years)."""


def drawn_pool_params(central: PoolParams, terms: Sequence[AgreementTerm], drawn: Mapping[str, F]) -> PoolParams:
    """The agreement's terms in each draw: ``central`` moved by ``scale × (draw - value)`` for every
    term of ``terms`` with a column in ``drawn`` (path -> (n,) values in the file's unit); (n, N) and
    (n, K) arrays, or ``central`` unchanged when none is drawn."""
    given = [t for t in terms if t.path in drawn]
    if not given:
        return central
    n = len(drawn[given[0].path])
    cells = {
        "contribution_value": np.array(np.broadcast_to(central.contribution_value, (n, *central.contribution_value.shape))),
        "charge_value": np.array(np.broadcast_to(central.charge_value, (n, *central.charge_value.shape))),
    }
    for t in given:  # the agreement's terms (a few), not draws
        change = (np.asarray(drawn[t.path], dtype=np.float64) - float(t.quantity.value)) * t.scale
        cells[t.cell][:, t.index] += change
    return PoolParams(**cells)


def pool_draws(scenario: Scenario, structure: Structure) -> Callable[..., Mapping[str, F]] | None:
    """The per-chunk pooled figures for ``scenario`` (None when it has neither a pool nor charges):
    ``chunk(structure, params, drawn=None)``, ``drawn`` the chunk's draws of the agreement's ranged
    terms (path -> (n,) values; terms not given stay at their central values)."""
    p = scenario.proposal
    if p.pool is None and not p.responsibility_charges:
        return None
    ps, central = compile_pool(scenario, structure)
    terms = agreement_terms(scenario)
    cash_factor = np.asarray(structure.cash_factor, dtype=np.float64)  # (T,) D[year] / D[price base]
    parties = np.flatnonzero(ps.partner_mask + ps.charge_from.sum(axis=0) + ps.charge_to.sum(axis=0) > 0)

    def chunk(s: Structure, params: Params, drawn: Mapping[str, F] | None = None) -> Mapping[str, F]:
        flows = evaluate(s, params, detail=False)
        pp = drawn_pool_params(central, terms, drawn or {})
        pf = evaluate_pool(ps, pp, flows)
        df = pf.factors
        before = present_values(pf.net_before, df)
        after = present_values(pf.net_after, df)
        matrices = payment_matrices(pf, ps)  # (*B, T, A, A) payer -> payee, by kind
        paid_by_year = -net_payments(matrices)  # (*B, T, A) real, price base
        batch = np.broadcast_shapes(np.shape(pf.net_before), np.shape(pf.net_after), np.shape(paid_by_year))[:-2]
        paid = present_values(paid_by_year, df)
        gross = sum(m.sum(axis=(-2, -1)) for m in matrices.values())  # (*B, T) every payment
        moved = np.einsum("...t,...t->...", gross, np.broadcast_to(df, np.shape(gross)))
        shape = (*batch, len(ps.agency_ids))
        cash = paid_by_year * cash_factor[:, None]  # cash of each year [£]
        out = {
            "net_before": np.broadcast_to(before, shape),
            "net_after": np.broadcast_to(after, shape),
            "cash_paid": np.broadcast_to(paid, shape),
            "cash_moved": np.broadcast_to(moved, batch),
        }
        for k in parties.tolist():  # the agreement's parties (a few), not draws
            out[f"{CASH_BY_YEAR}{ps.agency_ids[k]}"] = np.broadcast_to(cash[..., k], (*batch, cash.shape[-2]))
        return out

    return chunk
