"""Start the real service (``baotong serve``) as a subprocess on a free loopback port."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from tests._data import NETWORK_CACHE

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    base_url: str
    process: subprocess.Popen
    output: Path

    def demo_users(self) -> dict[str, dict[str, str]]:
        """The demo sign-ins (name, password, token per role) dev mode keeps in the data dir."""
        import json

        return json.loads((self.output.parent / "demo-users.json").read_text())

    def tokens(self) -> dict[str, str]:
        """The demo tokens the server printed at start."""
        out = {}
        for line in self.output.read_text().splitlines():
            parts = line.split()
            if len(parts) == 2 and line.startswith("  ") and len(parts[1]) > 30:
                out[parts[0]] = parts[1]
        return out


@contextlib.contextmanager
def running_server(
    data_dir: Path,
    *,
    network: str = "default",
    env: dict | None = None,
    workers: int = 1,
    timeout_s: float = 120.0,
    port: int | None = None,
) -> Iterator[Server]:
    """Run ``baotong serve`` until the block ends (SIGTERM, then SIGKILL), on ``port`` (default: a free one)."""
    port = port or free_port()
    log = data_dir / f"server-{port}.log"
    full_env = {
        **os.environ,
        "BAOTONG_DATA_DIR": str(data_dir),
        "BAOTONG_CACHE_DIR": str(NETWORK_CACHE),
        "BAOTONG_NETWORK": network,
        **(env or {}),
    }
    cmd = [
        sys.executable,
        "-m",
        "cli.main",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]
    with log.open("w") as fh:
        proc = subprocess.Popen(
            cmd, cwd=ROOT, env=full_env, stdout=fh, stderr=subprocess.STDOUT, start_new_session=True
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout_s
    try:
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
            try:
                if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"server did not answer within {timeout_s} s:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
        yield Server(base, proc, log)
    finally:
        kill(proc, signal.SIGTERM)


def kill(proc: subprocess.Popen, sig: int = signal.SIGKILL) -> None:
    """Send ``sig`` to the server's whole process group and reap it."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=15)


def pass_request(
    client: httpx.Client, headers: dict, *, name: str, plate: str, origin: list[float], destination: list[float]
) -> dict:
    """Register a whitelist enterprise at ``origin`` with a vehicle and a freshly tested driver (``headers``:
    role -> auth header); the ``POST /passes`` body for a trip from there to ``destination``."""
    site = client.post(
        "/sites",
        headers=headers["planner"],
        json={
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": origin},
            "properties": {"kind": "enterprise", "name": name, "whitelist": True},
        },
    ).json()["id"]
    vehicle = client.post(f"/sites/{site}/vehicles", headers=headers["planner"], json={"plate": plate}).json()["id"]
    crew = client.post(
        f"/sites/{site}/crew",
        headers=headers["planner"],
        json={
            "name": "王五",
            "id_last4": "0042",
            "role": "driver",
            "tested_at": (datetime.now(UTC) - timedelta(hours=2)).isoformat(),
        },
    ).json()["id"]
    return {
        "enterprise_id": site,
        "vehicle_id": vehicle,
        "crew_ids": [crew],
        "cargo": "medical supplies",
        "origin_site_id": site,
        "destination": destination,
        "valid_until": (datetime.now(UTC) + timedelta(hours=12)).isoformat(),
    }
