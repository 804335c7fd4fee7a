"""Emulator tests: the fixtures, and a guard that no test leaves a thread or socket behind."""

from __future__ import annotations

import gc
import os
import threading
from collections.abc import Iterator

import pytest

from tests.emulators.fixtures import (  # noqa: F401  (fixtures, also a plugin for the suite)
    fal_emulator,
    image_host,
    luma_emulator,
    runway_emulator,
)

# fal_client keeps a module-wide ThreadPoolExecutor whose idle workers outlive any test.
_FOREIGN_THREADS = ("ThreadPoolExecutor",)


def open_sockets() -> set[str]:
    """The socket inodes this process holds open (Linux /proc)."""
    found: set[str] = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:"):
            found.add(target)
    return found


@pytest.fixture(autouse=True)
def _no_leaks() -> Iterator[None]:
    threads_before = set(threading.enumerate())
    sockets_before = open_sockets()
    yield
    leaked_threads = [
        t.name
        for t in threading.enumerate()
        if t not in threads_before and t.is_alive() and not t.name.startswith(_FOREIGN_THREADS)
    ]
    assert not leaked_threads, f"threads left running: {leaked_threads}"
    if open_sockets() - sockets_before:
        gc.collect()  # only sockets no one can reach any more may close here; then it is a leak
    leaked_sockets = open_sockets() - sockets_before
    assert not leaked_sockets, f"sockets left open: {leaked_sockets}"
