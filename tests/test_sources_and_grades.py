"""Sources and grades (issue 12 §6): a source url must locate a document (not a homepage); every
derived figure in the shipped files shows its formula and inputs; a derived figure takes the weakest
grade of its inputs; the Unit Cost Database's own red/amber/green rating caps a row's grade."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from costmodel.errors import AssumptionError
from costmodel.inputs.loading import load_library, load_proposal, source_url_problem
from costmodel.inputs.models import SOURCE_RATING_GRADES, figure_grade
from costmodel.inputs.yamlio import parse_yaml

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = sorted((ROOT / "assumptions").glob("proposals/*.yaml")) + sorted(
    (ROOT / "assumptions").glob("templates/*.yaml")
)
LIBRARY = ROOT / "assumptions" / "unit_costs.yaml"


@pytest.mark.parametrize(
    "url",
    [
        "https://localtrust.org.uk",
        "https://localtrust.org.uk/",
        "http://www.ymca.org.uk/",
        "https://www.cypnow.co.uk//",
        "https://WWW.GOV.UK:443/",
        "https://example.org/#contents",
    ],
)
def test_a_bare_domain_is_refused(url: str) -> None:
    assert source_url_problem(url) is not None


@pytest.mark.parametrize(
    "url",
    [
        "https://www.gov.uk/government/statistics/youth-justice-statistics-2023-to-2024",
        "https://www.familylawweek.co.uk/site.aspx?i=ed199987",
        "https://example.org/?doc=12",
        "http://www.publicnet.co.uk/book-news/2008/05/08/displacement-of-crime-or-diffusion-of-benefit/",
    ],
)
def test_a_document_address_is_accepted(url: str) -> None:
    assert source_url_problem(url) is None


def _with_source_url(tmp_path: Path, url: str) -> Path:
    text = (ROOT / "assumptions/proposals/youth_work.yaml").read_text(encoding="utf-8")
    old = "url: https://youthendowmentfund.org.uk/toolkit/mentoring/"
    assert old in text
    text = text.replace(old, f"url: {url}").replace(
        "unit_cost_library: ../unit_costs.yaml", f"unit_cost_library: {LIBRARY}"
    )
    path = tmp_path / "p.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("url", ["https://youthendowmentfund.org.uk", "https://youthendowmentfund.org.uk/"])
def test_the_loader_refuses_a_homepage_with_one_located_line(tmp_path: Path, url: str) -> None:
    path = _with_source_url(tmp_path, url)
    with pytest.raises(AssumptionError) as info:
        load_proposal(path)
    lines = str(info.value).strip().splitlines()
    hits = [ln for ln in lines if "sources.yef_toolkit_mentoring.url:" in ln]
    assert len(hits) == 1
    # file:line:col: sources.<id>.url: rule, pointing at the url value in the file
    m = re.match(rf"^{re.escape(str(path))}:(\d+):(\d+): sources\.yef_toolkit_mentoring\.url: .*homepage", hits[0])
    assert m, hits[0]
    line_text = path.read_text(encoding="utf-8").splitlines()[int(m.group(1)) - 1]
    assert url in line_text


def _walk(data: Any, loc: tuple[Any, ...] = ()):
    if isinstance(data, dict):
        yield loc, data
        for k, v in data.items():
            yield from _walk(v, (*loc, k))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            yield from _walk(v, (*loc, i))


@pytest.mark.parametrize("path", [*SHIPPED, LIBRARY], ids=lambda p: p.name)
def test_every_derived_figure_in_the_shipped_files_shows_its_formula(path: Path) -> None:
    data = parse_yaml(path.read_text(encoding="utf-8"), str(path)).data
    for loc, d in _walk(data):
        if "derived" in d:
            derived = d["derived"]
            assert isinstance(derived.get("formula"), str) and derived["formula"].strip(), loc
            assert derived.get("inputs"), loc
            for item in derived["inputs"]:
                assert sum(k in item for k in ("source", "assumption", "design")) == 1, (loc, item)
        # a figure whose note says it is derived must carry the derived structure
        note = d.get("note")
        if isinstance(note, str) and note.lower().startswith("derived"):
            assert "derived" in d, f"{path.name}: {'.'.join(map(str, loc))} says 'Derived' without a formula"


def test_the_shipped_files_have_no_homepage_urls() -> None:
    for path in [*SHIPPED, LIBRARY]:
        data = parse_yaml(path.read_text(encoding="utf-8"), str(path)).data
        for src in data.get("sources", []):
            assert source_url_problem(src["url"]) is None, (path.name, src["id"])


def test_the_unit_cost_database_is_graded_b_and_its_ratings_cap_each_row() -> None:
    lib = load_library(LIBRARY)
    grades = {s.id: s.grade for s in lib.sources}
    assert grades["gmca_ucd_v1_4"] == "B"
    assert SOURCE_RATING_GRADES == {"green": "B", "amber": "C", "red": "U"}
    by_id = {u.id: u for u in lib.unit_costs}
    # read from the v1.4 workbook's RAG column (reference/unit-costs.md §2): CR6.10 green, SS1.0 amber, CR1.1 red
    assert figure_grade(by_id["youth_custody_month"], grades) == "B"
    assert figure_grade(by_id["looked_after_child_year"], grades) == "C"
    assert figure_grade(by_id["asb_incident_no_further_action"], grades) == "U"
    assert figure_grade(by_id["domestic_violence_incident"], grades) == "C"
    for u in lib.unit_costs:
        if u.source == "gmca_ucd_v1_4":
            assert u.source_rating is not None, u.id


def test_a_derived_figure_takes_the_weakest_grade_of_its_inputs() -> None:
    sc = load_proposal(ROOT / "assumptions/proposals/youth_work.yaml")
    grades = {k: s.grade for k, s in sc.sources.items()}
    rate = next(o for o in sc.proposal.outcomes if o.id == "repeat_offending").baseline_rate
    assert grades[rate.source] == "B"
    # one input is a stated assumption (the 8% first-entry rate): the figure is no stronger than that
    assert figure_grade(rate, grades) == "assumption"


def test_the_conviction_rate_is_per_child_of_offending_age_per_year() -> None:
    sc = load_proposal(ROOT / "assumptions/proposals/early_help_pooled.yaml")
    line = next(o for o in sc.proposal.outcomes if o.id == "youth_convictions")
    # 4.6% within 24 months as a constant yearly hazard: 1 - (1 - 0.046) ** 0.5 = 0.02327
    assert line.baseline_rate.value == pytest.approx(1 - (1 - 0.046) ** 0.5, abs=5e-5)
    # only the 10-17-year-olds among 400 children spread over ages 0-17 (8 of 18 years)
    assert line.cohort.value == pytest.approx(400 * 8 / 18, abs=0.5)
    # expected convictions a year before the effect: far fewer than the old 400 x 4.6% = 18.4
    assert line.cohort.value * line.baseline_rate.value == pytest.approx(4.14, abs=0.01)


def test_the_proposals_own_scale_carries_no_grade() -> None:
    """A design input (the service's size) is a choice, not evidence: the early-help keywork cost
    (200 families x UCD SS6.0, a green row) is graded B, the row's grade, not 'assumption'."""
    sc = load_proposal(ROOT / "assumptions/proposals/early_help_pooled.yaml")
    grades = {k: s.grade for k, s in sc.sources.items()}
    line = next(c for c in sc.proposal.prevention_costs if c.id == "early_help_keywork")
    assert [i.design is not None for i in line.amount.derived.inputs] == [True, False]
    assert figure_grade(line.amount, grades) == "B"


@pytest.mark.parametrize(
    "item",
    [
        {"name": "x"},
        {"name": "x", "source": "a", "assumption": "b"},
        {"name": "x", "assumption": "b", "design": "c"},
    ],
)
def test_a_derived_input_needs_exactly_one_provenance(item: dict[str, str]) -> None:
    from pydantic import ValidationError

    from costmodel.inputs.models import DerivedInput

    with pytest.raises(ValidationError, match="exactly one of 'source', 'assumption' or 'design'"):
        DerivedInput.model_validate(item)


def test_an_edited_derived_value_no_longer_claims_its_formula() -> None:
    from costmodel.inputs.loading import edit_proposal

    sc = load_proposal(ROOT / "assumptions/proposals/early_help_pooled.yaml")
    path = "outcomes.youth_convictions.baseline_rate"
    same = edit_proposal(sc.proposal, {path: 0.0233})
    moved = edit_proposal(sc.proposal, {path: 0.03})
    rate = {o.id: o for o in same.outcomes}["youth_convictions"].baseline_rate
    assert rate.derived is not None  # unchanged value: still what the formula gives
    rate = {o.id: o for o in moved.outcomes}["youth_convictions"].baseline_rate
    assert rate.value == 0.03 and rate.derived is None
