"""``winlaps.__version__`` is the installed distribution's, which is the Cargo workspace's."""

from __future__ import annotations

import re
from importlib.metadata import metadata
from pathlib import Path

import winlaps


def _workspace_version() -> str:
    cargo = Path(__file__).resolve().parents[3] / "Cargo.toml"
    found = re.search(r'^\[workspace\.package\][^\[]*?^version = "([^"]+)"', cargo.read_text(), re.M | re.S)
    assert found, "no [workspace.package] version"
    return found.group(1)


def test_version_is_the_workspace_version() -> None:
    assert winlaps.__version__ == _workspace_version()


def test_metadata_has_spdx_license_and_project_urls() -> None:
    meta = metadata("winlaps")
    assert meta["License-Expression"] == "(MIT OR Apache-2.0) AND CC-BY-3.0-US"
    urls = dict(u.split(", ", 1) for u in meta.get_all("Project-URL") or [])
    assert {"Repository", "Documentation", "Changelog"} <= urls.keys()
