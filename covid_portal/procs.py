"""Helpers for the worker processes the portal starts (query workers, load producers)."""

from __future__ import annotations

import contextlib
import signal


def die_with_parent() -> None:
    """Linux: get SIGKILL when the parent process dies, so a killed server or load leaves no orphans.

    (The parent of a forkserver child is the fork server, which exits when its own parent does.)
    """
    with contextlib.suppress(OSError, AttributeError):
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
