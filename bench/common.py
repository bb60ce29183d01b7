"""Shared helpers of every benchmark in ``bench/``: figures, statistics, memory, results.

A benchmark module ``bench/bench_<name>.py`` exposes ``NAME`` and
``run(quick=False) -> list[dict]``; each dict comes from :func:`figure`.
``python -m bench.run`` runs them, prints them with :func:`print_figures`
and writes ``bench/results/<name>.json`` with :func:`write_results`.
Benchmarks measure and report; they never assert a timing.
"""

from __future__ import annotations

import datetime as _dt
import gc
import importlib
import json
import math
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
RESULTS_DIR = BENCH_DIR / "results"
#: Networks built for benchmarks are cached here (keyed by a hash of the source file).
NETWORK_CACHE = ROOT / ".cache" / "bench-networks"
#: The real extracts (``../shared/data`` beside the project, as in the tests).
SHARED_DATA = Path(os.environ.get("BAOTONG_SHARED_DATA", ROOT.parent / "shared" / "data"))


# ----------------------------------------------------------------------------------
# Figures
# ----------------------------------------------------------------------------------
def figure(
    benchmark: str,
    graph: str,
    engine: str,
    metric: str,
    unit: str,
    value: float | None,
    baseline: float | None = None,
    baseline_engine: str = "networkx",
    n: int | None = None,
    notes: str = "",
) -> dict:
    """One benchmark figure.

    ``ratio`` is ``baseline / value`` when both are given and positive -- for
    a time or a memory size, "how many times faster (smaller) than the
    baseline" -- and ``None`` otherwise.
    """
    ratio = None
    if value is not None and baseline is not None and value > 0 and baseline > 0:
        ratio = baseline / value
    return {
        "benchmark": benchmark,
        "graph": graph,
        "engine": engine,
        "metric": metric,
        "unit": unit,
        "value": None if value is None else float(value),
        "baseline": None if baseline is None else float(baseline),
        "baseline_engine": baseline_engine if baseline is not None else None,
        "ratio": ratio,
        "n": n,
        "notes": notes,
    }


