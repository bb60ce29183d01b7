"""cli.memory: large freed arrays go back to the system, in a fresh process each way."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# One 31 MiB array freed (glibc then serves blocks below 31 MiB from its heap), eight 30 MiB arrays
# made, one more kept above them, the eight freed: the RSS growth that stays, in MiB.
SCRIPT = """
import sys
import numpy as np
if sys.argv[1] == "set":
    from cli.memory import return_freed_memory
    assert return_freed_memory()
def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
big = np.ones(31 * 2**20 // 8)
del big
base = rss()
arrays = [np.ones(30 * 2**20 // 8) for _ in range(8)]
kept = np.ones(30 * 2**20 // 8)
del arrays
print(rss() - base)
"""


def _kept_mib(mode: str) -> float:
    out = subprocess.run([sys.executable, "-c", SCRIPT, mode], cwd=ROOT, check=True, capture_output=True, text=True)
    return float(out.stdout.strip())


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc")
def test_freed_large_arrays_are_returned_with_the_threshold_fixed():
    default, fixed = _kept_mib("default"), _kept_mib("set")
    assert default > 200  # glibc's own behaviour: the eight freed arrays stay resident
    assert fixed < 60  # only the kept array (30 MiB) stays


def test_return_freed_memory_says_whether_it_took_effect():
    from cli.memory import return_freed_memory

    assert return_freed_memory() is sys.platform.startswith("linux")
