"""Process memory: freed memory goes back to the system.

glibc's ``malloc`` serves a block of 128 KiB or more from its own mapping, which ``free`` unmaps, but
after the first such free it raises that threshold to the freed size (up to 32 MiB) and serves later
blocks below it from the heap, where freed memory stays with the process.  At province scale the
transient arrays of one index build (the segment grid of 3 million nodes) then leave about 400 MB
resident for good.  :func:`return_freed_memory` fixes the threshold at 128 KiB, so every large array
(numpy's) is unmapped when freed; small blocks, the hot path's, are unaffected.  Called once per
process, before the network is loaded, by every entry point (the CLI and the served app); a worker
forked from the CLI's process inherits it.
"""

from __future__ import annotations

import ctypes
import sys

#: glibc's mallopt parameter for the size from which a block gets its own mapping.
M_MMAP_THRESHOLD = -3
#: Blocks from this size on are mapped (glibc's initial threshold, kept instead of raised).
MMAP_THRESHOLD = 128 * 1024


def return_freed_memory(threshold: int = MMAP_THRESHOLD) -> bool:
    """Fix glibc's mmap threshold at ``threshold`` bytes; whether it took effect (``False`` off glibc)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # another C library (musl has no mallopt to speak of)
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return bool(mallopt(M_MMAP_THRESHOLD, threshold))


__all__ = ["MMAP_THRESHOLD", "return_freed_memory"]
