"""The workbook prints sensibly (issue 14 item 12): every sheet on A4 landscape, one page wide, its used range
as the print area, its header rows repeated; LibreOffice prints the pooled example in a handful of pages
(65 before this)."""

from __future__ import annotations

import io
import re
import shutil
import subprocess

import pytest
from openpyxl import load_workbook

from costmodel.appraisal.chain import appraise
from costmodel.export.excel import workbook_bytes
from costmodel.inputs.loading import load_proposal
from tests.conftest import PROPOSALS

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


@pytest.mark.parametrize("path", PROPOSALS, ids=lambda p: p.stem)
def test_every_sheet_has_print_settings(path):
    book = load_workbook(io.BytesIO(workbook_bytes(appraise(load_proposal(path)))))
    for ws in book.worksheets:
        assert ws.page_setup.orientation == "landscape", ws.title
        assert ws.page_setup.paperSize == 9, ws.title  # A4
        # one page wide (fitToWidth absent means 1 in OOXML)
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth in (None, 1), ws.title
        assert ws.page_setup.fitToHeight == 0, ws.title  # as many pages down as needed
        assert ws.print_area, ws.title
        frozen_rows = int(re.sub(r"[A-Z]+", "", ws.freeze_panes)) - 1 if ws.freeze_panes else 0
        if frozen_rows > 0:  # the header rows above the freeze repeat on every page
            assert ws.print_title_rows == f"$1:${frozen_rows}", (ws.title, ws.print_title_rows)


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice is not installed (scripts/test installs it)")
def test_the_pooled_workbook_prints_in_a_few_pages(tmp_path):
    path = next(p for p in PROPOSALS if p.stem == "early_help_pooled")
    book = tmp_path / "w.xlsx"
    book.write_bytes(workbook_bytes(appraise(load_proposal(path))))
    cmd = [SOFFICE, f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless", "--convert-to", "pdf",
           "--outdir", str(tmp_path), str(book)]  # fmt: skip
    subprocess.run(cmd, check=True, capture_output=True, timeout=600)
    pages = len(re.findall(rb"/Type\s*/Page\b", (tmp_path / "w.pdf").read_bytes()))
    assert 1 <= pages <= 12, pages
