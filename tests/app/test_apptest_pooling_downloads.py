"""The Pooling and Downloads tabs of the Ten Year Test page (AppTest), and the bytes behind the
download buttons (AppTest cannot click a download, so the functions the buttons call are run here)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from app_pages.tabs.downloads import XLSX_MIME, chart_files, document_files
from costmodel.appraisal.chain import appraise
from costmodel.inputs.loading import load_proposal
from costmodel.pooling.accounting import appraise_pool
from costmodel.present.pooling_tables import (
    cash_requirement_table,
    fair_share_table,
    flows_table,
    partner_table,
)
from tests.app.tabs import open_tab

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
PROPOSALS = ROOT / "assumptions" / "proposals"
POOLED = ("early_help_pooled", "school_exclusion_responsibility_charge")
NOT_POOLED = ("youth_work", "youth_service_cut")


def start(stem: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    at.run()
    at.selectbox(key="proposal_choice").set_value(f"example:{stem}").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def start_unadjusted(stem: str) -> AppTest:
    """The shipped example before optimism bias (``optimism_bias: off``), uploaded: since the central case
    became risk-adjusted (RISK-CORE) both pooled examples lose money across the public sector, so only the
    unadjusted case has a fair agreement to show (as in tests/test_pooling.py)."""
    text = (PROPOSALS / f"{stem}.yaml").read_text(encoding="utf-8")
    unadjusted = text.replace("\nappraisal:\n", "\nappraisal:\n  optimism_bias: off\n", 1)
    assert unadjusted != text
    at = start(stem)
    at.selectbox(key="proposal_choice").set_value("upload").run()
    at.file_uploader(key="upload").set_value((f"{stem}.yaml", unadjusted.encode(), "application/x-yaml")).run()
    assert not at.exception and not at.sidebar.error
    return at


def tab_labels(at: AppTest) -> list[str]:
    return [t.label for t in at.tabs]


def pooling_tab(at: AppTest):
    return open_tab(at, "Pooling")


def frames(tab) -> list:
    return [d.value for d in tab.dataframe]


@pytest.mark.parametrize("stem", POOLED)
def test_pooled_examples_show_the_pooling_tab_with_the_partner_table(stem):
    at = start(stem)
    assert "Pooling" in tab_labels(at)
    tab = pooling_tab(at)
    partner = frames(tab)[0]
    for column in (
        "Budget holder",
        "Puts in (£)",
        "Saves before sharing (£)",
        "Saves after sharing (£)",
        "Charges paid (£)",
        "Charges received (£)",
        "NPV before (£)",
        "NPV after (£)",
        "Passes alone: before",
        "Passes alone: after",
    ):
        assert column in partner.columns
    # the net positions add up to the headline NPV (the whole public sector)
    total = partner[partner["Budget holder"] == "Total public sector"]
    body = partner[partner["Budget holder"] != "Total public sector"]
    assert body["NPV after (£)"].sum() == pytest.approx(float(total["NPV after (£)"].iloc[0]), abs=0.01)
    # three charts (partners, flows, cash requirement), each with CSV/PNG/SVG downloads
    labels = [b.label for b in tab.get("download_button")]
    assert labels.count("Image (PNG)") == 3 and labels.count("Image (SVG)") == 3
    # risk-adjusted (the default) the public sector loses, and the solver says no agreement can help
    assert any(w.value.startswith("No agreement can leave every partner no worse off") for w in tab.warning)
    # before optimism bias it gains, and the solver shows the fair agreement
    assert any(s.value.startswith("Every partner ends") for s in pooling_tab(start_unadjusted(stem)).success)


@pytest.mark.parametrize("stem", NOT_POOLED)
def test_examples_without_a_pool_have_no_pooling_tab(stem):
    at = start(stem)
    assert "Pooling" not in tab_labels(at)
    assert tab_labels(at)[0] == "Charts" and "Downloads" in tab_labels(at)


def test_solver_rule_changes_the_proposed_shares():
    at = start_unadjusted("early_help_pooled")
    tab = pooling_tab(at)
    before = frames(tab)[-1]
    assert list(before["Partner"]) == ["Council children's services", "NHS", "Police"]
    at.radio(key="pooling_rule").set_value("cashable").run()
    assert not at.exception
    after = frames(pooling_tab(at))[-1]
    assert list(after["Partner"]) == list(before["Partner"])
    assert (after["Proposed savings share"] - before["Proposed savings share"]).abs().max() > 1e-3
    for frame in (before, after):
        assert frame["Proposed savings share"].sum() == pytest.approx(1.0, abs=1e-9)
        assert (frame["NPV under the proposal (£)"] >= -0.005).all()
    assert any("cashable savings" in s.value for s in pooling_tab(at).success)


def test_download_buttons_exist_and_are_named_after_the_proposal():
    at = start("early_help_pooled")
    downloads = open_tab(at, "Downloads")
    labels = [b.label for b in downloads.get("download_button")]
    for wanted in ("Excel workbook (.xlsx)", "Briefing (HTML)", "Briefing (Markdown)"):
        assert wanted in labels
    # chart images: every chart kind, pooled ones included, as PNG and SVG
    assert labels.count("PNG") == labels.count("SVG") == 9


# ---------------------------------------------------------------------------------------------
# The bytes behind the buttons
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pooled():
    return appraise(load_proposal(PROPOSALS / "early_help_pooled.yaml"))


def test_document_downloads_make_the_right_files(pooled):
    files = {f.key: f for f in document_files(pooled, pdf=False)}
    assert set(files) == {"dl-xlsx", "dl-brief-html", "dl-brief-md"}
    xlsx = files["dl-xlsx"]
    assert xlsx.file_name == "early_help_pooled.xlsx" and xlsx.mime == XLSX_MIME
    body = xlsx.make()
    assert zipfile.is_zipfile(io.BytesIO(body))
    from openpyxl import load_workbook

    out = load_workbook(io.BytesIO(body), data_only=True)["Outputs"]
    row = next(r for r in range(1, out.max_row + 1) if out.cell(r, 1).value == "Net present value (NPV)")
    assert out.cell(row, 5).value == pytest.approx(pooled.npv, abs=0.005)

    html = files["dl-brief-html"].make().decode("utf-8")
    assert files["dl-brief-html"].file_name == "early_help_pooled-brief.html"
    assert html.lstrip().lower().startswith("<!doctype html") and pooled.scenario.proposal.title in html
    md = files["dl-brief-md"].make().decode("utf-8")
    assert files["dl-brief-md"].mime == "text/markdown" and pooled.scenario.proposal.title in md


def test_pdf_is_offered_only_with_chromium(pooled):
    assert "dl-brief-pdf" in {f.key for f in document_files(pooled, pdf=True)}
    assert "dl-brief-pdf" not in {f.key for f in document_files(pooled, pdf=False)}


@pytest.mark.parametrize("kind", ["pooling-partners", "pooling-cash-requirement"])
def test_chart_image_downloads_are_png_and_svg(pooled, kind):
    png, svg = chart_files(pooled, [kind])
    assert (png.file_name, svg.file_name) == (
        f"early_help_pooled-{kind}.png",
        f"early_help_pooled-{kind}.svg",
    )
    assert png.make().startswith(b"\x89PNG\r\n\x1a\n")
    assert b"<svg" in svg.make()[:400]


# ---------------------------------------------------------------------------------------------
# The pooling tables, checked by hand against the pooling results
# ---------------------------------------------------------------------------------------------


def test_partner_table_total_row_and_peak(pooled):
    pr = appraise_pool(pooled)
    table = partner_table(pr)
    total = table.iloc[-1]
    assert total["Budget holder"] == "Total public sector"
    assert total["NPV after (£)"] == pytest.approx(pooled.npv, abs=0.005)
    assert total["NPV before (£)"] == pytest.approx(pooled.npv, abs=0.005)
    # sharing moves money between partners: the whole sector's peak is the engine's peak dual running
    assert total["Peak cash need after (£)"] == pytest.approx(
        pooled.dual_running.peak_funding_requirement, abs=0.01
    )


def test_cash_requirement_table_is_the_running_total(pooled):
    pr = appraise_pool(pooled)
    table = cash_requirement_table(pr).set_index("Partner")
    assert list(table.index) == ["Council children's services", "NHS", "Police"]  # partners only
    i = [p.id for p in pr.positions].index("police")
    yearly = pr.flows.cash_requirement_after[:, i]
    row = table.loc["Police"]
    running = 0.0
    for t, label in enumerate(c for c in table.columns if "Peak" not in c):
        running += float(yearly[t])
        assert row[label] == pytest.approx(running, abs=1e-6)
    assert row["Peak (£)"] == pytest.approx(max(row[c] for c in table.columns if "Peak" not in c), abs=1e-6)


def test_flows_and_fair_share_tables(pooled):
    assert fair_share_table(appraise_pool(pooled, solve="proportional")).empty  # risk-adjusted: no agreement
    pooled = appraise(load_proposal(PROPOSALS / "early_help_pooled.yaml"), optimism=False)  # before it: one
    pr = appraise_pool(pooled, solve="proportional")
    flows = flows_table(pr)
    assert (flows["Pays"] != flows["Benefits"]).all() and (flows["PV (£)"] > 0).all()
    fair = fair_share_table(pr)
    assert fair["Weight"].sum() == pytest.approx(1.0, abs=1e-9)
    assert fair["NPV under the proposal (£)"].sum() == pytest.approx(pr.fair_share.partners_npv, abs=0.01)
    assert fair_share_table(appraise_pool(pooled)).empty  # the solver was not asked


def test_solver_explains_when_no_fair_agreement_exists():
    # halve the effect: the partners together lose money, so no sharing can leave each no worse off
    text = (PROPOSALS / "early_help_pooled.yaml").read_text(encoding="utf-8")
    losing = text.replace("effect: {value: 0.32,", "effect: {value: 0.16,", 1)
    assert losing != text
    at = AppTest.from_file(APP, default_timeout=30)
    at.run()
    at.selectbox(key="proposal_choice").set_value("upload").run()
    at.file_uploader(key="upload").set_value(("losing.yaml", losing.encode(), "application/x-yaml")).run()
    assert not at.exception and not at.sidebar.error
    tab = pooling_tab(at)
    assert any(w.value.startswith("No agreement can leave every partner no worse off") for w in tab.warning)
    assert not any(s.value.startswith("Every partner ends") for s in tab.success)
    assert all("Proposed savings share" not in f.columns for f in frames(tab))


def test_the_payment_schedule_is_shown_in_the_pooling_tab_and_the_cash_view():
    """Issue 12 §5: the agreement's payments by year, in cash, where the cash view is."""
    from costmodel.present.pooling_tables import PAYMENT_COLUMNS

    at = start("early_help_pooled")
    r = appraise(load_proposal(PROPOSALS / "early_help_pooled.yaml"))
    pr = appraise_pool(r)
    expected = sum(p.amount_cash for p in pr.payments)
    for label in ("Pooling", "Cash view"):
        tab = open_tab(at, label)
        schedules = [f for f in frames(tab) if list(f.columns) == PAYMENT_COLUMNS]
        assert len(schedules) == 1, label
        assert schedules[0]["Cash (£)"].sum() == pytest.approx(expected, abs=0.01)
        assert set(schedules[0]["Payment"]) <= {"Pool contribution (cash)", "Cashable savings paid over"}
    plain = start("youth_work")
    cash = open_tab(plain, "Cash view")
    assert not [f for f in frames(cash) if list(f.columns) == PAYMENT_COLUMNS]
