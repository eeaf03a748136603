"""Charts that fit a phone: the app's Vega-Lite specifications made responsive (no Streamlit here).

The chart builders in ``costmodel.present.charts`` size labels for a page or an exported image: long budget
holder names get up to 300-420 px. On a 390 px phone those labels leave no room for the bars. The app
therefore rewrites each label limit as an expression on the chart's container width: the full limit on a
wide screen, about a third of the width (at least 90 px) on a narrow one.

>>> spec = {"encoding": {"y": {"axis": {"labelLimit": 320}}}, "legend": {"labelLimit": 40}}
>>> responsive(spec)["encoding"]["y"]["axis"]["labelLimit"]
{'expr': 'containerSize()[0] < 600 ? max(90, containerSize()[0] * 0.33) : 320'}
>>> responsive(spec)["legend"]["labelLimit"]
40
"""

from __future__ import annotations

from typing import Any

NARROW = 600  # [px] below this container width, labels get a third of it
SMALL_LIMIT = 120  # [px] limits at or below this are left alone


def _limit(value: float) -> dict[str, str]:
    return {"expr": f"containerSize()[0] < {NARROW} ? max(90, containerSize()[0] * 0.33) : {value:g}"}


def responsive(spec: Any) -> Any:
    """A copy of a Vega-Lite spec (dict) with every large ``labelLimit`` made to depend on the width."""
    if isinstance(spec, dict):
        out = {}
        for key, value in spec.items():
            if key == "labelLimit" and isinstance(value, int | float) and value > SMALL_LIMIT:
                out[key] = _limit(value)
            else:
                out[key] = responsive(value)
        return out
    if isinstance(spec, list):
        return [responsive(v) for v in spec]
    return spec
