"""How the C allocator keeps the memory that batched evaluation frees (glibc only; a no-op elsewhere).

The Monte Carlo and the stacked sensitivity cases evaluate chunks of draws whose numpy temporaries are
a few hundred kilobytes to a few megabytes each. glibc serves blocks that large with ``mmap`` and hands
them back to the system on ``free``, so every temporary of every chunk is faulted in afresh, page by page:
for the 100-cost-line x 100-outcome proposal that is ~200,000 page faults per 10,000 draws, about half
of the simulation's CPU time (benchmarks/bench_speed.py). :func:`keep_freed_memory` asks the allocator
to serve such blocks from its heap and keep freed memory for the next chunk.

It changes only where memory comes from, never a figure. The CLI's ``main`` calls it; a program that
embeds costmodel (the app's launcher, a notebook, a benchmark) may call it too. It is a process-wide
setting, so the library's functions never call it behind their caller's back.
"""

from __future__ import annotations

import ctypes
import sys

MMAP_THRESHOLD_BYTES = 32 * 1024 * 1024
"""Blocks below this come from the heap, not from a fresh ``mmap`` (glibc's own ceiling for it). [bytes]"""
TRIM_THRESHOLD_BYTES = 256 * 1024 * 1024
"""Free memory at the top of the heap kept for reuse, not returned to the system, up to this. [bytes]"""

_M_TRIM_THRESHOLD = -1  # glibc's <malloc.h> parameter numbers
_M_MMAP_THRESHOLD = -3

_done = False


def _libc() -> ctypes.CDLL:
    """The C library: glibc by its name on Linux, else whatever ``find_library`` finds.

    ``ctypes.util.find_library`` runs ``ldconfig -p`` in a subprocess (~8 ms, a third of a cold
    ``costmodel run``'s own work), so it is asked only when the usual name does not load."""
    try:
        return ctypes.CDLL("libc.so.6")
    except OSError:
        from ctypes.util import find_library

        return ctypes.CDLL(find_library("c") or "libc.so.6")


def keep_freed_memory() -> bool:
    """Set the allocator's thresholds (once per process). Returns whether they are set (glibc Linux)."""
    global _done
    if _done:
        return True
    if not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = _libc().mallopt
    except (OSError, AttributeError):  # not glibc (musl has no mallopt)
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    _done = bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)) and bool(
        mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES)
    )
    return _done
