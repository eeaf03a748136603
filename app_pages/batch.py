"""Every area at once: the proposal in use, appraised in every area of a table (``costmodel batch``).

Pick a shipped area table or upload one (a CSV with its ``.meta.yaml``, or one YAML file); the page
shows the "in N of M areas" headline, the ranked chart, a sortable table and the downloads. The
address bar keeps the table (``areas=<stem>`` for a shipped table; ``at=<key>`` for an upload, saved in
the app's scenario store like an uploaded proposal), the draws and the seed (``bdraws``, ``bseed``), so
a copied link reopens the same batch.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import streamlit as st

from app_pages.common import example_title, examples, require_result, show_altair
from app_pages.links import copy_link_button
from app_pages.scenario_store import StoredScenario, StoreError, default_store, is_key
from costmodel.errors import CostModelError
from costmodel.export.areas_export import chart_bytes, parquet_bytes, workbook_bytes
from costmodel.formatting import money
from costmodel.inputs.areas import (
    NOT_AN_INPUT,
    area_table_template,
    metadata_path,
    read_area_table,
    shipped_tables,
)
from costmodel.present.areas_report import (
    basis,
    batch_csv,
    batch_frame,
    figures_note,
    headline,
    ranked_chart,
    ranked_chart_data,
    totals,
)
from costmodel.present.markup import code, literal
from costmodel.uncertainty.limits import DEFAULT_SEED

ROOT = Path(__file__).resolve().parent.parent
AREAS = ROOT / "assumptions" / "areas"
UPLOAD = "Upload a table"
TABLE_ORIGIN = "area_table"  # the store's origin of an uploaded area table (its metadata's text in edits)
MAX_APP_DRAWS = 20_000  # most draws per area the page runs (the CLI takes more)


def _param_int(name: str, default: int, low: int, high: int) -> int:
    raw = st.query_params.get(name)
    if isinstance(raw, str) and raw.isdigit() and low <= int(raw) <= high:
        return int(raw)
    return default


@st.cache_data(show_spinner="Appraising every area…", max_entries=8)
def _run(key: str, name: str, raw: bytes, meta: bytes | None, draws: int, seed: int, _scenario):
    """The batch of one (proposal, table, draws, seed); ``key`` names the proposal's exact inputs."""
    from costmodel.uncertainty.areas import run_areas

    table = read_area_table(name, _scenario, raw=raw, metadata_raw=meta)
    return run_areas(_scenario, table, draws, seed)


@st.cache_data(show_spinner=False, max_entries=8)
def _workbook(key: str, draws: int, seed: int, _results, _scenario) -> bytes:
    """The batch workbook (with the proposal's sheets for the total: up to about a second to build),
    once per batch rather than on every rerun of the page."""
    return workbook_bytes(_results, _scenario)


@st.cache_data(show_spinner=False, max_entries=32)
def _misfit(key: str, path: str, mtime_ns: int, _scenario) -> str | None:
    """None when the shipped table at ``path`` fits the proposal (``key``: its exact inputs), else why not,
    as Markdown: the columns that set inputs this proposal does not have, or the table's first located
    problem (names and file text shown as code)."""
    mpath = Path(metadata_path(path))
    try:  # named as the page names a shipped table: from the project's folder
        read_area_table(
            str(Path(path).relative_to(ROOT)),
            _scenario,
            raw=Path(path).read_bytes(),
            metadata_raw=mpath.read_bytes() if mpath.exists() else None,
        )
    except CostModelError as exc:
        problems = getattr(exc, "problems", [])
        foreign = [p.field for p in problems if p.message.startswith(NOT_AN_INPUT)]
        if foreign:  # the usual case: another proposal's inputs (the nearest-path hint would mislead here)
            return "its columns set " + ", ".join(code(c) for c in foreign) + ", which are not inputs of this proposal"
        return "it reads: " + code(str(exc).splitlines()[0])
    return None


@st.cache_data(show_spinner=False, max_entries=8)
def _examples_fitting(path: str, mtime_ns: int) -> list[str]:
    """The shipped example proposals (file stems) whose inputs the shipped table at ``path`` sets."""
    from costmodel.inputs.loading import load_proposal

    fitting = []
    for stem, proposal in examples().items():
        try:
            read_area_table(path, load_proposal(proposal))
        except CostModelError:
            continue
        fitting.append(stem)
    return fitting