def percentile(samples: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0..100) of ``samples``, linear interpolation (numpy's default)."""
    if not samples:
        raise ValueError("percentile of no samples")
    if not 0 <= q <= 100:
        raise ValueError(f"`q` was {q!r}; expected 0..100")
    xs = sorted(float(s) for s in samples)
    pos = (len(xs) - 1) * q / 100.0
    lo = math.floor(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def median_ms(samples: Sequence[float]) -> float:
    """The median of samples given in seconds, in milliseconds."""
    return percentile(samples, 50) * 1000.0


def timed(fn: Callable, *args, **kwargs) -> tuple[float, object]:
    """``(seconds, result)`` of one call (``time.perf_counter``)."""
    started = time.perf_counter()
    out = fn(*args, **kwargs)
    return time.perf_counter() - started, out


# ----------------------------------------------------------------------------------
# Peak memory
# ----------------------------------------------------------------------------------
#: How :func:`peak_memory` measures (quoted in the figures' notes).  A fresh
#: subprocess loads the input, resets the kernel's peak-RSS mark
#: (``/proc/self/clear_refs`` 5), runs the build and reports ``VmHWM`` after it
#: minus ``VmRSS`` before it: native (C++, numpy, scipy) allocations count, which
#: ``tracemalloc`` would miss.
PEAK_MEMORY_NOTES = "peak RSS growth of the build (VmHWM after - VmRSS before, peak reset) in a fresh subprocess"


def _proc_status_kb() -> dict[str, int]:
    out = {}
    with open("/proc/self/status") as fh:
        for line in fh:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(rest.split()[0])
    return out


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def _resolve(target: str) -> Callable:
    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(module), attr)


def _peak_memory_child(spec_json: str) -> None:
    """Entry point of the subprocess started by :func:`peak_memory`."""
    spec = json.loads(spec_json)
    setup, build = _resolve(spec["setup"]), _resolve(spec["build"])
    state = setup(*spec["args"])
    gc.collect()
    reset = _reset_peak()
    before = _proc_status_kb()
    started = time.perf_counter()
    result = build(state)
    seconds = time.perf_counter() - started
    after = _proc_status_kb()
    baseline_kb = before["VmRSS"] if reset else before["VmHWM"]
    print(
        json.dumps(
            {
                "rss_before_mb": before["VmRSS"] / 1024,
                "peak_mb": after["VmHWM"] / 1024,
                "delta_mb": max(0, after["VmHWM"] - baseline_kb) / 1024,
                "reset_ok": reset,
                "seconds": seconds,
            }
        )
    )
    del result


def peak_memory(setup: str, build: str, *args, timeout_s: float = 900) -> dict:
    """Peak memory of ``build(setup(*args))`` measured in a fresh Python subprocess.

    ``setup`` and ``build`` are ``"module:function"`` names; ``args`` must be
    JSON-serialisable.  ``setup`` loads the input (not measured); the
    subprocess then resets the kernel's peak-RSS mark, runs ``build`` and
    reads ``VmHWM`` from ``/proc/self/status``.  Returns ``rss_before_mb``,
    ``peak_mb``, ``delta_mb`` (the build's peak growth), ``reset_ok`` and the
    build's ``seconds``.  ``tracemalloc`` would miss the native allocations
    of scipy and the CCH, hence a process-level measure (see
    :data:`PEAK_MEMORY_NOTES`).

    Raises
    ------
    RuntimeError
        If the subprocess fails.
    """
    spec = json.dumps({"setup": setup, "build": build, "args": list(args)})
    code = "import sys; from bench.common import _peak_memory_child; _peak_memory_child(sys.argv[1])"
    proc = subprocess.run(
        [sys.executable, "-c", code, spec], cwd=ROOT, capture_output=True, text=True, timeout=timeout_s
    )
    if proc.returncode != 0:
        raise RuntimeError(f"peak-memory subprocess for {build} failed:\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


# ----------------------------------------------------------------------------------
# Output
# ----------------------------------------------------------------------------------
def machine() -> dict:
    return {
        "nproc": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        # other work on a shared machine skews timings: say how busy it was
        "loadavg": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
    }


def write_results(name: str, figures: list[dict], *, folder: Path | str | None = None) -> Path:
    """Write ``bench/results/<name>.json`` and return its path."""
    out_dir = Path(folder) if folder is not None else RESULTS_DIR
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{name}.json"
    doc = {
        "benchmark": name,
        "date": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "figures": figures,
    }
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(doc, indent=2, default=_json_default) + "\n")
    os.replace(tmp, path)
    return path


def _json_default(value):
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _fmt(value: float | None) -> str:
    if value is None:
        return "-"
    if value == 0:
        return "0"
    a = abs(value)
    if a >= 100:
        return f"{value:,.0f}"
    if a >= 1:
        return f"{value:.2f}"
    if a >= 0.01:
        return f"{value:.3f}"
    return f"{value:.2e}"


def format_figures(figures: list[dict]) -> list[str]:
    """One aligned line per figure: metric, graph, engine, value+unit, baseline, ratio (notes after)."""
    rows = []
    for f in figures:
        unit = f.get("unit") or ""
        base = "-" if f.get("baseline") is None else f"{_fmt(f['baseline'])} {unit} ({f.get('baseline_engine')})"
        ratio = "-" if f.get("ratio") is None else f"{f['ratio']:,.1f}x"
        rows.append(
            [
                f["metric"],
                f["graph"],
                f["engine"],
                f"{_fmt(f.get('value'))} {unit}",
                base,
                ratio,
                f"n={f['n']}" if f.get("n") is not None else "",
                f.get("notes") or "",
            ]
        )
    if not rows:
        return []
    widths = [max(len(r[i]) for r in rows) for i in range(6)]
    lines = []
    for r in rows:
        cells = [
            r[0].ljust(widths[0]),
            r[1].ljust(widths[1]),
            r[2].ljust(widths[2]),
            r[3].rjust(widths[3]),
            "baseline " + r[4].rjust(widths[4]),
            "ratio " + r[5].rjust(widths[5]),
        ]
        tail = "  ".join(x for x in (r[6], r[7]) if x)
        lines.append("  ".join(cells) + (f"  {tail}" if tail else ""))
    return lines


def print_figures(figures: list[dict], *, file=None) -> None:
    """Print :func:`format_figures` lines."""
    for line in format_figures(figures):
        print(line, file=file or sys.stdout, flush=True)


# ----------------------------------------------------------------------------------
# A real server for the HTTP benchmarks
# ----------------------------------------------------------------------------------
def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


_WRK_SCRIPT = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer %(token)s"
local bodies = { %(bodies)s }
local i = 0
request = function()
  i = i + 1
  return wrk.format(nil, "%(path)s", nil, bodies[(i %% #bodies) + 1])
end
done = function(summary, latency, requests)
  io.write(string.format('{"requests": %%d, "duration_us": %%d, "p50_us": %%d, "p99_us": %%d, "status_errors": %%d, '
    .. '"socket_errors": %%d}\\n', summary.requests, summary.duration, latency:percentile(50),
    latency:percentile(99), summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
"""


def wrk_script(folder: Path, path: str, token: str, bodies: list[dict]) -> Path:
    """A ``wrk`` Lua script POSTing ``bodies`` in turn to ``path`` with a bearer token; prints a JSON summary."""
    text = _WRK_SCRIPT % {
        "token": token,
        "path": path,
        "bodies": ", ".join("[[" + json.dumps(b) + "]]" for b in bodies),
    }
    out = Path(folder) / (path.strip("/").replace("/", "_") + ".lua")
    out.write_text(text)
    return out


def wrk_start(base: str, script: Path, *, connections: int, duration_s: float) -> subprocess.Popen:
    """Start ``wrk`` (one thread, ``connections`` keep-alive connections, a fixed duration) on ``script``."""
    return subprocess.Popen(
        ["wrk", "-t1", f"-c{connections}", f"-d{int(duration_s)}s", "--timeout", "10s", "-s", str(script), base],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def wrk_result(proc: subprocess.Popen, duration_s: float, label: str) -> dict:
    """Wait for a ``wrk`` started by :func:`wrk_start`; its summary (requests, duration, p50/p99 in us, errors).

    Raises
    ------
    RuntimeError
        If ``wrk`` failed or printed no summary.
    """
    text, _ = proc.communicate(timeout=duration_s + 120)
    line = [ln for ln in text.splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not line:
        raise RuntimeError(f"wrk ({label}) failed: {text[-1000:]}")
    return json.loads(line[-1])


class served:
    """``with served(network, *, workers, database_url) as (base_url, tokens):`` runs ``baotong serve``.

    A subprocess on a free loopback port with a temporary data directory (under ``data_root``, default
    the system's temporary folder), no demo
    scenario, dev mode (so it prints one demo token per role, returned as
    ``tokens``); stopped (SIGTERM to its process group) when the block ends.
    """

    def __init__(
        self,
        network: str,
        *,
        workers: int = 1,
        database_url: str | None = None,
        timeout_s: float = 300,
        cache_dir: Path | None = None,
        data_root: Path | None = None,
    ):
        self.network, self.workers, self.database_url, self.timeout_s = network, workers, database_url, timeout_s
        self.cache_dir = cache_dir or NETWORK_CACHE
        self.data_root = data_root

    def __enter__(self) -> tuple[str, dict[str, str]]:
        import signal
        import tempfile

        import httpx

        self._tmp = tempfile.TemporaryDirectory(prefix="baotong-bench-", dir=self.data_root)
        data_dir = Path(self._tmp.name)
        log = data_dir / "server.log"
        env = {
            **os.environ,
            "BAOTONG_DATA_DIR": str(data_dir),
            "BAOTONG_CACHE_DIR": str(self.cache_dir),
            "BAOTONG_NETWORK": self.network,
            "BAOTONG_SCENARIO": str(data_dir / "none.geojson"),
        }
        if self.database_url:
            env["BAOTONG_DATABASE_URL"] = self.database_url
        port = _free_port()
        with log.open("w") as out:  # the server keeps its own descriptor of the log
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "cli.main", "serve", "--port", str(port), "--workers", str(self.workers)],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + self.timeout_s
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {log.read_text()[-2000:]}")
            try:
                if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                os.killpg(self.proc.pid, signal.SIGTERM)
                raise RuntimeError(f"server did not start within {self.timeout_s} s: {log.read_text()[-2000:]}")
            time.sleep(0.2)
        tokens = {}
        for line in log.read_text().splitlines():
            parts = line.split()
            if line.startswith("  ") and len(parts) == 2 and len(parts[1]) > 30:
                tokens[parts[0]] = parts[1]
        return base, tokens

    def __exit__(self, *exc) -> None:
        import signal

        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=60)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=60)
        self._tmp.cleanup()


#: Debian's Chromium, which the browser benchmarks drive (headless, every non-local request aborted).
CHROMIUM = Path("/usr/bin/chromium")


def only_local(page) -> None:
    """Abort every request ``page`` makes that is not to the local server (the bureau's intranet has no internet)."""
    page.route(
        "**/*",
        lambda route, request: (
            route.continue_() if request.url.startswith(("http://127.0.0.1", "data:", "blob:")) else route.abort()
        ),
    )


class chromium:
    """``with chromium() as browser:`` Debian's Chromium, headless, through Playwright; closed when the block ends."""

    def __enter__(self):
        from playwright.sync_api import sync_playwright

        self._pw = sync_playwright().start()
        self.browser = self._pw.chromium.launch(
            executable_path=str(CHROMIUM), args=["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
        )
        return self.browser

    def __exit__(self, *exc) -> None:
        try:
            self.browser.close()
        finally:
            self._pw.stop()
