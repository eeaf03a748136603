"""AppTests save linked scenarios in a temporary store, never in the app's own data folder."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _scenario_store_in_tmp(tmp_path, monkeypatch):
    monkeypatch.setenv("COSTMODEL_DATA_DIR", str(tmp_path / "data"))
