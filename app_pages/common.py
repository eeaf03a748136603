"""Streamlit glue shared by the pages: proposal choice, drafts in session state, cached engine calls,
chart rendering with downloads. No calculation here: everything is delegated to ``costmodel``.

Session state (non-widget keys, so nothing is lost on a rerun or a page switch):

* ``drafts``: proposal key -> :class:`Draft` (the file as loaded, the user's edits, the last valid text);
* ``current``: the key of the proposal in use.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import streamlit as st

from app_pages.chart_layout import readable_table, responsive
from app_pages.links import STORE_ERROR_KEY, copy_link_button, restore_from_url, sync_url
from app_pages.scenario_store import StoredScenario
from app_pages.uploaded_library import allowed_libraries, save_library
from costmodel.appraisal.chain import appraise
from costmodel.appraisal.engine import TenYearTest
from costmodel.errors import AssumptionError, CostModelError, Problem
from costmodel.inputs.bundling import LIBRARY_EDIT_PREFIX
from costmodel.inputs.editing import edited_scenario
from costmodel.inputs.loading import scenario_from_parsed
from costmodel.inputs.yamlio import MAX_FILE_BYTES, decode_bytes, parse_yaml
from costmodel.present import markup
from costmodel.present.csv_safety import frame_csv

if TYPE_CHECKING:
    from costmodel.pooling.accounting import PoolingResult

# Altair, pandas and vl-convert are imported inside the functions that draw charts or make files, so the
# verdict and headline figures reach the browser before those libraries load.

ROOT = Path(__file__).resolve().parent.parent
PROPOSALS_DIR = ROOT / "assumptions" / "proposals"
TEMPLATE = ROOT / "assumptions" / "templates" / "blank.yaml"
LIBRARY_DIR = str(PROPOSALS_DIR)  # uploads resolve "../unit_costs.yaml" against the shipped library
DEFAULT_EXAMPLE = "youth_work"
UPLOAD = "upload"


@dataclass
class Draft:
    """One proposal being looked at: its file text as loaded, and the user's edits."""

    key: str
    name: str  # as shown and used in messages (file name)
    origin: str  # "example", "template" or "upload"
    text: str  # the file as loaded
    library_dir: str | None
    edits: dict[str, Any] = field(default_factory=dict)
    valid_edits: dict[str, Any] = field(default_factory=dict)  # the last edits that validated
    problems: list[Problem] = field(default_factory=list)  # of the latest edits, when invalid
    rev: int = 0  # bumped on every accepted edit, so editors re-render from the draft
    stored_key: str | None = None  # the scenario store's key of the draft as last saved (app_pages.links)
    from_link: bool = False  # opened from a link's stored scenario (so no file is in the upload box)


def examples() -> dict[str, Path]:
    """Shipped example proposals by file stem."""
    return {p.stem: p for p in sorted(PROPOSALS_DIR.glob("*.yaml"))}


@st.cache_data(max_entries=64, show_spinner=False)
def _title_of(path: str, mtime_ns: int) -> str | None:
    try:
        data = parse_yaml(Path(path).read_text(encoding="utf-8"), Path(path).name).data
    except (AssumptionError, OSError):
        return None
    title = data.get("title") if isinstance(data, dict) else None
    return " ".join(title.split()) if isinstance(title, str) and title.strip() else None


def example_title(stem: str) -> str:
    """A shipped example's title, as its file gives it (its file stem in words when it has none)."""
    path = examples()[stem]
    return _title_of(str(path), path.stat().st_mtime_ns) or stem.replace("_", " ")


# ---------------------------------------------------------------------------------------------
# Cached engine calls (keyed on the text; the cache is shared across sessions)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    result: TenYearTest | None
    problems: tuple[Problem, ...] = ()
    text: str = ""


