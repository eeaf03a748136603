"""A pooled proposal is shown as pooled: beside the headline, each budget holder's position under the
agreement (the verdict's worse-off / better-off list is before it). The words are written in
``costmodel.present.pooling_report.pooled_sentence`` (the briefing uses the same sentence)."""

from __future__ import annotations

import streamlit as st

from app_pages.common import Draft, draft_pooling, has_pooling
from costmodel.appraisal.engine import TenYearTest
from costmodel.present import markup
from costmodel.present.pooling_report import pooled_sentence

__all__ = ["pooled_sentence", "show_pooled_position"]


def show_pooled_position(d: Draft, r: TenYearTest) -> None:
    if not has_pooling(r):
        return
    pr = draft_pooling(d, None)  # type: ignore[arg-type]
    if pr is None:
        return
    st.info(markup.inline(pooled_sentence(pr)), icon=":material/handshake:")  # names come from the file
