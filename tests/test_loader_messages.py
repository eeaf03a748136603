"""Red-team regressions of the loader's messages for the commonest YAML slips: one clear line each,
and harmless variations of a file give the same NPV."""

from __future__ import annotations

import pytest

from costmodel.appraisal.chain import appraise
from costmodel.inputs.loading import load_proposal

from .hand_worked import HAND, HAND_TEXT, cli, hand, write

# --- Loader messages for the commonest YAML slips ---------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "field", "message"),
    [
        (
            "effect: {value: 0.5,",
            'effect: {value: "0.5",',
            "outcomes.0.effect.value",
            "must be a number, not text: write 0.5 without quotes",
        ),
        (
            "lag_years: {value: 1,",
            "lag_years: {value: 2.0,",
            "outcomes.0.lag_years.value",
            "must be a whole number: write 2 rather than 2.0",
        ),
        (
            "lag_years: {value: 1,",
            "lag_years: {value: 1.5,",
            "outcomes.0.lag_years.value",
            "must be a whole number (got 1.5)",
        ),
        (
            "horizon_years: 4",
            "horizon_years: true",
            "appraisal.horizon_years",
            "must be a whole number, not true",
        ),
        (
            "effect: {value: 0.5,",
            "effect: {value: null,",
            "outcomes.0.effect.value",
            "must be a number; the value is empty (null)",
        ),
        (
            "effect: {value: 0.5, unit: fraction, source: test_source}",
            "effect: null",
            "outcomes.0.effect",
            "expected a mapping (key: value lines) (got null)",
        ),
        (
            "  first_year: 2025",
            "\tfirst_year: 2025",
            None,
            "tabs are not allowed in YAML indentation: indent with spaces",
        ),
    ],
)
def test_one_clear_line_for_common_slips(tmp_path, old, new, field, message):
    path = write(tmp_path, hand({old: new}))
    status, out, err = cli("validate", str(path))
    assert status == 1 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"{path}:")
    if field is not None:
        assert f": {field}: " in lines[0]
    assert message in lines[0]


def test_empty_list_of_prevention_costs_says_so(tmp_path):
    text = hand()
    start, end = text.index("prevention_costs:"), text.index("outcomes:")
    path = write(tmp_path, text[:start] + "prevention_costs: []\n" + text[end:])
    status, _, err = cli("validate", str(path))
    assert status == 1
    assert err.strip().endswith("prevention_costs: the list is empty: give at least 1 item")
    assert "after validation" not in err


@pytest.mark.parametrize(
    "transform",
    [
        lambda t: t.replace("\n", "\r\n"),  # Windows line endings
        lambda t: "\ufeff" + t,  # UTF-8 byte-order mark
        lambda t: "\ufeff" + t.replace("\n", "\r\n"),
        lambda t: t.replace("  horizon_years: 4\n", "").replace(
            "  first_year: 2025\n", "  horizon_years: 4\n  first_year: 2025\n"
        ),
        lambda t: "\n".join(
            ln + "  # note" if ln.strip() and not ln.lstrip().startswith("#") else ln for ln in t.split("\n")
        ),
    ],
    ids=["crlf", "bom", "bom-crlf", "key-order", "comments"],
)
def test_harmless_variations_give_the_same_npv(tmp_path, transform):
    # hand_worked's NPV, worked in tests/test_engine.py; here only: the same as the untouched file
    path = tmp_path / "v.yaml"
    path.write_bytes(transform(HAND_TEXT).encode("utf-8"))
    assert appraise(load_proposal(path)).npv == pytest.approx(appraise(load_proposal(HAND)).npv, abs=1e-9)
