"""Compare proposals as an options appraisal: business as usual (BAU), a do-minimum and options, each
measured against BAU on one basis; a chart of incremental NPV by budget holder, the appraisal summary
table, and the downloads (the same figures as `costmodel options` and `costmodel summary`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from app_pages.common import draft_outcome, drafts, examples, open_example, open_template, show_altair
from costmodel.errors import CostModelError
from costmodel.present import markup

OPTIONS_DIR = Path(__file__).resolve().parent.parent / "assumptions" / "options"
NOTHING = "(nothing changes: every flow zero)"
# Monte Carlo draws on this page (the CLI's default is 10,000; the downloads say how many were used). A comment,
# not a docstring: Streamlit's "magic" writes a bare string in a page's body onto the page, above its title.
DRAWS = 2_000

st.title("Compare proposals")
st.caption(
    "An options appraisal: every option is measured against business as usual (BAU), on one first year, "
    "price base and discount date; each column is one option, by its own name. Figures are incremental: "
    "the option's flows minus BAU's."
)


@st.cache_data(max_entries=16, show_spinner=False)
def _file_scenarios(path: str, mtime_ns: int) -> list[str]:
    """The named scenarios of the proposals an options file uses."""
    from costmodel.inputs.options import load_options

    options = load_options(path)
    names = {n for e in options.entries for sc in e.scenarios for n in sc.proposal.scenarios}
    return sorted(names | set(options.file.scenarios))


@st.cache_data(max_entries=16, show_spinner="Appraising the options…")
def _file_dict(
    path: str, mtime_ns: int, draws: int, seed: int, scenario: str | None = None
) -> dict[str, Any]:
    """An options file's appraisal (the dict every output is written from), once per file version."""
    from costmodel.appraisal.options import appraise_options
    from costmodel.inputs.options import load_options
    from costmodel.present.options_report import options_dict
    from costmodel.uncertainty.options import option_switching_values, option_tornado, simulate_options

    appraisal = appraise_options(load_options(path, scenario=scenario))
    return options_dict(
        appraisal,
        simulate_options(appraisal, draws, seed),
        option_switching_values(appraisal),
        option_tornado(appraisal),
    )


def _file_workbook(path: str, scenario: str | None, figures: dict[str, Any]) -> bytes:
    """An options file's workbook: its figures (:func:`_file_dict`) and the working from its appraisal
    (central figures, quick), made when the download is clicked (a deferred download: no Streamlit calls)."""
    from costmodel.appraisal.options import appraise_options
    from costmodel.export.options_export import options_workbook_bytes
    from costmodel.inputs.options import load_options

    return options_workbook_bytes(figures, appraise_options(load_options(path, scenario=scenario)))


def _draft_dict(
    title: str, bau: Any, do_minimum: Any, options: list[Any], draws: int, seed: int
) -> tuple[Any, dict[str, Any]]:
    """The appraisal of options built from the open proposals, and its dict."""
    from costmodel.appraisal.options import appraise_options
    from costmodel.inputs.options import options_from_scenarios
    from costmodel.present.options_report import options_dict
    from costmodel.uncertainty.options import option_switching_values, option_tornado, simulate_options

    appraisal = appraise_options(options_from_scenarios(title, bau, options, do_minimum))
    return appraisal, options_dict(
        appraisal,
        simulate_options(appraisal, draws, seed),
        option_switching_values(appraisal),
        option_tornado(appraisal),
    )