@st.cache_data(max_entries=128, show_spinner=False)
def evaluate(name: str, text: str, library_dir: str | None, edits_json: str = "{}") -> Outcome:
    """Apply edits to a proposal text, validate it with the loader and appraise it."""
    try:
        edits = json.loads(edits_json)
        if any(p.startswith(LIBRARY_EDIT_PREFIX) for p in edits):
            # a unit cost changed here: the library values the proposal uses are bundled into it first
            text = bundled_text(name, text, library_dir)
        if edits:
            new_text, scenario = edited_scenario(
                name, text, edits, library_dir=library_dir, allowed_libraries=allowed_libraries(library_dir)
            )
        else:
            new_text = text
            scenario = scenario_from_parsed(
                parse_yaml(text, name),
                library_dir=library_dir,
                allowed_libraries=allowed_libraries(library_dir),
            )
        return Outcome(appraise(scenario), (), new_text)
    except AssumptionError as exc:
        return Outcome(None, tuple(exc.problems), "")
    except CostModelError as exc:
        return Outcome(None, (Problem(name, None, None, "", str(exc)),), "")


@st.cache_data(max_entries=64, show_spinner=False)
def bundled_text(name: str, text: str, library_dir: str | None) -> str:
    """The proposal text with the unit-cost library values it uses written into it, so it stands alone
    (:func:`costmodel.inputs.bundling.self_contained`); the text itself when it uses no library."""
    from costmodel.inputs.bundling import self_contained

    scenario = scenario_from_parsed(
        parse_yaml(text, name), library_dir=library_dir, allowed_libraries=allowed_libraries(library_dir)
    )
    return self_contained(text, scenario, name)


def edits_key(edits: dict[str, Any]) -> str:
    return json.dumps(edits, sort_keys=True)


def draft_outcome(d: Draft, *, valid: bool = True) -> Outcome:
    return evaluate(d.name, d.text, d.library_dir, edits_key(d.valid_edits if valid else d.edits))


# ---------------------------------------------------------------------------------------------
# Drafts
# ---------------------------------------------------------------------------------------------


def drafts() -> dict[str, Draft]:
    return st.session_state.setdefault("drafts", {})


def current_draft() -> Draft | None:
    key = st.session_state.get("current")
    return drafts().get(key) if key else None


def _open(
    key: str, name: str, origin: str, text: str, library_dir: str | None, activate: bool = True
) -> list[str]:
    """Make ``key`` the proposal in use (resuming its draft, edits and all); return its problems."""
    if key not in drafts():
        out = evaluate(name, text, library_dir)
        if out.result is None:
            return [str(p) for p in out.problems]
        drafts()[key] = Draft(key, name, origin, text, library_dir)
    if activate:
        st.session_state["current"] = key
    return []


def open_example(stem: str, activate: bool = True) -> list[str]:
    path = examples()[stem]
    rel = f"assumptions/proposals/{path.name}"
    return _open(
        f"example:{stem}", rel, "example", path.read_text(encoding="utf-8"), str(path.parent), activate
    )


def open_template(activate: bool = True) -> list[str]:
    return _open(
        "template",
        "assumptions/templates/blank.yaml",
        "template",
        TEMPLATE.read_text(encoding="utf-8"),
        str(TEMPLATE.parent),
        activate,
    )


def read_upload(name: str, raw: bytes) -> tuple[str | None, list[str]]:
    """Check an uploaded file's size and encoding and parse it; (text, problems)."""
    name = Path(name).name or "upload.yaml"
    if len(raw) > MAX_FILE_BYTES:
        return None, [
            f"{name}: file is {len(raw) / 1e6:.1f} MB, larger than the "
            f"{MAX_FILE_BYTES // (1024 * 1024)} MB limit for assumption files"
        ]
    try:
        text = decode_bytes(raw, name)
        parse_yaml(text, name)  # YAML syntax and safety first; the model rules when opened
    except AssumptionError as exc:
        return None, [str(p) for p in exc.problems]
    return text, []


def open_linked_example(stem: str) -> list[str]:
    """Open the shipped example a link names (``?example=<stem>``) and select it in the sidebar."""
    if stem not in examples():
        return [
            f"This link names an example this app does not ship ({markup.code(stem[:60])}); showing another."
        ]
    st.session_state["proposal_choice"] = f"example:{stem}"
    return open_example(stem)


