"""The agreement's own ranged terms: a partner's contribution to a pool, a responsibility charge.

:func:`agreement_terms` lists each term with a range (low < high) and the cell of
:class:`costmodel.pooling.accounting.PoolParams` it sets, in the order
:func:`costmodel.pooling.accounting.compile_pool` numbers them. The Monte Carlo draws them
(:func:`costmodel.uncertainty.compile.pool_term_inputs`) and the pooled draws apply them
(:func:`costmodel.pooling.draws.pool_draws`); both read this one list, so the two layers agree on
which draw moves which cell.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from ..inputs.registry import Entry, entry
from .discounting import price_conversion_factor

if TYPE_CHECKING:
    from ..inputs.loading import Scenario


@dataclass(frozen=True)
class AgreementTerm:
    """One ranged term of the agreement.

    ``path`` by id (``pool.partners.police.contributions.0.fixed``,
    ``responsibility_charges.exclusion_charge.per_event``); ``cell`` the ``PoolParams`` array
    (``contribution_value`` or ``charge_value``) and ``index`` its position there; ``scale`` turns a
    change in the file's value into a change of that cell in price-base prices [£ per £]: the price
    conversion, negative for ``fixed_without_proposal`` (the cell holds the charge with the proposal less
    the charge without it), 1 for a share of costs [fraction per fraction].
    """

    path: str
    label: str
    entry: Entry
    quantity: Any
    cell: Literal["contribution_value", "charge_value"]
    index: int
    scale: float


def agreement_terms(scenario: Scenario) -> list[AgreementTerm]:
    """Every ranged term of ``scenario``'s pool and responsibility charges (see the module docstring)."""
    p = scenario.proposal
    deflator = scenario.deflator.index
    base = p.appraisal.price_base_year
    out: list[AgreementTerm] = []

    def conversion(q: Any) -> float:
        return price_conversion_factor(deflator, q.price_year, base)

    def add(q: Any, template: str, path: str, label: str, cell: Any, index: int, scale: float) -> None:
        if q is not None and q.low is not None and q.high is not None and q.high > q.low:
            out.append(AgreementTerm(path, label, entry(template), q, cell, index, scale))

    n = 0
    if p.pool is not None:
        for partner in p.pool.partners:
            for j, c in enumerate(partner.contributions):
                kind = c.kind
                q = getattr(c, kind)
                template = f"pool.partners.*.contributions.*.{kind}"
                add(q, template, f"pool.partners.{partner.agency}.contributions.{j}.{kind}",
                    f"{partner.agency}: {entry(template).label}", "contribution_value", n,
                    1.0 if kind == "share_of_costs" else conversion(q))  # fmt: skip
                n += 1
    for k, ch in enumerate(p.responsibility_charges):
        base_path = f"responsibility_charges.{ch.id}"
        if ch.per_event is not None:
            add(ch.per_event, "responsibility_charges.*.per_event", f"{base_path}.per_event",
                f"{ch.label}: charge per event", "charge_value", k, conversion(ch.per_event))  # fmt: skip
        else:
            add(ch.fixed, "responsibility_charges.*.fixed", f"{base_path}.fixed",
                f"{ch.label}: charge each year", "charge_value", k, conversion(ch.fixed))  # fmt: skip
            add(ch.fixed_without_proposal, "responsibility_charges.*.fixed_without_proposal",
                f"{base_path}.fixed_without_proposal", f"{ch.label}: charge each year without the proposal",
                "charge_value", k, -conversion(ch.fixed_without_proposal))  # fmt: skip
    return out
