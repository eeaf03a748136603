"""Chart images (PNG for slides, SVG for print) rendered offline with vl-convert-python."""

from __future__ import annotations

from typing import Any


def _spec(chart: Any) -> str:
    return chart if isinstance(chart, str) else chart.to_json()


def chart_png(chart: Any, scale: float = 2) -> bytes:
    """PNG bytes of an Altair chart (or its Vega-Lite JSON), at ``scale`` times its pixel size."""
    import vl_convert as vlc

    return vlc.vegalite_to_png(_spec(chart), scale=scale)


def chart_svg(chart: Any) -> str:
    """SVG text of an Altair chart (or its Vega-Lite JSON)."""
    import vl_convert as vlc

    return vlc.vegalite_to_svg(_spec(chart))
