"""costmodel in the browser: navigation only. Pages live in app_pages/; calculation in costmodel/.

Run with `bash scripts/app` (or `.venv/bin/streamlit run app.py`).
"""

import streamlit as st

from app_pages.common import current_draft, proposal_sidebar
from app_pages.links import sync_url

st.set_page_config(page_title="costmodel: the Ten Year Test", page_icon=":material/savings:", layout="wide")

pages = [
    st.Page("app_pages/ten_year_test.py", title="Ten Year Test", icon=":material/balance:", default=True),
    st.Page("app_pages/edit_assumptions.py", title="Edit assumptions", icon=":material/edit:"),
    st.Page("app_pages/compare.py", title="Compare proposals", icon=":material/compare_arrows:"),
    st.Page("app_pages/sources.py", title="Sources", icon=":material/menu_book:"),
]
page = st.navigation(pages)
proposal_sidebar()
page.run()
sync_url(current_draft())  # again after the page: a Monte Carlo run or an edit made in this run