def open_stored(scenario: StoredScenario) -> list[str]:
    """Open a scenario saved behind a link (app_pages.links), edits and all, and make it current."""
    if scenario.origin == "example":
        stem = Path(scenario.name).stem
        key, library_dir = f"example:{stem}", str(PROPOSALS_DIR)
        choice = key if stem in examples() else UPLOAD
    elif scenario.origin == "template":
        key, library_dir, choice = "template", str(TEMPLATE.parent), "template"
    else:
        digest = hashlib.sha256(scenario.text.encode("utf-8")).hexdigest()[:12]
        key, library_dir, choice = f"upload:{scenario.name}:{digest}", LIBRARY_DIR, UPLOAD
    if scenario.origin == "example" and choice == UPLOAD:  # an example this copy of the app no longer ships
        key = f"upload:{scenario.name}:{hashlib.sha256(scenario.text.encode('utf-8')).hexdigest()[:12]}"
    out = evaluate(scenario.name, scenario.text, library_dir)
    if out.result is None:
        return [str(p) for p in out.problems]
    valid = scenario.edits if scenario.valid_edits is None else scenario.valid_edits
    d = Draft(
        key, scenario.name, scenario.origin, scenario.text, library_dir, dict(scenario.edits), dict(valid)
    )
    d.from_link = True
    if scenario.edits != valid:
        d.problems = list(draft_outcome(d, valid=False).problems)
    if draft_outcome(d).result is None:  # the stored valid edits no longer validate: drop them
        d.edits, d.valid_edits, d.problems = {}, {}, []
    drafts()[key] = d
    st.session_state["current"] = key
    st.session_state["proposal_choice"] = choice
    return []


def open_upload(name: str, raw: bytes, library_dir: str | None = None) -> list[str]:
    """Open an uploaded proposal; ``library_dir``: the folder of a library uploaded alongside it."""
    text, problems = read_upload(name, raw)
    if text is None:
        return problems
    name = Path(name).name
    digest = hashlib.sha256(raw).hexdigest()[:12]
    if library_dir is None:
        return _open(f"upload:{name}:{digest}", name, "upload", text, LIBRARY_DIR)
    return _open(f"upload:{name}:{digest}:{Path(library_dir).name[:12]}", name, "upload", text, library_dir)


# ---------------------------------------------------------------------------------------------
# Sidebar: choose a proposal (rendered by app.py on every page, so it persists)
# ---------------------------------------------------------------------------------------------


