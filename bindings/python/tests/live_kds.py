"""The lab KDS (``winlaps kds serve``) as a pytest fixture for the live-key tests.

It serves the root keys of the repository's vectors (laps-client/tests/interop/lab.py picks
them), with the accounts ``LAB\\helpdesk`` (holds every SID the vectors are protected to) and
``LAB\\plain`` (holds none), and ``--stats``, whose "getkey calls: N" lines count the GetKey
calls it answered.

The binary: ``$WINLAPS_BIN``, else ``winlaps`` under ``$CARGO_TARGET_DIR`` (or the
repository's ``target``), debug or release. Without it the tests skip with one line (and fail
under ``CI=true``).
"""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import threading
import time
from pathlib import Path
from types import ModuleType
from typing import Any, Optional

import pytest

REPO = Path(__file__).resolve().parents[3]
HOST = os.environ.get("WINLAPS_LIVE_HOST", "127.0.0.3")


def lab_module() -> ModuleType:
    """laps-client's interop data builder (the vectors a KDS holding their root keys serves)."""
    path = REPO / "laps-client" / "tests" / "interop" / "lab.py"
    spec = importlib.util.spec_from_file_location("winlaps_lab_data", path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


lab = lab_module()


def skip_or_fail(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (required under CI=true)")
    pytest.skip(reason)


def winlaps_binary() -> Optional[Path]:
    if os.environ.get("WINLAPS_BIN"):
        p = Path(os.environ["WINLAPS_BIN"])
        return p if p.is_file() else None
    target = Path(os.environ.get("CARGO_TARGET_DIR") or REPO / "target")
    found = [target / kind / "winlaps" for kind in ("debug", "release")]
    found = [p for p in found if p.is_file()]
    return max(found, key=lambda p: p.stat().st_mtime) if found else None


def free_port(host: str) -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        port: int = s.getsockname()[1]
        return port


class LabKds:
    """A running ``winlaps kds serve``."""

    def __init__(
        self, binary: Path, directory: Path, *, host: str = HOST, extra: Optional[list[str]] = None
    ) -> None:
        self.host = host
        self.dir = directory
        lab.setup(directory)
        self.vectors: list[dict[str, Any]] = __import__("json").loads((directory / "vectors.json").read_text())
        # dpapi-ng always asks the endpoint mapper on port 135 (root only);
        # WINLAPS_LIVE_EPM_PORT=0 picks a free high port even as root (the non-root setup).
        forced = os.environ.get("WINLAPS_LIVE_EPM_PORT")
        if forced is not None:
            self.epm_port = int(forced) or free_port(host)
        elif extra:
            self.epm_port = free_port(host)
        else:
            self.epm_port = 135 if os.geteuid() == 0 else free_port(host)
        self.port = free_port(host)
        args = [str(binary), "kds", "serve"]
        args += (directory / "root-key-args").read_text().split()
        args += ["--listen", host, "--epm-port", str(self.epm_port), "--port", str(self.port)]
        args += ["--account-file", str(directory / "accounts"), "--stats", *(extra or [])]
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self._calls = 0
        self._lines: list[str] = []
        self._cond = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()
        deadline = time.monotonic() + 20
        with self._cond:
            while not any(line.startswith("listening on") for line in self._lines):
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError("the lab KDS did not start: " + "".join(self._lines))
                self._cond.wait(0.1)

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            with self._cond:
                self._lines.append(line)
                if line.startswith("getkey calls: "):
                    self._calls = int(line.split(":")[1])
                self._cond.notify_all()

    def calls(self) -> int:
        """GetKey calls answered so far, once the counter has been stable for 100 ms (the
        server reports changes every 20 ms)."""
        last, since = -1, time.monotonic()
        while True:
            with self._cond:
                now = self._calls
            if now != last:
                last, since = now, time.monotonic()
            elif time.monotonic() - since > 0.1:
                return now
            time.sleep(0.02)

    @property
    def has_epm_135(self) -> bool:
        return self.epm_port == 135

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()
