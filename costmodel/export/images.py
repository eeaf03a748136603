"""Chart images (PNG or SVG) of any chart kind, rendered offline with vl-convert.

The charts are the app's own (:data:`costmodel.present.charts.CHART_KINDS`), so an image matches what the app
shows. Altair and vl-convert are imported inside the functions: importing this module is cheap.
"""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Literal

from ..errors import UsageError
from ..present.charts import CHART_KINDS, build_chart

if TYPE_CHECKING:
    from ..appraisal.engine import TenYearTest

ImageFormat = Literal["png", "svg"]
FORMATS: tuple[str, ...] = ("png", "svg")


def chart_kinds() -> tuple[str, ...]:
    """The valid chart kinds, in the app's order."""
    return tuple(CHART_KINDS)


def check_kind(kind: str) -> None:
    """Raise :class:`UsageError` (one line, listing the valid kinds) for an unknown chart kind."""
    kinds = chart_kinds()
    if kind not in kinds:
        raise UsageError(f"unknown chart kind {kind!r}; choose one of: {', '.join(kinds)}")


def chart_spec(
    kind: str, result: TenYearTest, *, width: int | None = None, height: int | None = None
) -> dict:
    """The Vega-Lite specification of a chart kind for a result (data inlined).

    ``width`` and ``height`` [px] resize the plotting area (e.g. for the half-width briefing charts).
    """
    check_kind(kind)
    spec = build_chart(kind, result).to_dict()
    if width is not None or height is not None:
        targets = spec.get("layer", [spec])
        for layer in [spec, *targets]:
            if width is not None and "width" in layer:
                layer["width"] = width
            if height is not None and "height" in layer:
                layer["height"] = height
        if width is not None:
            spec["width"] = width
        if height is not None:
            spec["height"] = height
    return spec


def chart_image(
    kind: str,
    result: TenYearTest,
    fmt: ImageFormat = "png",
    *,
    scale: float = 2.0,
    width: int | None = None,
    height: int | None = None,
) -> bytes:
    """Render chart ``kind`` of ``result`` as PNG or SVG bytes, offline.

    Parameters
    ----------
    kind : str
        One of :data:`costmodel.present.charts.CHART_KINDS`.
    fmt : 'png' or 'svg'
    scale : float
        PNG pixel density (2 gives crisp slides; ignored for SVG). [ratio]
    """
    if fmt not in FORMATS:
        raise UsageError(f"unknown image format {fmt!r}; choose png or svg")
    if not 0.25 <= scale <= 8:
        raise UsageError(f"must be between 0.25 and 8 (got {scale:g})", field="scale")
    spec = chart_spec(kind, result, width=width, height=height)
    import vl_convert as vlc

    if fmt == "svg":
        return vlc.vegalite_to_svg(vl_spec=spec).encode("utf-8")
    return bytes(vlc.vegalite_to_png(vl_spec=spec, scale=scale))


def data_uri(
    kind: str,
    result: TenYearTest,
    fmt: ImageFormat = "svg",
    *,
    scale: float = 2.0,
    width: int | None = None,
    height: int | None = None,
) -> str:
    """The chart as a ``data:`` URI for embedding in HTML (SVG by default: sharp when printed)."""
    body = chart_image(kind, result, fmt, scale=scale, width=width, height=height)
    mime = "image/svg+xml" if fmt == "svg" else "image/png"
    return f"data:{mime};base64,{base64.b64encode(body).decode('ascii')}"


def format_from_path(path: str) -> ImageFormat:
    """'png' or 'svg' from an output file name; :class:`UsageError` otherwise."""
    lower = path.lower()
    if lower.endswith(".png"):
        return "png"
    if lower.endswith(".svg"):
        return "svg"
    raise UsageError(f"{path}: the chart file name must end in .png or .svg")
