"""Scenarios behind shareable links: an embedded SQLite store keyed by content hash (no Streamlit here).

A link to an uploaded or edited proposal carries only a key, ``?s=<key>``; the key is the SHA-256 (first
20 hex digits) of the scenario's content (file name, origin, text and edits), so the same scenario always
gets the same key, any machine serving the same store reopens it, and a key cannot name two scenarios.

* The store is one file, ``scenarios.sqlite3``, in the data folder: ``$COSTMODEL_DATA_DIR`` when set,
  otherwise ``data/`` beside the app. It is created on the first write.
* Writes are atomic (one SQLite transaction each, ``INSERT OR IGNORE``): a crash leaves the old store.
* A store that cannot be opened or read (corrupt, not a database, unreadable folder) raises
  :class:`StoreError` with a one-line message; the app shows it and goes on with the examples.

>>> import tempfile
>>> with tempfile.TemporaryDirectory() as folder:
...     store = ScenarioStore(Path(folder) / "s.sqlite3")
...     key = store.put(StoredScenario("a.yaml", "upload", "proposal: {}\\n", {}))
...     (store.get(key).name, store.get(key).key == key, store.get("0" * 20))
('a.yaml', True, None)
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

APP_ROOT = Path(__file__).resolve().parent.parent
STORE_FILE = "scenarios.sqlite3"
KEY_LENGTH = 20  # hex digits of SHA-256 kept in a link (80 bits)
KEY_PATTERN = re.compile(f"[0-9a-f]{{{KEY_LENGTH}}}")
FORMAT = 1  # of the stored JSON; a later format can still read this one


class StoreError(Exception):
    """The scenario store cannot be used (one line, naming the file)."""


@dataclass(frozen=True)
class StoredScenario:
    """What a link reopens: the proposal file as loaded and the user's edits on top of it.

    ``origin`` is "example", "template" or "upload"; ``edits`` maps an edit path to its value (all edits,
    including one that breaks a rule); ``valid_edits`` the last edits that passed the loader's rules.
    """

    name: str
    origin: str
    text: str
    edits: dict[str, Any] = field(default_factory=dict)
    valid_edits: dict[str, Any] | None = None  # None: the same as ``edits``

    def to_json(self) -> str:
        valid = self.edits if self.valid_edits is None else self.valid_edits
        record = {
            "format": FORMAT,
            "name": self.name,
            "origin": self.origin,
            "text": self.text,
            "edits": self.edits,
            "valid_edits": valid,
        }
        return json.dumps(record, sort_keys=True, ensure_ascii=False, separators=(",", ":"))

    @property
    def key(self) -> str:
        return hashlib.sha256(self.to_json().encode("utf-8")).hexdigest()[:KEY_LENGTH]

    @classmethod
    def from_json(cls, raw: str) -> StoredScenario:
        record = json.loads(raw)
        return cls(record["name"], record["origin"], record["text"], record["edits"], record["valid_edits"])


def data_dir() -> Path:
    """The folder of the app's data files: ``$COSTMODEL_DATA_DIR``, or ``data/`` beside the app."""
    configured = os.environ.get("COSTMODEL_DATA_DIR", "").strip()
    return Path(configured).expanduser() if configured else APP_ROOT / "data"


def default_store() -> ScenarioStore:
    return ScenarioStore(data_dir() / STORE_FILE)


def is_key(text: str) -> bool:
    return bool(KEY_PATTERN.fullmatch(text))


class ScenarioStore:
    """Scenarios by key in one SQLite file (a connection per call: safe across Streamlit's threads)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def _fail(self, exc: Exception) -> StoreError:
        return StoreError(
            f"{self.path}: the scenario store cannot be used ({exc}); links to uploaded or edited "
            "scenarios cannot be saved or opened, the examples still work"
        )

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=10, isolation_level="DEFERRED")
        conn.execute(
            "CREATE TABLE IF NOT EXISTS scenarios ("
            "key TEXT PRIMARY KEY, record TEXT NOT NULL, "
            "created TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')))"
        )
        return conn

    def put(self, scenario: StoredScenario) -> str:
        """Store a scenario (once: the same content has the same key) and return its key."""
        key, record = scenario.key, scenario.to_json()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = self._connect()
            try:
                with conn:  # one transaction: committed whole or rolled back
                    conn.execute("INSERT OR IGNORE INTO scenarios (key, record) VALUES (?, ?)", (key, record))
            finally:
                conn.close()
        except (sqlite3.Error, OSError) as exc:
            raise self._fail(exc) from None
        return key

    def get(self, key: str) -> StoredScenario | None:
        """The scenario stored under ``key``; None when there is none (or no store yet)."""
        if not is_key(key) or not self.path.exists():
            return None
        try:
            conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=10)
            try:
                row = conn.execute("SELECT record FROM scenarios WHERE key = ?", (key,)).fetchone()
            finally:
                conn.close()
        except sqlite3.Error as exc:
            raise self._fail(exc) from None
        if row is None:
            return None
        try:
            scenario = StoredScenario.from_json(row[0])
        except (ValueError, KeyError, TypeError) as exc:
            raise self._fail(ValueError(f"record {key} is damaged: {exc}")) from None
        if scenario.key != key:
            raise self._fail(ValueError(f"record {key} does not match its key"))
        return scenario
