"""The Downloads tab: the Excel workbook, the one-page briefing (HTML, Markdown, PDF) and chart images.

Every file is made from the result the page shows (including unsaved valid edits) by the exporters in
``costmodel.export``, and only when its button is clicked, so the page stays fast. Files are named
after the proposal id.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import streamlit as st

from costmodel.appraisal.engine import TenYearTest
from costmodel.formatting import percent

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class DownloadFile:
    """One download: what the button says, the file name and type, and how to make the bytes."""

    key: str
    label: str
    file_name: str
    mime: str
    make: Callable[[], bytes]
    help: str = ""


def _workbook(r: TenYearTest) -> bytes:
    from costmodel.export.excel import workbook_bytes

    return workbook_bytes(r)


def _brief_html(r: TenYearTest, simulation: Any = None) -> bytes:
    from costmodel.export.brief import brief_html

    return brief_html(r, simulation).encode("utf-8")


def _brief_markdown(r: TenYearTest, simulation: Any = None) -> bytes:
    from costmodel.export.brief import brief_markdown

    return brief_markdown(r, simulation).encode("utf-8")


def _brief_pdf(r: TenYearTest, simulation: Any = None) -> bytes:
    from costmodel.export.brief import brief_pdf

    return brief_pdf(r, simulation)


def pdf_available() -> bool:
    """True when headless Chromium is installed to print the briefing as PDF."""
    from costmodel.export.brief import find_chromium

    return find_chromium() is not None


def document_files(r: TenYearTest, *, pdf: bool | None = None, simulation: Any = None) -> list[DownloadFile]:
    """The workbook and the briefing downloads for a result (PDF only when Chromium is installed).

    ``simulation``: a Monte Carlo run (or its :class:`costmodel.export.brief.SimulationSummary`) for the
    briefing to quote its probability of passing; None for none.
    """
    pid = r.scenario.proposal.id
    files = [
        DownloadFile(
            "dl-xlsx",
            "Excel workbook (.xlsx)",
            f"{pid}.xlsx",
            XLSX_MIME,
            lambda: _workbook(r),
            "Inputs, live-formula calculations by budget holder and year, the Ten Year Test outputs and the "
            "provenance of every figure. Its NPV equals the page's to the penny.",
        ),
        DownloadFile(
            "dl-brief-html",
            "Briefing (HTML)",
            f"{pid}-brief.html",
            "text/html",
            lambda: _brief_html(r, simulation),
            "One page with the headline sentence, the verdict, two charts, a small table, caveats and numbered "
            "sources. Open it in a browser and print it.",
        ),
        DownloadFile(
            "dl-brief-md",
            "Briefing (Markdown)",
            f"{pid}-brief.md",
            "text/markdown",
            lambda: _brief_markdown(r, simulation),
            "The briefing as plain Markdown, for pasting into a report.",
        ),
    ]
    if pdf if pdf is not None else pdf_available():
        files.append(
            DownloadFile(
                "dl-brief-pdf",
                "Briefing (PDF)",
                f"{pid}-brief.pdf",
                "application/pdf",
                lambda: _brief_pdf(r, simulation),
                "The briefing printed to PDF by headless Chromium (takes a few seconds).",
            )
        )
    return files


def chart_files(r: TenYearTest, kinds: list[str], histogram_run: Any = None) -> list[DownloadFile]:
    """PNG and SVG downloads of each chart kind.

    ``histogram_run``: the Monte Carlo run (a :class:`costmodel.present.uncertainty_tables.SimulationView`) whose
    histogram the npv-distribution image shows, so that it is the run the page quotes; None for the
    default run.
    """
    from costmodel.export.images import chart_image

    def image(kind: str, fmt: str) -> bytes:
        if kind == "npv-distribution" and histogram_run is not None:
            return _histogram_image(r, histogram_run.histogram, fmt)
        return chart_image(kind, r, fmt)  # type: ignore[arg-type]

    pid = r.scenario.proposal.id
    files = []
    for kind in kinds:
        for fmt, mime in (("png", "image/png"), ("svg", "image/svg+xml")):
            files.append(
                DownloadFile(
                    f"dl-{kind}-{fmt}",
                    fmt.upper(),
                    f"{pid}-{kind}.{fmt}",
                    mime,
                    functools.partial(image, kind, fmt),
                )
            )
    return files


def _histogram_image(r: TenYearTest, histogram: Any, fmt: str) -> bytes:
    from costmodel.export.images import render_image, with_source_line
    from costmodel.present.charts import build_chart

    spec = with_source_line(build_chart("npv-distribution", r, histogram).to_dict(), r)
    return render_image(spec, fmt)  # type: ignore[arg-type]


def _button(f: DownloadFile, icon: str) -> None:
    st.download_button(
        f.label,
        f.make,
        file_name=f.file_name,
        mime=f.mime,
        key=f.key,
        on_click="ignore",
        icon=icon,
        help=f.help or None,
    )


def downloads_tab(
    r: TenYearTest,
    chart_kinds: list[str],
    simulation: Any = None,
    histogram_run: Any = None,
    *,
    default_run: bool = False,
) -> None:
    """``simulation``: what the briefing quotes of the Monte Carlo run the page quotes (``histogram_run``,
    whose histogram the image shows); ``default_run``: that run is the default one, not the user's."""
    pid = r.scenario.proposal.id
    st.markdown(
        f"Files made from the figures on this page (including your unsaved edits), named after the proposal "
        f"(`{pid}`), with the inputs_sha256 `{r.scenario.inputs_sha256[:16]}…` inside. Each is made when you "
        f"click its button."
    )
    if simulation is not None and not default_run:
        st.caption(
            f"The briefing quotes the Monte Carlo run on the Uncertainty tab: probability of passing "
            f"{percent(simulation.probability_passes)} over {simulation.n_draws:,} draws. The NPV-distribution "
            "image shows the same run."
        )
    elif simulation is not None:
        st.caption(
            f"The briefing and the NPV-distribution image quote the default Monte Carlo run shown beside the "
            f"verdict ({simulation.n_draws:,} draws): the proposal passes in {percent(simulation.probability_passes)} "
            "of them. A run you make on the Uncertainty tab replaces it in all three."
        )
    files = document_files(r, simulation=simulation)
    cols = st.columns(len(files))
    for col, f in zip(cols, files, strict=True):
        with col:
            _button(f, ":material/description:" if f.mime != XLSX_MIME else ":material/table_view:")
    if len(files) == 3:
        st.caption(
            "PDF briefing: needs headless Chromium (`/usr/bin/chromium`), which is not installed here."
        )

    st.markdown("**Chart images** (PNG for slides, SVG for print)")
    from costmodel.present.charts import CHART_KINDS

    for kind in chart_kinds:
        cols = st.columns([3, 1, 1, 3])
        cols[0].markdown(CHART_KINDS[kind].title)
        for col, f in zip(cols[1:3], chart_files(r, [kind], histogram_run), strict=True):
            with col:
                _button(f, ":material/image:")
