"""Keeps the GUI thread answering while workers are busy: the two process-wide settings.

1. The GIL switch interval. A thread waiting for the GIL asks the holder to let go only
   after the interval (5 ms by default), and the GUI thread takes the GIL back after every
   call into Qt, so with a render running each event could wait 5 ms several times over.
   At 1 ms the GUI thread gets it back sooner; workers lose little throughput.
2. Full garbage collections. A generation-2 collection walks every tracked object: with Qt,
   the engine and the models loaded that is 40-80 ms on the GUI thread. Objects that live
   as long as the app (modules, widgets, a project's models) are moved out of the
   collector's view with gc.freeze() once they exist, so later collections only walk what
   was made since. They are still freed by reference counting; only a reference cycle
   that was frozen and later dropped stays until exit, which is why this runs after start-up
   and project opening (widgets and acyclic pydantic models), not on every edit.
"""

from __future__ import annotations

import gc
import sys

GIL_SWITCH_INTERVAL = 0.001  # seconds


def prefer_gui_thread() -> None:
    """Shorten the GIL switch interval (process-wide: call in the GUI process only)."""
    sys.setswitchinterval(GIL_SWITCH_INTERVAL)


def freeze_long_lived_objects() -> None:
    """Move every object tracked now to the permanent generation (cheap: a list splice)."""
    gc.freeze()