shipped = sorted(OPTIONS_DIR.glob("*.yaml"))
source = st.radio(
    "Options from",
    ["A shipped options file", "The proposals open in this session"],
    horizontal=True,
    key="compare-source",
)
seed = 20_240_601
d: dict[str, Any] | None = None
workbook: Callable[[], bytes] | None = None  # the options workbook, written when downloaded
try:
    if source == "A shipped options file" and shipped:
        chosen_file = st.selectbox("Options file", shipped, format_func=lambda p: p.name, key="compare-file")
        stamp = chosen_file.stat().st_mtime_ns
        names = _file_scenarios(str(chosen_file), stamp)
        picked_scenario = None
        if names:
            choice = st.selectbox(
                "Scenario",
                ["(the files' values)", *names],
                key="compare-scenario",
                help="A named scenario, applied to every proposal of the options that has one of that name.",
            )
            picked_scenario = None if choice == "(the files' values)" else choice
        d = _file_dict(str(chosen_file), stamp, DRAWS, seed, picked_scenario)

        def workbook() -> bytes:
            return _file_workbook(str(chosen_file), picked_scenario, figures)
    else:
        for stem in examples():  # every shipped example and the template, without having been opened
            open_example(stem, activate=False)
        open_template(activate=False)
        available = dict(drafts())

        def label(key: str) -> str:
            dr = available[key]
            return dr.name + (" (edited)" if dr.valid_edits else "")

        keys = list(available)
        bau_key = st.selectbox(
            "Business as usual (BAU)",
            [NOTHING, *keys],
            format_func=lambda k: k if k == NOTHING else label(k),
            key="compare-bau",
        )
        dm_key = st.selectbox(
            "Do-minimum (optional)",
            ["(none)", NOTHING, *keys],
            format_func=lambda k: k if k in ("(none)", NOTHING) else label(k),
            key="compare-dm",
        )
        current = st.session_state.get("current")
        default = [k for k in keys if k.startswith("example:")][:2]
        if current in available and current not in default:
            default = [current, *default][:2]
        picked = st.multiselect(
            "Options (two or more)", keys, default=default, format_func=label, key="compare"
        )
        if len(picked) < 2:
            st.info("Choose at least two options.")
            st.stop()

        def entry(key: str) -> tuple[str, Any]:
            if key == NOTHING:
                return ("Nothing changes", None)
            result = draft_outcome(available[key]).result
            if result is None:
                raise CostModelError(f"{label(key)} has problems: open it on the Ten Year Test page")
            edited = " (edited)" if available[key].valid_edits else ""
            return (result.scenario.proposal.title + edited, result.scenario)

        drafted, d = _draft_dict(
            "Options chosen in the app",
            entry(bau_key) if bau_key != NOTHING else ("BAU: nothing changes", None),
            None if dm_key == "(none)" else entry(dm_key),
            [entry(k) for k in picked],
            DRAWS,
            seed,
        )

        def workbook() -> bytes:
            return options_workbook_bytes(figures, drafted)
except CostModelError as exc:
    for line in str(exc).splitlines():
        st.error(markup.inline(line))
    st.stop()

assert d is not None and workbook is not None
figures: dict[str, Any] = d
from app_pages.tabs.downloads import pdf_available  # noqa: E402
from costmodel.export.options_export import options_workbook_bytes, summary_html, summary_pdf  # noqa: E402
from costmodel.present.charts import (  # noqa: E402
    options_npv_by_holder_caption,
    options_npv_by_holder_chart,
    options_npv_by_holder_data,
)
from costmodel.present.options_report import (  # noqa: E402
    cell_text,
    options_csv,
    options_json,
    summary_content,
    summary_markdown,
)


def _chart_image(d: dict[str, Any], fmt: str) -> bytes:
    import vl_convert as vlc

    spec = options_npv_by_holder_chart(d).to_dict()
    return vlc.vegalite_to_png(spec, scale=2) if fmt == "png" else vlc.vegalite_to_svg(spec).encode("utf-8")


for note in d["notes"]:
    st.info(markup.inline(note))
st.subheader(markup.literal(d["title"]))
st.markdown(markup.inline(d["description"]))

def _chance_text(p: dict, simulation: dict | None) -> str:
    """'41.2% ± 0.5 points (10,000 draws)': the probability with its Monte Carlo standard error."""
    text = cell_text("probability", p["beats_bau"])
    se = p.get("beats_bau_standard_error")
    if se is None or simulation is None:
        return text
    draws = int(simulation["draws"])
    count = round(float(p["beats_bau"]) * draws)
    if count in (0, draws):
        return f"{text} ({'none' if count == 0 else 'all'} of {draws:,} draws)"
    return f"{text} ± {float(se) * 100:.1f} points ({draws:,} draws)"


