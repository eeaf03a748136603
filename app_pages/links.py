"""Every state a user reaches has a URL: the proposal, its edits, the results tab and the Monte Carlo settings.

Query parameters (kept on every page, rewritten after each run of the script):

* ``example=<stem>``: a shipped example as shipped (no store needed);
* ``s=<key>``: an uploaded, template or edited scenario, saved in the SQLite store
  (:mod:`app_pages.scenario_store`) under the hash of its content;
* ``tab=<id>``: the results tab of the Ten Year Test page, by a stable id (``uncertainty``); links made
  before the ids, with the tab's label (``tab=Uncertainty``), still open it (:func:`tab_label`);
* ``draws``, ``seed``, ``ob``: the settings of the last Monte Carlo run (``ob=1``: optimism bias on).

A fresh session reads them once (:func:`restore_from_url`); each run ends by writing them back
(:func:`sync_url`). A missing or unreadable store is said in the sidebar; the examples keep working.
"""

from __future__ import annotations

import html
import json
from typing import Any

import streamlit as st

from app_pages.scenario_store import ScenarioStore, StoredScenario, StoreError, default_store, is_key

RESTORED_KEY = "links_restored"
STORE_ERROR_KEY = "store_error"
MC_KEY = "mc_settings"  # (draws, seed, optimism) of the last run, or absent
LINKED_RUN_KEY = "mc_from_link"  # a link's run settings, until the Uncertainty code runs them once


def store() -> ScenarioStore:
    return default_store()


def _param(name: str) -> str | None:
    value = st.query_params.get(name)
    return value if isinstance(value, str) and value else None


def mc_settings_from_url() -> tuple[int, int, bool] | None:
    draws, seed = _param("draws"), _param("seed")
    if draws is None or seed is None or not draws.isdigit() or not seed.isdigit():
        return None
    return int(draws), int(seed), _param("ob") == "1"


def tab_label(requested: object, tabs: list[tuple[str, str]]) -> str | None:
    """The label of the tab a link asks for: by id, or by label (links made before the ids); None if none.

    >>> tabs = [("charts", "Charts"), ("table", "Ten Year Test table")]
    >>> tab_label("table", tabs), tab_label("Ten Year Test table", tabs), tab_label("nope", tabs)
    ('Ten Year Test table', 'Ten Year Test table', None)
    """
    if not isinstance(requested, str):
        return None
    for tab_id, label in tabs:
        if requested == tab_id or requested.casefold() == label.casefold():
            return label
    return None


def restore_from_url(open_example: Any, open_stored: Any) -> list[str]:
    """Open the scenario a link names, once per session; return messages for the sidebar.

    ``open_example(stem)`` and ``open_stored(StoredScenario)`` open a draft and make it current.
    """
    if st.session_state.get(RESTORED_KEY):
        return []
    st.session_state[RESTORED_KEY] = True
    messages: list[str] = []
    key, stem = _param("s"), _param("example")
    if key is not None:
        if not is_key(key):
            messages.append(
                f"This link's scenario key `{key[:40]}` is not a key this app makes; showing an example."
            )
        else:
            try:
                found = store().get(key)
            except StoreError as exc:
                st.session_state[STORE_ERROR_KEY] = str(exc)
                found = None
                messages.append(str(exc))
            if found is None and not messages:
                messages.append(
                    f"The scenario of this link (`{key}`) is not in this app's store "
                    "(it may have been saved on another server); showing an example."
                )
            elif found is not None:
                messages.extend(open_stored(found))
    elif stem is not None:
        messages.extend(open_example(stem))
    settings = mc_settings_from_url()
    if settings is not None:
        st.session_state[MC_KEY] = settings
        st.session_state[LINKED_RUN_KEY] = settings
    return messages


def scenario_of(draft: Any) -> StoredScenario:
    return StoredScenario(draft.name, draft.origin, draft.text, dict(draft.edits), dict(draft.valid_edits))


def draft_link_params(draft: Any) -> dict[str, str]:
    """The query parameters that reopen ``draft`` (saving it in the store when it needs saving)."""
    if draft.origin == "example" and not draft.edits:
        return {"example": draft.key.split(":", 1)[1]}
    scenario = scenario_of(draft)
    if draft.stored_key == scenario.key:
        return {"s": draft.stored_key}
    try:
        key = store().put(scenario)
    except StoreError as exc:
        st.session_state[STORE_ERROR_KEY] = str(exc)
        return {}
    st.session_state.pop(STORE_ERROR_KEY, None)
    draft.stored_key = key
    return {"s": key}


def sync_url(draft: Any) -> None:
    """Write the current state into the address bar (only the parameters this module owns)."""
    if draft is None:
        return
    wanted = draft_link_params(draft)
    settings = st.session_state.get(MC_KEY)
    if settings is not None:
        draws, seed, optimism = settings
        wanted |= {"draws": str(draws), "seed": str(seed), "ob": "1" if optimism else "0"}
    for name in ("example", "s", "draws", "seed", "ob"):
        if name in wanted:
            if st.query_params.get(name) != wanted[name]:
                st.query_params[name] = wanted[name]
        elif name in st.query_params:
            del st.query_params[name]


def copy_button(label: str, text: str | None = None, *, name: str) -> None:
    """A button that copies ``text`` (the page's full address when None) to the clipboard.

    ``name`` is the button's accessible name. The text goes into the script as JSON with ``<`` escaped,
    so text from a file can never close the script or become markup.
    """
    payload = "null" if text is None else json.dumps(text).replace("<", "\\u003c")
    st.iframe(
        f"""<button id="copy" type="button" aria-label="{html.escape(name)}"
  style="font:14px 'Source Sans Pro',sans-serif;padding:6px 12px;border:1px solid #6b6e7a;border-radius:8px;
  background:#fff;color:#111;cursor:pointer">{html.escape(label)}</button>
<span id="done" role="status" style="font:13px sans-serif;color:#1b5e20;margin-left:6px"></span>
<script>
const text = {payload};
const b = document.getElementById('copy'), done = document.getElementById('done');
b.addEventListener('click', async () => {{
  const value = text === null ? window.parent.location.href : text;
  try {{ await navigator.clipboard.writeText(value); done.textContent = 'Copied'; }}
  catch (e) {{
    const t = document.createElement('textarea'); t.value = value; document.body.appendChild(t); t.select();
    try {{ document.execCommand('copy'); done.textContent = 'Copied'; }} catch (e2) {{ done.textContent = 'Select and copy the text'; }}
    t.remove();
  }}
}});
</script>""",
        height=40,
    )


def copy_link_button() -> None:
    """A "Copy link" button that copies the page's full address (with the state above) to the clipboard."""
    copy_button("Copy link", name="Copy link to this scenario")
