"""JSON Schemas of the assumption files, generated from the pydantic models.

Shipped as ``assumptions/schema/*.schema.json`` so an analyst's editor (e.g. VS Code with the YAML
extension, via the ``# yaml-language-server: $schema=...`` first line) validates and autocompletes as
they type. ``tests/test_schema.py`` checks the shipped files equal what the models generate.
"""

from __future__ import annotations

from typing import Any

from .models import Proposal, UnitCostLibrary
from .options import OptionsFile


def _schema(model: type, title: str, description: str) -> dict[str, Any]:
    body = model.model_json_schema(mode="validation")  # type: ignore[attr-defined]
    body = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": title,
        "description": description,
        **{k: v for k, v in body.items() if k not in {"title", "description"}},
    }
    return body


def schema_files() -> dict[str, dict[str, Any]]:
    return {
        "proposal.schema.json": _schema(
            Proposal,
            "costmodel proposal",
            "A prevention proposal (new spending) or a cut, appraised by costmodel's Ten Year Test. "
            "Fractions are 0-1; money carries its unit and price year; every figure cites a source or states an assumption.",
        ),
        "unit_costs.schema.json": _schema(
            UnitCostLibrary,
            "costmodel unit-cost library",
            "Agencies (budget holders), sources and unit costs of acute demand split by the agencies that bear them.",
        ),
        "options.schema.json": _schema(
            OptionsFile,
            "costmodel options appraisal",
            "Business as usual, an optional do-minimum and two or more options, each a proposal file or a "
            "base proposal plus sourced edits, appraised against BAU on one discount date and price base.",
        ),
    }