def _explain_no_table(title: str, misfits: dict[str, str]) -> None:
    """Why no shipped table is offered for this proposal, and the way forward: another example that has
    one, or an uploaded table (with a template for this proposal to fill in)."""
    lines = [
        f"No shipped area table sets the inputs of **{literal(title)}**, so there is nothing to run in every "
        "area yet. An area table gives each place its own figures for inputs of the proposal in use (its "
        "columns are input paths, such as an outcome's baseline rate):"
    ]
    for stem, problem in misfits.items():
        path = shipped[stem]
        users = [example_title(e) for e in _examples_fitting(path, Path(path).stat().st_mtime_ns)]
        lines.append(
            f"- `{stem}` is written for "
            + (" and ".join(f"*{literal(u)}*" for u in users) if users else "another proposal")
            + f"; {problem}"
        )
    lines.append(
        "\nTo see this proposal in every area, **upload a table** of your areas below. The template "
        "lists this proposal's cohorts and baseline rates with their units, and one row with the proposal's "
        "own figures: replace it with one row per area, each figure's source listed (docs/batch.md)."
        + (" Or choose an example the shipped table is written for in the sidebar." if misfits else "")
    )
    st.info("\n".join(lines), icon=":material/info:")


def _linked_upload() -> tuple[str, bytes, bytes | None] | None:
    """The uploaded table a link names (``at=<key>``, saved in the app's scenario store), if any."""
    key = st.query_params.get("at")
    if not isinstance(key, str) or not is_key(key):
        return None
    try:
        found = default_store().get(key)
    except StoreError as exc:
        st.warning(str(exc))
        return None
    if found is None or found.origin != TABLE_ORIGIN:
        st.warning("The area table of this link is not in this app's store; choose or upload a table.")
        return None
    meta = found.edits.get("metadata")
    return found.name, found.text.encode("utf-8"), meta.encode("utf-8") if isinstance(meta, str) else None


def _save_upload(name: str, raw: bytes, meta: bytes | None) -> None:
    """Save an uploaded table (that read without problems) so a link (``at=<key>``) reopens it."""
    try:
        record = StoredScenario(name, TABLE_ORIGIN, raw.decode("utf-8"),
                                {"metadata": meta.decode("utf-8") if meta is not None else None})  # fmt: skip
        key = default_store().put(record)
    except (StoreError, UnicodeDecodeError) as exc:
        st.caption(f"No link for this upload: {literal(str(exc))}")
        return
    if st.query_params.get("at") != key:
        st.query_params["at"] = key


def _template_button() -> None:
    """A download of an area table to fill in for the proposal in use (one YAML file)."""
    st.download_button(
        "Area table template for this proposal (YAML)",
        area_table_template(scenario).encode("utf-8"),
        file_name=f"{scenario.proposal.id}-areas.yaml",
        mime="application/x-yaml",
        on_click="ignore",
        icon=":material/download:",
        help="A column for each outcome's cohort and baseline rate, with its unit; one row with the "
        "proposal's own figures to replace with your areas'. Upload it here when filled in.",
    )


d, result = require_result()
scenario = result.scenario
st.title("Every area at once")
st.caption(
    f"`{d.name}` appraised in every area of a table: one row per place, each with its own local figures "
    "and its own Monte Carlo. Money in the proposal's price base."
)

shipped = {Path(p).stem: p for p in shipped_tables(AREAS)}
# only the shipped tables written for this proposal are offered: another proposal's table would only
# show its columns' problems
misfits = {
    stem: problem
    for stem, p in shipped.items()
    if (problem := _misfit(scenario.inputs_sha256, p, Path(p).stat().st_mtime_ns, scenario)) is not None
}
fitting = [stem for stem in shipped if stem not in misfits]
linked = st.query_params.get("areas")
options = [*fitting, UPLOAD]
index = options.index(linked) if isinstance(linked, str) and linked in fitting else 0
if is_key(str(st.query_params.get("at", ""))):
    index = options.index(UPLOAD)
if not fitting:
    _explain_no_table(scenario.proposal.title, misfits)
elif isinstance(linked, str) and linked in misfits:
    st.warning(
        f"The link's area table {code(linked)} is not written for this proposal "
        f"({misfits[linked]}); choose another table or upload one."
    )
choice = st.selectbox("Area table", options, index=index, key="batch_table")
col1, col2 = st.columns(2)
draws = col1.number_input(
    "Monte Carlo draws per area (0: central figures only)", 0, MAX_APP_DRAWS,
    _param_int("bdraws", 1_000, 0, MAX_APP_DRAWS), step=500, key="batch_draws",
)  # fmt: skip
seed = col2.number_input(
    "Seed", 0, 2**31 - 1, _param_int("bseed", DEFAULT_SEED, 0, 2**31 - 1), key="batch_seed"
)