def proposal_sidebar() -> None:
    ex = examples()
    options = [f"example:{s}" for s in ex] + ["template", UPLOAD]
    labels = {f"example:{s}": f"Example: {example_title(s)}" for s in ex}
    labels |= {"template": "Blank template", UPLOAD: "Upload a YAML file…"}
    link_messages = restore_from_url(open_linked_example, open_stored)
    if "current" not in st.session_state:
        default = DEFAULT_EXAMPLE if DEFAULT_EXAMPLE in ex else next(iter(ex), None)
        broken = open_example(default) if default else open_template()
        if broken:  # a broken shipped example: say so, fall back to the template
            st.sidebar.error("\n\n".join(broken))
            open_template()
    with st.sidebar:
        st.markdown("### Proposal")
        default_option = f"example:{DEFAULT_EXAMPLE}"
        if st.session_state.get("proposal_choice") not in options:
            st.session_state["proposal_choice"] = default_option if default_option in options else options[0]
        choice = st.selectbox(
            "Proposal",
            options,
            format_func=lambda k: labels[k],
            key="proposal_choice",
            label_visibility="collapsed",
        )
        problems: list[str] = []
        if choice.startswith("example:"):
            problems = open_example(choice.split(":", 1)[1])
        elif choice == "template":
            problems = open_template()
        else:
            up = st.file_uploader(
                "Proposal YAML file",
                type=["yaml", "yml"],
                key="upload",
                help=f"An assumption file in the costmodel format, at most {MAX_FILE_BYTES // (1024 * 1024)} MB. "
                "It may use the shipped unit-cost library (unit_cost_library: ../unit_costs.yaml).",
            )
            lib = st.file_uploader(
                "Its unit-cost library (optional)",
                type=["yaml", "yml"],
                key="upload_library",
                help="A unit-cost library of your own: the proposal names it by its file name "
                "(unit_cost_library: my_costs.yaml). Without one, proposals use the shipped library.",
            )
            library_dir: str | None = None
            lib_problems: list[str] = []
            if lib is not None:
                library_dir, lib_problems = save_library(lib.name, lib.getvalue())
            if lib_problems:
                problems = lib_problems
            elif up is not None:
                problems = open_upload(up.name, up.getvalue(), library_dir)
            else:
                shown = current_draft()
                if shown is not None and shown.origin == "upload":
                    # reopened from a link, or uploaded before a page switch: the box is empty, the file is not
                    st.info(
                        f"Using the uploaded file {markup.code(Path(shown.name).name)}"
                        + (" (opened from a link)" if shown.from_link else "")
                        + ". Choose a file above to use another one instead.",
                        icon=":material/upload_file:",
                    )
                else:
                    st.caption("Choose a file; until then the previous proposal stays in use.")
        if problems:
            st.session_state["upload_problems"] = problems
            st.error("This file cannot be used:\n\n" + "\n\n".join(markup.code(p) for p in problems[:20]))
        else:
            st.session_state.pop("upload_problems", None)
        d = current_draft()
        if d is not None:
            out = draft_outcome(d)
            title = out.result.scenario.proposal.title if out.result is not None else Path(d.name).stem
            # the title in full (the box above may cut it short), then the file it comes from
            where = {"example": "shipped example", "template": "blank template"}.get(
                d.origin, "uploaded file"
            )
            st.markdown(
                f"**In use:** {markup.literal(title)}"
                + (" (edited)" if d.valid_edits else "")
                + f"  \n{where} {markup.code(Path(d.name).name)}"
            )
            if out.result is not None:
                sha = out.result.scenario.inputs_sha256
                st.caption(f"inputs_sha256 `{sha[:16]}…`", help=f"SHA-256 of the resolved inputs: {sha}")
                scenario_picker(d, out.result)
        for message in link_messages:
            st.warning(message, icon=":material/link_off:")
        sync_url(d)
        if st.session_state.get(STORE_ERROR_KEY):
            st.warning(st.session_state[STORE_ERROR_KEY], icon=":material/link_off:")
        else:
            copy_link_button()


FILE_VALUES = "(the file's values)"


def scenario_edits_as_text_edits(
    text: str, name: str, library_dir: str | None, scenario: str
) -> dict[str, Any]:
    """A named scenario's edits as edits of the file's text (a quantity's path gains ``.value``), the
    form the Edit page's edits take."""
    from costmodel.inputs.loading import scenario_edits
    from costmodel.inputs.registry import index_path
    from costmodel.inputs.yamlio import value_at

    parsed = parse_yaml(text, name)
    base = evaluate(name, text, library_dir).result
    if base is None:
        return {}
    out: dict[str, Any] = {}
    for path, value in scenario_edits(base.scenario.proposal, scenario).items():
        parts = [int(p) if p.isdigit() else p for p in index_path(parsed.data, path).split(".")]
        node = value_at(parsed.data, parts)
        out[f"{path}.value" if isinstance(node, dict) and "value" in node else path] = value
    return out


def scenario_picker(d: Draft, result: TenYearTest) -> None:
    """The file's named scenarios: choosing one applies its edits as the draft's edits (they replace
    any edits made on the Edit assumptions page); the file's values clear them."""
    names = list(result.scenario.proposal.scenarios)
    if not names:
        return
    key = f"scenario-pick-{d.key}"

    def apply() -> None:
        choice = st.session_state[key]
        edits = (
            {}
            if choice == FILE_VALUES
            else scenario_edits_as_text_edits(d.text, d.name, d.library_dir, choice)
        )
        d.edits, d.valid_edits, d.problems = dict(edits), dict(edits), []
        d.rev += 1

    st.selectbox(
        "Scenario",
        [FILE_VALUES, *names],
        key=key,
        on_change=apply,
        help="The file's named scenarios (its 'scenarios' block, each edit sourced). Choosing one replaces "
        "any edits made on the Edit assumptions page with its edits.",
    )


