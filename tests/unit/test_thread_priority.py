"""Background threads lower their own priority, once, and never the caller's."""

from __future__ import annotations

import os
import sys
import threading

import pytest

from video_studio.thread_priority import BACKGROUND_NICENESS, lower_current_thread_priority

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="per-thread priority is Linux-only by design"
)


def niceness_seen_by_a_worker(calls: int) -> tuple[int, int]:
    """(niceness after `calls` calls, niceness of a thread that worker starts)."""
    seen: list[int] = []

    def child() -> None:
        seen.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))

    def worker() -> None:
        for _ in range(calls):
            lower_current_thread_priority()
        seen.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))
        inner = threading.Thread(target=child)
        inner.start()
        inner.join()

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    return seen[0], seen[1]


def test_a_worker_yields_to_the_main_thread_and_its_children_inherit_it() -> None:
    main = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    expected = min(19, main + BACKGROUND_NICENESS)
    assert niceness_seen_by_a_worker(1) == (expected, expected)
    assert niceness_seen_by_a_worker(3) == (expected, expected)  # a pooled thread: same
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == main
