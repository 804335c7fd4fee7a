"""Cold start of the desktop app: from starting the process to the main window on screen,
and on to every panel loaded, side by side with the floor (a bare PySide6 QMainWindow in a
fresh interpreter).

  .venv/bin/python bench/gui_startup.py [--rounds 7] [--project DIR]

Each run is a new process (interpreter start, imports, QApplication, the window with its
panels, the first paint); the parent times it from spawn to the line the child prints when
the window has been exposed and painted. Offscreen platform (this machine has no display).
One uncounted warm-up round, then ours and the floor alternate. Target (issue 5): ours at
most 1.5 s (median).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import textwrap
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OUT = Path(os.environ.get("BENCH_OUT", "/tmp/bench_out"))
TARGET_S = 1.5

# Both children print "shown" once the window has been exposed and one paint went through;
# ours then loads its panels as `video-studio` does and prints "ready" once the event loop is
# free again (the layout and paint events of the panels handled).
_SHOWN = """
from PySide6.QtCore import QObject, QEvent, QTimer

class _Painted(QObject):
    def __init__(self, then):
        super().__init__()
        self.then = then
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint:
            obj.removeEventFilter(self)
            QTimer.singleShot(0, self.then)
        return False
"""

OURS = (
    textwrap.dedent(
        """
        import sys
        from pathlib import Path
        from gui import app as gui_app
        from gui.theme import apply_theme
        from gui.ui_state import UiState
        app = gui_app.create_app(["video-studio"])
        """
    )
    + textwrap.dedent(_SHOWN)
    + textwrap.dedent(
        """
        state = UiState.load()
        apply_theme(app, state.theme)
        window = gui_app.create_main_window(state, load_parts=False)  # as gui.app.run does

        def ready():
            print("ready", flush=True)
            app.quit()

        def shown():
            print("shown", flush=True)
            window.load_parts()
            QTimer.singleShot(0, ready)  # after the layout and paint events it posted

        painted = _Painted(shown)
        window.installEventFilter(painted)
        window.show()
        app.exec()
        window.shutdown()
        """
    )
)

FLOOR = (
    textwrap.dedent(
        """
        from PySide6.QtWidgets import QApplication, QMainWindow, QLabel
        app = QApplication(["floor"])
        """
    )
    + textwrap.dedent(_SHOWN)
    + textwrap.dedent(
        """
        window = QMainWindow()
        window.setCentralWidget(QLabel("floor"))
        window.resize(1280, 800)
        def shown():
            print("shown", flush=True)
            app.quit()

        painted = _Painted(shown)
        window.installEventFilter(painted)
        window.show()
        app.exec()
        """
    )
)


def time_child(code: str, env: dict[str, str]) -> dict[str, float]:
    """Seconds from spawn to each line the child prints ("shown", then maybe "ready")."""
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-c", code],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    marks: dict[str, float] = {}
    for line in child.stdout:
        marks[line.strip()] = time.perf_counter() - started
    _, err = child.communicate(timeout=60)
    if "shown" not in marks or child.returncode != 0:
        raise RuntimeError(f"the child did not show its window ({child.returncode}):\n{err}")
    return marks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(REPO)}
    time_child(OURS, env)  # warm-up: file caches, font cache, compiled bytecode
    time_child(FLOOR, env)
    ours, ready, floor = [], [], []
    for number in range(args.rounds):
        marks = time_child(OURS, env)
        ours.append(marks["shown"])
        ready.append(marks["ready"])
        floor.append(time_child(FLOOR, env)["shown"])
        print(
            f"round {number + 1}: ours shown {ours[-1]:.3f} s, every panel {ready[-1]:.3f} s; "
            f"floor {floor[-1]:.3f} s"
        )
    ratios = [a / b for a, b in zip(ours, floor, strict=True)]
    result = {
        "ours_s": ours,
        "ours_ready_s": ready,
        "floor_s": floor,
        "ours_median_s": statistics.median(ours),
        "ours_ready_median_s": statistics.median(ready),
        "floor_median_s": statistics.median(floor),
        "ratio_median": statistics.median(ratios),
        "target_s": TARGET_S,
        "holds": statistics.median(ours) <= TARGET_S,
    }
    target = OUT / "results" / "gui_startup.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(result, indent=1))
    print(
        f"cold start to a shown window: ours {result['ours_median_s']:.3f} s median (every "
        f"panel loaded at {result['ours_ready_median_s']:.3f} s), floor "
        f"(bare PySide6 window) {result['floor_median_s']:.3f} s, ratio "
        f"{result['ratio_median']:.2f}; target <= {TARGET_S} s: "
        f"{'holds' if result['holds'] else 'MISSED'}; {target}"
    )


if __name__ == "__main__":
    main()
