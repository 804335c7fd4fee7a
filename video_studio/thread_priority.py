"""Background threads give way to the one a person is waiting on.

Renders, generations, imports and thumbnails run on worker threads. On a two-core machine
they would take the CPU (and, through it, the GIL) from the GUI thread in turns of tens of
milliseconds, so a drag or a scrub stutters while an export runs. A worker lowers its own
scheduling priority ("nice") when it starts; threads it creates (render pools, libx264's
own threads) inherit it. Alone on the machine a niced thread runs exactly as fast.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading

BACKGROUND_NICENESS = 10  # added to the thread's niceness (0 normal, 19 lowest)


def lower_current_thread_priority(step: int = BACKGROUND_NICENESS) -> None:
    """Make the calling thread (and the threads it starts) yield to normal-priority ones.

    Linux only: there setpriority() takes a thread id; elsewhere it would renice the whole
    process, so this does nothing. Raising niceness needs no privileges; failures are
    ignored because priority is an optimisation, never a reason for work to fail."""
    if not sys.platform.startswith("linux"):
        return
    thread_id = threading.get_native_id()
    with contextlib.suppress(OSError):
        # Relative to the main thread's (the process's) niceness, so calling it again on a
        # pooled thread changes nothing.
        target = min(19, os.getpriority(os.PRIO_PROCESS, os.getpid()) + step)
        if os.getpriority(os.PRIO_PROCESS, thread_id) < target:
            os.setpriority(os.PRIO_PROCESS, thread_id, target)
