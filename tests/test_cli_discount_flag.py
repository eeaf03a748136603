"""Red-team regression of the CLI: an infinite ``--discount`` is refused as out of range in one plain line."""

from __future__ import annotations

import pytest

from .hand_worked import HAND, cli


@pytest.mark.parametrize("rate", ["inf", "-inf", "Infinity"])
def test_infinite_discount_rate_is_refused_plainly(rate):
    status, out, err = cli("run", str(HAND), f"--discount={rate}")
    assert (status, out) == (1, "")
    assert err == f"--discount rate must be a fraction between 0 and 0.5, e.g. 0.035 for 3.5% (got {rate})\n"
    assert "percentage" not in err
