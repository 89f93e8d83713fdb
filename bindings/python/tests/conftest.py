"""Shared helpers for the winlaps tests.

The DPAPI-NG / LAPS vectors are the project's shared vector set, kept once in the repository
under ``laps-crypto/tests/data``; the policy samples under ``laps-policy/tests/data``. No test
reads anything outside the repository.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import winlaps

REPO = Path(__file__).resolve().parents[3]
VECTOR_DIRS = [REPO / "laps-crypto" / "tests" / "data"]


def load_json(name: str) -> Any:
    """One vector file (``decrypt_real.json``, ``laps_attribute.json``, ...)."""
    for d in VECTOR_DIRS:
        if (d / name).exists():
            with open(d / name, encoding="utf-8") as f:
                return json.load(f)
    raise FileNotFoundError(f"{name} not found in {VECTOR_DIRS}")


def vectors(name: str) -> list[dict[str, Any]]:
    """The ``vectors`` list of one vector file."""
    v: list[dict[str, Any]] = load_json(name)["vectors"]
    return v


def root_key(ks: dict[str, Any]) -> winlaps.RootKey:
    """A RootKey from a vector's ``key_source`` (``kind == "root_key"``)."""
    return winlaps.RootKey(
        ks["root_key_id"],
        bytes.fromhex(ks["root_key_data_hex"]),
        version=ks["version"],
        kdf_algorithm=ks["kdf_algorithm"],
        kdf_parameters=bytes.fromhex(ks["kdf_parameters_hex"]) or None,
        secret_agreement_algorithm=ks["secret_agreement_algorithm"],
        secret_agreement_parameters=bytes.fromhex(ks["secret_agreement_parameters_hex"]) or None,
        private_key_length=ks["private_key_length"],
        public_key_length=ks["public_key_length"],
    )


def store_for(v: dict[str, Any]) -> winlaps.KeyStore:
    """A KeyStore holding exactly the key source of vector ``v``."""
    store = winlaps.KeyStore()
    ks = v["key_source"]
    if ks["kind"] == "root_key":
        store.add_root_key(root_key(ks))
    else:
        store.add_group_key_envelope(bytes.fromhex(ks["gke_hex"]))
    return store
