"""The shared parity table (``tests/parity/cases.json`` at the repository root).

Rust (``benches/tests/parity.rs``), this module and the Node binding
(``__test__/parity.test.mjs``) run the same cases, so the same inputs give the same results,
defaults and error kinds everywhere. Arguments a case leaves out are left out of the call too:
the binding's defaults must be the core's.
"""

from __future__ import annotations

import datetime
import json
import math
from pathlib import Path
from typing import Any, Callable

import pytest

import winlaps

REPO = Path(__file__).resolve().parents[3]
TABLE = json.loads((REPO / "tests" / "parity" / "cases.json").read_text(encoding="utf-8"))
CASES: list[dict[str, Any]] = TABLE["cases"]
KINDS: dict[str, dict[str, str]] = TABLE["kinds"]


def _spec_args(args: dict[str, Any]) -> dict[str, Any]:
    return {k: args[k] for k in ("complexity", "length", "words") if k in args}


def _policy_args(args: dict[str, Any]) -> dict[str, Any]:
    return {k: args[k] for k in ("minimum_length", "complexity_required") if k in args}


def _generate(args: dict[str, Any]) -> Any:
    seed = bytes.fromhex(args["seed"])
    n = args.get("n", 1)
    spec, policy = _spec_args(args), _policy_args(args)
    if n == 1:
        return {"passwords": [winlaps.generate_password(**spec, seed=seed, **policy)]}
    return {"passwords": winlaps.generate_passwords(n, **spec, seed=seed, **policy)}


def _entropy(args: dict[str, Any]) -> Any:
    spec, policy = _spec_args(args), _policy_args(args)
    if policy:
        e = winlaps.entropy(**spec, **policy)
        return {"naive": round(e["naive"], 2), "exact": round(e["exact"], 2)}
    return {
        "naive": round(winlaps.entropy_bits(**spec, naive=True), 2),
        "exact": round(winlaps.entropy_bits(**spec), 2),
    }


def _parse_registry_pol(args: dict[str, Any]) -> Any:
    return _roots(winlaps.parse_registry_pol(bytes.fromhex(args["hex"])))


def _roots(parsed: winlaps.ParsedPolicy) -> Any:
    roots = {"csp": parsed.csp, "gpo": parsed.gpo, "local": parsed.local, "legacy": parsed.legacy}
    return {"roots": {root: values for root, values in roots.items() if values}}


def _write(args: dict[str, Any]) -> Any:
    root = {"root": args["root"]} if "root" in args else {}
    if args["format"] == "pol":
        parsed = winlaps.parse_registry_pol(winlaps.write_registry_pol(args["values"], **root))
    else:
        parsed = winlaps.parse_reg(winlaps.write_reg(args["values"], **root))
    return _roots(parsed)


def _resolve(args: dict[str, Any]) -> Any:
    return _summary(winlaps.resolve_policy(**args))


def _resolve_files(args: dict[str, Any]) -> Any:
    return _summary(
        winlaps.resolve_policy(
            gpo=[winlaps.parse_registry_pol(bytes.fromhex(h)) for h in args.get("pol", [])],
            local=[winlaps.parse_reg(t) for t in args.get("reg", [])],
            device=args.get("device"),
        )
    )


def _summary(p: winlaps.EffectivePolicy) -> Any:
    return {
        "source": p.source,
        "mode": p.mode,
        "password_complexity": p.password_complexity,
        "password_length": p.password_length,
        "passphrase_length": p.passphrase_length,
        "password_age_days": p.password_age_days,
        "backup_directory": p.backup_directory,
    }


def _parse_blob(args: dict[str, Any]) -> Any:
    info = winlaps.parse_blob(bytes.fromhex(args["hex"]))
    root = info.root_key_id
    return {"root_key_id": None if root is None else str(root), "target_sid": info.target_sid}


def _inspect(args: dict[str, Any]) -> Any:
    value = bytes.fromhex(args["hex"])
    info = winlaps.parse_blob(value) if args.get("blob") else winlaps.parse_encrypted_attribute(value)
    form = info.to_dict()
    for k in ("update_time", "update_filetime"):
        form.pop(k, None)
    return form


def _provenance(args: dict[str, Any]) -> Any:
    roots = {k: v for k, v in args.items() if k != "setting"}
    r = winlaps.resolve_policy(**roots).provenance(args["setting"])
    form = {f: getattr(r, f) for f in ("name", "snake_name", "value", "applicable", "kind", "root")}
    form |= {f: getattr(r, f) for f in ("raw", "reason", "description")}
    form["shadowed"] = [s._asdict() for s in r.shadowed]
    return form


def _reset_password_status(args: dict[str, Any]) -> Any:
    return winlaps.reset_password_status(args["value"])._asdict()


def _is_valid_password(args: dict[str, Any]) -> Any:
    return {"valid": winlaps.is_valid_password(args["complexity"], args["password"])}


def _decrypt_live(args: dict[str, Any]) -> Any:
    store = winlaps.KeyStore()
    if "root_key" in args:
        store.add_root_key(winlaps.RootKey.from_json(json.dumps(args["root_key"])))
    (result,) = store.decrypt_many(
        [bytes.fromhex(args["hex"])], UNREACHABLE_DC, username="PARITY\\u", password="p", epm_port=1, timeout=2
    )
    if isinstance(result, BaseException):
        raise result
    return {"account": result.account, "password": result.password}


def _read_computer(args: dict[str, Any]) -> Any:
    store = winlaps.KeyStore()
    if "root_key" in args:
        store.add_root_key(winlaps.RootKey.from_json(json.dumps(args["root_key"])))
    attributes = {k: [v.encode() for v in vs] for k, vs in args.get("attributes", {}).items()}
    attributes |= {k: [bytes.fromhex(v) for v in vs] for k, vs in args.get("hex_attributes", {}).items()}
    history = args.get("include_history", False)
    records = winlaps.read_computer(args["dn"], attributes, store, include_history=history)

    def plain(v: Any) -> Any:
        # Times in whole Unix seconds (floor), what every binding's time type holds exactly.
        return math.floor(v.timestamp()) if isinstance(v, datetime.datetime) else v

    return {"records": [{k: plain(v) for k, v in r.items()} for r in records]}


#: Where the decrypt_live cases send GetKey: nothing listens there.
UNREACHABLE_DC = "127.0.0.1"

OPS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "generate": _generate,
    "entropy": _entropy,
    "parse_registry_pol": _parse_registry_pol,
    "write": _write,
    "resolve_files": _resolve_files,
    "resolve": _resolve,
    "parse_blob": _parse_blob,
    "inspect": _inspect,
    "provenance": _provenance,
    "reset_password_status": _reset_password_status,
    "is_valid_password": _is_valid_password,
    "decrypt_live": _decrypt_live,
    "read_computer": _read_computer,
}


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_case(case: dict[str, Any]) -> None:
    op = OPS[case["op"]]
    expect = case["expect"]
    if "error" in expect:
        cls = getattr(winlaps, KINDS[expect["error"]]["python"])
        with pytest.raises(cls) as info:
            op(case["args"])
        assert isinstance(info.value, winlaps.WinlapsError)
    else:
        assert op(case["args"]) == expect


def test_every_kind_has_a_class() -> None:
    for kind, row in KINDS.items():
        cls = getattr(winlaps, row["python"])
        assert issubclass(cls, winlaps.WinlapsError), kind
