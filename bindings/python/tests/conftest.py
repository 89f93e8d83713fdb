"""Shared helpers for the winlaps tests.

Test data lives in ``tests/data`` (copied from the project's shared vectors; no test
reads anything outside the repository).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DATA = Path(__file__).parent / "data"
REPO = Path(__file__).resolve().parents[3]


def load_json(name: str) -> Any:
    """One JSON file from tests/data."""
    with open(DATA / name, encoding="utf-8") as f:
        return json.load(f)
