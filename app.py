"""costmodel in the browser: navigation only. Pages live in app_pages/; calculation in costmodel/.

Run with `bash scripts/app` (or `.venv/bin/streamlit run app.py`).
"""

from pathlib import Path

import streamlit as st

from app_pages.common import current_draft, proposal_sidebar
from app_pages.links import sync_url

# A local image: a Material icon as page_icon makes the browser fetch it from a font host.
ICON = Path(__file__).resolve().parent / "app_pages" / "assets" / "icon.png"
st.set_page_config(page_title="costmodel: the Ten Year Test", page_icon=str(ICON), layout="wide")

pages = [
    st.Page("app_pages/ten_year_test.py", title="Ten Year Test", icon=":material/balance:", default=True),
    st.Page("app_pages/edit_assumptions.py", title="Edit assumptions", icon=":material/edit:"),
    st.Page("app_pages/compare.py", title="Compare proposals", icon=":material/compare_arrows:"),
    st.Page("app_pages/batch.py", title="Every area", icon=":material/map:"),
    st.Page("app_pages/sources.py", title="Sources", icon=":material/menu_book:"),
]
st.html(ICON.with_name("app.css"))  # phones and printing (a local file: nothing is fetched)
page = st.navigation(pages)
proposal_sidebar()
page.run()
sync_url(current_draft())  # again after the page: a Monte Carlo run or an edit made in this run