# ---------------------------------------------------------------------------------------------
# Rendering helpers
# ---------------------------------------------------------------------------------------------


def require_result() -> tuple[Draft, TenYearTest]:
    """The proposal in use and its last valid result (stops the page when there is none)."""
    d = current_draft()
    if d is None:
        st.info("Choose a proposal in the sidebar.")
        st.stop()
    out = draft_outcome(d)
    if out.result is None:  # should not happen: drafts are only opened when valid
        st.error("\n\n".join(markup.code(str(p)) for p in out.problems))
        st.stop()
    return d, out.result


def show_invalid_edit_banner(d: Draft) -> None:
    if d.problems:
        st.warning(
            "Your latest edit breaks a rule, so the figures below are from the last valid assumptions. "
            "Fix it on the Edit assumptions page:\n\n"
            + "\n\n".join(markup.code(str(p)) for p in d.problems[:10]),
            icon=":material/warning:",
        )


def show_chart(kind: str, result: TenYearTest, *, key_prefix: str = "") -> None:
    """A chart with its one-line caption and CSV/PNG/SVG downloads (images made on click)."""
    from costmodel.present.charts import CHART_KINDS, build_chart

    spec = CHART_KINDS[kind]
    data = _chart_data(kind, result.scenario.inputs_sha256, result)
    chart = build_chart(kind, result, data)
    show_altair(
        chart,
        spec.caption(result),
        data,
        stem=f"{result.scenario.proposal.id}-{kind}",
        key=f"{key_prefix}{kind}",
        image=lambda fmt: _chart_image(kind, result, fmt),
    )


@st.cache_data(max_entries=256, show_spinner=False)
def _chart_data(kind: str, inputs_sha256: str, _result: TenYearTest) -> Any:
    """A chart kind's tidy frame, once per set of resolved inputs (``inputs_sha256`` identifies the
    result: some kinds, e.g. the Monte Carlo distribution, take a while to compute)."""
    from costmodel.present.charts import CHART_KINDS

    return CHART_KINDS[kind].data(_result)


def _chart_image(kind: str, result: TenYearTest, fmt: str) -> bytes:
    from costmodel.export.images import chart_image

    return chart_image(kind, result, fmt)  # type: ignore[arg-type]


def show_altair(chart: Any, caption: str, data: Any, *, stem: str, key: str, image: Any) -> None:
    """Draw an Altair chart with its caption, then its data (CSV) and image (PNG/SVG) downloads.

    ``image(fmt)`` returns the image bytes; it runs only when a download button is clicked.
    """
    import altair as alt

    if not isinstance(chart, alt.FacetChart):
        # Fit the width to the page but keep the spec's plotting height: Streamlit's default ("fit")
        # squeezes titles, rotated labels and legends into that height and squashes the plot.
        chart = chart.properties(autosize=alt.AutoSizeParams(type="fit-x", contains="padding"))
    # text alternative: the one-sentence caption as the chart's accessible description, and its data;
    # labels that shrink on a narrow screen (app_pages.chart_layout) so that a phone still shows the bars
    spec = responsive(chart.properties(description=caption).to_dict())
    st.vega_lite_chart(spec, width="stretch")
    st.caption(markup.inline(caption))
    with st.expander("The chart's data as a table"):
        st.table(markdown_frame(readable_table(data)), hide_index=True)
    cols = st.columns([1, 1, 1, 3])
    csv_button("Data (CSV)", data, f"{stem}.csv", key=f"{key}-csv", where=cols[0])
    for col, (fmt, mime) in zip(cols[1:3], (("png", "image/png"), ("svg", "image/svg+xml")), strict=True):
        col.download_button(
            f"Image ({fmt.upper()})",
            functools.partial(image, fmt),
            file_name=f"{stem}.{fmt}",
            mime=mime,
            key=f"{key}-{fmt}",
            on_click="ignore",
            icon=":material/image:",
        )


