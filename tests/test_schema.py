"""The shipped JSON Schemas are exactly what the models generate (regenerate with `costmodel schema`)."""

from __future__ import annotations

import json

from costmodel.inputs.schema import schema_files

from .conftest import ASSUMPTIONS


def test_shipped_schemas_are_current():
    for name, body in schema_files().items():
        shipped = json.loads((ASSUMPTIONS / "schema" / name).read_text())
        assert shipped == body, (
            f"assumptions/schema/{name} is stale: run `costmodel schema --out-dir assumptions/schema`"
        )


def test_schema_forbids_unknown_keys_and_documents_units():
    proposal = schema_files()["proposal.schema.json"]
    assert proposal["additionalProperties"] is False
    fraction = proposal["$defs"]["FractionQ"]
    assert fraction["properties"]["unit"]["const"] == "fraction" or fraction["properties"]["unit"].get(
        "enum"
    ) == ["fraction"]
