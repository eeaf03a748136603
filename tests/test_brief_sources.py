"""Every source number a briefing cites is listed at its foot (issue 12 §6): including sources cited only
by the inputs of a derived figure (a figure whose own provenance is a stated assumption or another
source, but whose formula uses a sourced input)."""

from __future__ import annotations

import re

import pytest

from costmodel.appraisal.chain import appraise
from costmodel.export.brief import brief_content, brief_markdown
from costmodel.inputs.loading import load_proposal

from .conftest import ASSUMPTIONS, PROPOSALS


def _numbers(text: str) -> set[int]:
    """Every source number in ``[1]``, ``[1–3,5]`` references of a text."""
    found: set[int] = set()
    for group in re.findall(r"\[(\d+(?:[–-]\d+)?(?:,\d+(?:[–-]\d+)?)*)\]", text):
        for part in group.split(","):
            a, _, b = part.replace("–", "-").partition("-")
            found |= set(range(int(a), int(b or a) + 1))
    return found


@pytest.mark.parametrize("path", PROPOSALS, ids=lambda p: p.stem)
def test_every_cited_number_is_listed(path):
    r = appraise(load_proposal(path))
    c = brief_content(r)
    listed = {n for n, _ in c.sources}
    cited = set(c.headline_refs) | set(c.verdict_refs)
    cited |= {n for row in [*c.rows, c.total] for n in row.get("refs", [])}
    cited |= {n for _, _, refs in c.figures for n in refs}
    for caveat in c.caveats:
        cited |= _numbers(caveat)
    assert cited <= listed, sorted(cited - listed)
    assert sorted(listed) == list(range(1, len(listed) + 1))  # numbered 1..n with no gap
    body, sources = brief_markdown(r).split("## Sources")
    assert _numbers(body) <= {int(n) for n in re.findall(r"^(\d+)\. ", sources, re.M)}


def test_a_source_cited_only_by_a_derived_figures_inputs_is_listed():
    """Big Local's baseline rate is a stated assumption derived as 0.022 × 1.5, its 0.022 from the ONS
    (source ons_asb_rate_ye_mar_2020, the sixth in the file's list); nothing else cites that source, so it
    used to get number 6 but no line under Sources."""
    path = ASSUMPTIONS / "proposals" / "big_local_neighbourhood.yaml"
    sc = load_proposal(path)
    ids = list(sc.sources)
    assert ids.index("ons_asb_rate_ye_mar_2020") == 5  # number 6
    oc = sc.proposal.outcomes[0]
    assert oc.baseline_rate.source is None and oc.baseline_rate.derived is not None
    assert [i.source for i in oc.baseline_rate.derived.inputs][0] == "ons_asb_rate_ye_mar_2020"
    c = brief_content(appraise(sc))
    listed = dict(c.sources)
    assert listed[6].id == "ons_asb_rate_ye_mar_2020"
    assert sorted(listed) == list(range(1, len(listed) + 1))  # no gap in the numbers