def money_columns(columns: Iterable[str]) -> dict[str, Any]:
    """Column settings for money columns: whole pounds with thousands separators, named without a
    trailing ' (£)' (the header says £ once, in the table's caption or its unit line)."""
    return {c: st.column_config.NumberColumn(c.removesuffix(" (£)"), format="%,.0f") for c in columns}


def markdown_frame(frame: Any) -> Any:
    """A frame for ``st.table``, whose cells Streamlit renders as Markdown: text cells (names, labels
    from the assumption file) escaped with :func:`costmodel.present.markup.literal`."""
    from pandas.api.types import is_bool_dtype, is_numeric_dtype

    safe = frame.copy()
    for col in safe.columns:
        if not (is_numeric_dtype(safe[col]) or is_bool_dtype(safe[col])):
            safe[col] = safe[col].map(lambda v: markup.literal(v) if isinstance(v, str) else v)
    if not is_numeric_dtype(safe.index):
        safe.index = safe.index.map(lambda v: markup.literal(v) if isinstance(v, str) else v)
    return safe


PINNED_WIDTH = 200  # [px] a pinned label column: at most about half a 390 px phone's table (Streamlit's 60% rule for pinning)


def pinned_width(column: Any) -> int | None:
    """The width of a pinned first column: Streamlit's own fit for short labels, :data:`PINNED_WIDTH` for long
    ones (the full text in the cell's tooltip and the CSV). Sized to its longest label (the tornado's input
    names), the column took 85% of a phone's table and left one narrow column of figures beside it."""
    longest = max((len(str(v)) for v in column), default=0)
    return PINNED_WIDTH if longest > 24 else None


def show_table(
    frame: Any,
    *,
    file_name: str,
    key: str,
    column_config: dict | None = None,
    views: list[list[str]] | None = None,
) -> None:
    """A table with its CSV download (of the whole frame).

    ``views``: show the frame as several narrower tables, each with these columns, so that a wide table
    fits the page without scrolling sideways.
    """
    shown: list[list[str] | None] = list(views) if views else [None]
    for columns in shown:
        first = (columns or list(frame.columns))[0]
        config = dict(column_config or {})
        if first not in config:  # the first column stays in view when a wide table scrolls (phones)
            config[first] = st.column_config.Column(width=pinned_width(frame[first]), pinned=True)
        st.dataframe(frame, width="stretch", hide_index=True, column_config=config, column_order=columns)
    csv_button("Table (CSV)", frame, file_name, key=key)


def csv_button(label: str, frame: Any, file_name: str, *, key: str | None = None, where: Any = st) -> None:
    """A button (in ``where``: the page, or a column) that downloads ``frame`` as CSV, its text cells
    neutralised so that a spreadsheet does not run them as formulas."""
    where.download_button(
        label,
        frame_csv(frame),
        file_name=file_name,
        mime="text/csv",
        key=key,
        on_click="ignore",
        icon=":material/download:",
    )


# ---------------------------------------------------------------------------------------------
# Pooled budgets (cached like the engine calls: keyed on the draft's text and edits)
# ---------------------------------------------------------------------------------------------


def has_pooling(result: TenYearTest) -> bool:
    """True when the proposal declares a pool or responsibility charges."""
    p = result.scenario.proposal
    return p.pool is not None or bool(p.responsibility_charges)


@st.cache_data(max_entries=64, show_spinner=False)
def _pooling(
    name: str, text: str, library_dir: str | None, edits_json: str, rule: str
) -> PoolingResult | None:
    from costmodel.pooling.accounting import appraise_pool

    out = evaluate(name, text, library_dir, edits_json)
    return None if out.result is None else appraise_pool(out.result, solve=rule)


def draft_pooling(d: Draft, rule: str) -> PoolingResult | None:
    """Pooling results (with the fair-share solver under ``rule``) for the draft's last valid edits."""
    return _pooling(d.name, d.text, d.library_dir, edits_key(d.valid_edits), rule)
