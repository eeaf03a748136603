"""Exported chart images stand on their own (issue 14 item 7): each carries its title, its units (£), the price
base and a source line naming the proposal and its inputs; worse off / better off and fails / passes are
written on the charts, not told by red against green alone."""

from __future__ import annotations

import html

import pytest

from costmodel.appraisal.chain import appraise
from costmodel.export.images import chart_image, chart_kinds
from costmodel.formatting import fy_label
from costmodel.inputs.loading import load_proposal
from costmodel.present.charts import build_chart
from tests.conftest import ASSUMPTIONS

POOLED = appraise(load_proposal(ASSUMPTIONS / "proposals" / "early_help_pooled.yaml"))


@pytest.mark.parametrize("kind", chart_kinds())
def test_every_exported_image_has_title_units_price_base_and_source(kind):
    svg = chart_image(kind, POOLED, "svg").decode("utf-8")
    spec = build_chart(kind, POOLED).to_dict()
    holder = spec if "title" in spec else next(layer for layer in spec["layer"] if "title" in layer)
    title = holder["title"]["text"] if isinstance(holder["title"], dict) else holder["title"]
    assert html.escape(title[:30], quote=False) in svg.replace("&#39;", "'")
    assert "£" in svg
    assert f"{fy_label(POOLED.structure.price_base_year)} prices" in svg
    assert (
        f"Source: costmodel appraisal of early_help_pooled, inputs_sha256 {POOLED.scenario.inputs_sha256[:12]}"
        in svg
    )


def test_who_pays_and_the_histogram_say_better_or_worse_in_words():
    who = str(build_chart("who-pays-who-saves", POOLED).to_dict())
    assert "'text': {'field': 'position'" in who  # a text layer writes each bar's position
    svg = chart_image("who-pays-who-saves", POOLED, "svg").decode("utf-8")
    assert svg.count(">worse off<") >= 2 and svg.count(">better off<") >= 2  # on the bars and in the legend
    hist = chart_image("npv-distribution", POOLED, "svg").decode("utf-8")
    assert "← fails" in hist and "passes →" in hist
