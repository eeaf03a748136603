"""A pooled proposal is shown as pooled: beside the headline, each budget holder's position under the
agreement (the verdict's worse-off / better-off list is before it)."""

from __future__ import annotations

import streamlit as st

from app_pages.common import Draft, draft_pooling, has_pooling
from costmodel.appraisal.engine import TenYearTest
from costmodel.formatting import money
from costmodel.present import markup

TOLERANCE = 0.005  # [£] below this a position is "no change"


def pooled_sentence(pr: object) -> str:
    """'Under the agreement (…): worse off: A (−£1k); better off: B (+£2k), C (+£3k).' from a PoolingResult."""
    positions = sorted(pr.positions, key=lambda p: p.pv_net_after)  # type: ignore[attr-defined]
    worse = [
        f"{p.name} ({money(p.pv_net_after, signed=True)})" for p in positions if p.pv_net_after < -TOLERANCE
    ]
    better = [
        f"{p.name} ({money(p.pv_net_after, signed=True)})"
        for p in reversed(positions)
        if p.pv_net_after > TOLERANCE
    ]
    what = "the pooled budget" if pr.has_pool else "the responsibility charges"  # type: ignore[attr-defined]
    name = f" ({pr.pool_name}, sharing rule: {pr.rule})" if pr.has_pool else ""  # type: ignore[attr-defined]
    parts = []
    if worse:
        parts.append("worse off: " + ", ".join(worse))
    if better:
        parts.append("better off: " + ", ".join(better))
    return (
        f"Pooled: the verdict's list of who is worse or better off is before the agreement. Under {what}{name}, "
        + ("; ".join(parts) if parts else "no budget holder gains or loses")
        + ". The whole public sector's NPV is the same: the agreement moves money between budget holders."
    )


def show_pooled_position(d: Draft, r: TenYearTest) -> None:
    if not has_pooling(r):
        return
    pr = draft_pooling(d, None)  # type: ignore[arg-type]
    if pr is None:
        return
    st.info(markup.inline(pooled_sentence(pr)), icon=":material/handshake:")  # names come from the file
