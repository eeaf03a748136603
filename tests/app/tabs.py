"""Open a results tab of the Ten Year Test page in an AppTest: only the open tab runs (lazy tabs)."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

TAB_KEY = "tab"  # app_pages.ten_year_test.TAB_KEY (not imported: that module is a page script)


def open_tab(at: AppTest, label: str):
    """The tab called ``label``, opened (rerunning the page) when another tab is open."""
    try:
        current = at.session_state[TAB_KEY]
    except KeyError:
        current = None
    if current != label:
        at.session_state[TAB_KEY] = label
        at.query_params[TAB_KEY] = label  # the tab is bound to the address, which wins over the state
        at.run()
        assert not at.exception, [e.value for e in at.exception]
    return next(t for t in at.tabs if t.label == label)