st.subheader("Verdicts against BAU")
st.caption(
    "Risk-adjusted for optimism bias (the central case): every option's proposals, BAU's included, made less "
    "favourable by the strength of their evidence, then compared; each verdict gives the NPV before optimism "
    "bias beside it."
    if d["basis"]["risk_adjusted"]
    else "Not risk-adjusted for optimism bias: the files turn it off (appraisal.optimism_bias: off), so these are "
    "the figures before any correction."
)
for e in d["entries"][1:]:
    passes = e["incremental"]["ten_year_test"]["passes"]
    p = e.get("probability")
    chance = f" Probability of beating BAU: {_chance_text(p, d['simulation'])}." if p else ""
    st.markdown(f"{':green' if passes else ':red'}[**{markup.literal(e['name'])}**]: "
                f"{markup.inline(e['incremental']['ten_year_test']['verdict'] + chance)}")  # fmt: skip

data = options_npv_by_holder_data(d)
show_altair(
    options_npv_by_holder_chart(d, data),
    options_npv_by_holder_caption(d),
    data,
    stem=f"{d['id']}-npv-by-budget-holder",
    key="options-npv",
    image=lambda fmt: _chart_image(d, fmt),
)


st.subheader("Appraisal summary")
content = summary_content(d)
st.caption(markup.inline(content.basis))
for section in content.sections:
    frame = pd.DataFrame(
        [[label.strip(), *(cell_text(kind, v) for v in vals)] for label, kind, vals in section.rows],
        columns=[section.title, *content.columns],
    )
    st.dataframe(frame, hide_index=True, width="stretch")
for heading, items in (
    ("Switching values between options", content.switches),
    ("What moves each option against BAU most (tornado)", content.tornado),
    ("Key risks and uncertainties", content.risks),
    ("Unmonetised impacts", content.unmonetised),
):
    st.markdown(f"**{heading}**")
    st.markdown("\n".join(f"- {markup.inline(x)}" for x in items or ["none recorded"]))
if content.distributional:
    st.markdown("**Distributional notes**")
    st.markdown(markup.inline(content.distributional))

st.subheader("Downloads")
stem = d["id"]
downloads: list[tuple[str, Callable[[], str | bytes], str, str]] = [
    ("Summary (HTML)", lambda: summary_html(figures), f"{stem}-summary.html", "text/html"),
    ("Summary (Markdown)", lambda: summary_markdown(summary_content(figures)), f"{stem}-summary.md", "text/markdown"),
    ("Workbook (Excel)", workbook, f"{stem}.xlsx",
     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("Figures (JSON)", lambda: options_json(figures), f"{stem}.json", "application/json"),
    ("Table (CSV)", lambda: options_csv(figures), f"{stem}.csv", "text/csv"),
]  # fmt: skip
if pdf_available():  # printed by headless Chromium, as the briefing's PDF is (two A4 pages at most)
    downloads.insert(1, ("Summary (PDF)", lambda: summary_pdf(figures), f"{stem}-summary.pdf", "application/pdf"))
cols = st.columns(len(downloads))
for col, (name, make, file_name, mime) in zip(cols, downloads, strict=True):
    col.download_button(name, make, file_name=file_name, mime=mime, key=f"options-{file_name}",
                        on_click="ignore", icon=":material/download:")  # fmt: skip
st.caption(
    (
        f"Probabilities from {d['simulation']['draws']:,} draws (seed {d['simulation']['seed']}), the same draws for "
        "every option, each ± its Monte Carlo standard error. "
        if d["simulation"]
        else ""
    )
    + (
        "The PDF is printed by headless Chromium (a few seconds)."
        if pdf_available()
        else "No PDF here: Chromium is not installed; print the HTML from a browser, or `costmodel summary FILE -o "
        "summary.pdf` where Chromium is."
    )
)
