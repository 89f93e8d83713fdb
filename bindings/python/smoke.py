"""Smoke test of an installed winlaps wheel (scripts/package runs it in a fresh venv).

Imports the installed package (not the source tree), decrypts a real Windows LAPS value with
its KDS root key, generates a password, and checks the version, the license files and NOTICE.
"""

from __future__ import annotations

import json
import sys
from importlib.metadata import distribution
from pathlib import Path

import winlaps

REPO = Path(__file__).resolve().parents[2]


def main() -> None:
    installed = Path(winlaps.__file__).resolve()
    source = REPO / "bindings/python/python"
    assert source not in installed.parents, f"imported from the source tree: {installed}"
    assert "site-packages" in installed.parts, installed
    vectors = json.loads((REPO / "laps-crypto/tests/data/decrypt_real.json").read_text())
    vector = next(v for v in vectors["vectors"] if v["id"] == "win-laps-dsinternals-1")
    store = winlaps.KeyStore()
    store.add_root_key(winlaps.RootKey.from_json(json.dumps(vector["key_source"])))
    credential = store.decrypt_attribute(bytes.fromhex(vector["input_hex"]))
    assert credential.password == vector["expected"]["laps_json"]["p"]
    assert credential.account == vector["expected"]["laps_json"]["n"]
    assert len(winlaps.generate_password(4, 20)) == 20
    files = {Path(str(f)).name for f in distribution("winlaps").files or []}
    assert {"LICENSE-MIT", "LICENSE-APACHE", "NOTICE"} <= files, files
    print(f"winlaps {winlaps.__version__} from {installed.parent}: decrypt + generate ok")
    assert winlaps.__version__ == "0.1.0" or "--any-version" in sys.argv


if __name__ == "__main__":
    main()