linked_table = _linked_upload()
if choice == UPLOAD:
    files = st.file_uploader(
        "An area table: a CSV and its .meta.yaml, or one .yaml file",
        type=["csv", "yaml", "yml"],
        accept_multiple_files=True,
        key="batch_upload",
    )
    tables = [f for f in files or [] if not f.name.endswith(".meta.yaml")]
    if len(tables) == 1:
        name, raw = tables[0].name, tables[0].getvalue()
        meta_files = [f for f in files or [] if f.name == Path(metadata_path(name)).name]
        meta = meta_files[0].getvalue() if meta_files else None
    elif linked_table is not None:
        name, raw, meta = linked_table
        st.caption(f"The table of the link you opened: {literal(name)}")
    else:
        st.info("Upload one table (with its .meta.yaml beside a CSV).")
        _template_button()
        st.stop()
    if "areas" in st.query_params:
        del st.query_params["areas"]
else:
    name = shipped[choice]
    raw = Path(name).read_bytes()
    mpath = Path(metadata_path(name))
    meta = mpath.read_bytes() if mpath.exists() else None
    name = str(Path(name).relative_to(ROOT))
    st.query_params["areas"] = choice
    if "at" in st.query_params:
        del st.query_params["at"]
st.query_params["bdraws"] = str(int(draws))
st.query_params["bseed"] = str(int(seed))

key = hashlib.sha256(scenario.inputs_sha256.encode() + raw + (meta or b"")).hexdigest()
try:
    results = _run(key, name, raw, meta, int(draws), int(seed), scenario)
except CostModelError as exc:
    st.error("The area table has problems (one line each, file:line:column: column: rule):")
    st.markdown("\n".join(f"- {literal(line)}" for line in str(exc).splitlines()))  # file text, escaped
    st.stop()

if choice == UPLOAD:
    _save_upload(name, raw, meta)
tot = totals(results)
st.subheader(headline(results, scenario))
st.caption(literal(results.table.metadata.coverage))
show_altair(
    ranked_chart(results, scenario),
    f"{headline(results, scenario)} Each mark is an area's fiscal NPV (whole public sector; central case, "
    f"{basis(results)}), ranked; the line across it runs from the 5th to the 95th percentile of its Monte Carlo.",
    ranked_chart_data(results),
    stem=f"{scenario.proposal.id}-areas",
    key="batch-chart",
    image=lambda fmt: chart_bytes(results, scenario, fmt),
)
frame = batch_frame(results)
st.dataframe(
    frame,
    hide_index=True,
    width="stretch",
    column_config={
        "p_pass": st.column_config.NumberColumn("p_pass", format="percent", help="Probability of passing"),
        "p_pass_se": st.column_config.NumberColumn(
            "p_pass_se", format="percent",
            help="Monte Carlo standard error of that probability (not the uncertainty in the inputs)",
        ),
    },
)
if results.draws > 0:
    st.caption(
        f"Probability of passing in each area from {results.draws:,} Monte Carlo draws (seed {int(seed)}); "
        "p_pass_se is its Monte Carlo standard error (± that many percentage points), not the uncertainty in the inputs."
    )
st.markdown(
    f"Total of the areas' fiscal NPVs: **{money(tot['npv_gbp'])}** · net present public value (fiscal + economic + "
    f"social): **{money(tot['public_value_npv_gbp'])}** · budget holder that loses most overall: "
    f"{literal(tot['loses_most'])}"
)
st.caption(literal(figures_note(results)))  # words with 'optimism_bias' in them, shown as written
c1, c2, c3, c4 = st.columns(4)
c1.download_button("Per-area table (CSV)", batch_csv(results).encode("utf-8"), file_name="batch.csv",
                   mime="text/csv", on_click="ignore", icon=":material/download:")  # fmt: skip
c2.download_button("Parquet", parquet_bytes(results, scenario), file_name="batch.parquet",
                   mime="application/vnd.apache.parquet", on_click="ignore", icon=":material/download:")  # fmt: skip
c3.download_button("Workbook (.xlsx)", _workbook(key, int(draws), int(seed), results, scenario), file_name="batch.xlsx",
                   mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                   on_click="ignore", icon=":material/download:")  # fmt: skip
with c4:
    copy_link_button()
st.subheader("Sources of the table")
for s in results.table.metadata.sources:
    st.text(f"{s.title}. {s.publisher}, {s.year}. {s.table}. {s.url} (grade {s.grade})")
for col, cm in results.table.metadata.columns.items():
    how = (
        f"derived: {cm.derived}"
        if cm.derived
        else (f"assumption: {cm.assumption}" if cm.assumption else f"source: {cm.source}")
    )
    st.text(f"{col} [{cm.unit}]: {how}")
