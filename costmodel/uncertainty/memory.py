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

:func:`result_rows` allocates a simulation's per-draw result arrays in ordinary 4 KB pages (see there).
"""

from __future__ import annotations

import ctypes
import sys
import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # numpy is imported when first needed: the CLI imports this module before any command
    from numpy.typing import DTypeLike, NDArray

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


HUGE_PAGE_ADVICE_BYTES = 4 * 1024 * 1024
"""numpy asks the kernel for transparent huge pages for arrays of this size and more. [bytes]"""

_advice_lock = threading.Lock()


def _huge_page_switch() -> Any:
    """numpy's switch for its huge-page advice (``_set_madvise_hugepage``, the documented way to turn it
    off besides NUMPY_MADVISE_HUGEPAGE=0), or None where this numpy has none."""
    import numpy as np

    core = getattr(np, "_core", None)
    return getattr(getattr(core, "multiarray", None), "_set_madvise_hugepage", None)


def result_rows(shape: int | tuple[int, ...], dtype: DTypeLike = "float64") -> NDArray[Any]:
    """``np.empty(shape, dtype)`` for a simulation's per-draw results, in ordinary 4 KB pages.

    numpy advises the kernel to back each array of 4 MB or more with 2 MB pages. Where free 2 MB pages
    are scarce (a busy machine: the kernel's default 'madvise' defrag then compacts memory while the
    page is first written), writing the first draws into 1,000,000 youth-work draws' 72 MB of results
    stalled for 0.13-0.14 s of system time in two of four fresh processes (0.02 s in the others); in
    4 KB pages the same writes cost 0.02-0.06 s in each of four (measured 2026-11-27 on the shared
    2-core machine, processes started by one that had run bench_speed's 100,000-draw simulations). So
    the advice is left out for these arrays (under a lock, as numpy's switch is process-wide). Only where memory comes from changes, never a figure; elsewhere (no switch in this
    numpy, or a small array) this is ``np.empty``.
    """
    import numpy as np

    dtype = np.dtype(dtype)
    count = shape if isinstance(shape, int) else int(np.prod(shape))
    switch = _huge_page_switch()
    if switch is None or count * dtype.itemsize < HUGE_PAGE_ADVICE_BYTES:
        return np.empty(shape, dtype=dtype)
    with _advice_lock:
        before = switch(False)
        try:
            return np.empty(shape, dtype=dtype)
        finally:
            switch(before)
