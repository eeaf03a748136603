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
    the present value of every payment in the schedule (each pair netted within a kind of payment).

The agreement's own figures (contributions, shares, charge rates) are held at their central values;
only the flows they apply to are drawn.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from ..appraisal.engine import Params, Structure, evaluate
from .accounting import compile_pool, evaluate_pool, net_payments, payment_matrices, present_values

if TYPE_CHECKING:
    from ..inputs.loading import Scenario

F = NDArray[np.float64]

POOL_DRAW_KEYS = ("net_before", "net_after", "cash_paid", "cash_moved")


def pool_draws(scenario: Scenario, structure: Structure) -> Callable[[Structure, Params], Mapping[str, F]] | None:
    """The per-chunk pooled figures for ``scenario`` (None when it has neither a pool nor charges)."""
    p = scenario.proposal
    if p.pool is None and not p.responsibility_charges:
        return None
    ps, pp = compile_pool(scenario, structure)

    def chunk(s: Structure, params: Params) -> Mapping[str, F]:
        flows = evaluate(s, params, detail=False)
        pf = evaluate_pool(ps, pp, flows)
        df = pf.factors
        batch = flows.costs.shape[:-2]
        before = present_values(pf.net_before, df)
        after = present_values(pf.net_after, df)
        matrices = payment_matrices(pf, ps)  # (*B, T, A, A) payer -> payee, by kind
        paid = -present_values(net_payments(matrices), df)
        gross = sum(m.sum(axis=(-2, -1)) for m in matrices.values())  # (*B, T) every payment
        moved = np.einsum("...t,...t->...", gross, np.broadcast_to(df, np.shape(gross)))
        shape = (*batch, len(ps.agency_ids))
        return {
            "net_before": np.broadcast_to(before, shape),
            "net_after": np.broadcast_to(after, shape),
            "cash_paid": np.broadcast_to(paid, shape),
            "cash_moved": np.broadcast_to(moved, batch),
        }

    return chunk
