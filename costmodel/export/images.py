"""Chart images (PNG or SVG) of any chart kind, rendered offline with vl-convert.

The charts are the app's own (:data:`costmodel.present.charts.CHART_KINDS`), so an image matches what the app
shows. Altair and vl-convert are imported inside the functions: importing this module is cheap.
"""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any, Literal

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


def source_line(result: TenYearTest) -> str:
    """The line an exported chart carries under its title: where its figures come from."""
    sc = result.scenario
    return f"Source: costmodel appraisal of {sc.proposal.id}, inputs_sha256 {sc.inputs_sha256[:12]}"


def with_source_line(spec: dict, result: TenYearTest) -> dict:
    """Add :func:`source_line` to a chart specification's subtitle (title, units and price base are
    already in the title and subtitle), so an image pasted on its own still says where it comes from."""
    layers = spec.get("layer", [])
    holder = spec if "title" in spec else next((layer for layer in layers if "title" in layer), None)
    if holder is None:
        return spec
    title = holder["title"]
    if isinstance(title, str):
        title = {"text": title}
    subtitle = title.get("subtitle", [])
    subtitle = [subtitle] if isinstance(subtitle, str) else list(subtitle)
    holder["title"] = title | {"subtitle": [*subtitle, source_line(result)]}
    return spec


def chart_spec(
    kind: str, result: TenYearTest, *, width: int | None = None, height: int | None = None
) -> dict:
    """The Vega-Lite specification of a chart kind for a result (data inlined).

    ``width`` and ``height`` [px] resize the plotting area (e.g. for the half-width briefing charts).
    """
    check_kind(kind)
    spec = with_source_line(build_chart(kind, result).to_dict(), result)
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
    return render_image(chart_spec(kind, result, width=width, height=height), fmt, scale=scale)


def render_image(chart: Any, fmt: ImageFormat = "png", *, scale: float = 2.0) -> bytes:
    """PNG or SVG bytes of an Altair chart or a Vega-Lite spec (a dict), rendered offline by
    vl-convert: the one place a chart becomes an image (the CLI, the briefing and the app's
    downloads all come here)."""
    if fmt not in FORMATS:
        raise UsageError(f"unknown image format {fmt!r}; choose png or svg")
    spec = chart if isinstance(chart, dict) else chart.to_dict()
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
