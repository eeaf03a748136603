"""costmodel: the Ten Year Test for prevention spending.

Does spending on prevention now pay for itself within ten years, and whose budget gains or loses?
costmodel appraises a proposal (or a cut) described in a YAML assumption file with HM Treasury Green
Book conventions, by budget holder and year.

Typical use::

    from costmodel import load_proposal, appraise
    result = appraise(load_proposal("assumptions/proposals/youth_work.yaml"))
    print(result.verdict)

The package never imports Streamlit; the app (``app.py``) and the CLI are thin shells over it.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__", "appraise", "load_proposal", "Overrides"]


def __getattr__(name: str):  # lazy, so `costmodel --help` stays fast
    if name == "appraise":
        from .appraisal.chain import appraise

        return appraise
    if name in {"load_proposal", "Overrides"}:
        from .inputs import loading

        return getattr(loading, name)
    raise AttributeError(name)
