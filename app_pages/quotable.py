"""The briefing's one-sentence headline on the Ten Year Test page, with a button that copies it."""

from __future__ import annotations

import streamlit as st

from app_pages.links import copy_button
from costmodel.appraisal.engine import TenYearTest


@st.cache_data(max_entries=128, show_spinner=False)
def _headline(inputs_sha256: str, _result: TenYearTest) -> str:
    from costmodel.export.brief import brief_content

    return brief_content(_result).headline


def show_quotable_headline(r: TenYearTest) -> None:
    """The sentence exactly as the briefing prints it (title casing kept), as plain text, never Markdown."""
    sentence = _headline(r.scenario.inputs_sha256, r)
    with st.container(border=True):
        st.caption("In one sentence, as the briefing puts it:")
        st.text(sentence)
        copy_button("Copy sentence", sentence, name="Copy the one-sentence headline")
