"""The real window on a real X server: Xvfb, Qt's xcb platform, a screenshot of the screen.

The offscreen tests cannot catch a window that never reaches a display (missing xcb
libraries, a platform check that refuses a working display, a window that is not shown), so
this one starts the app the way a user's desktop does, in a subprocess, and looks at the
pixels on the X screen.
"""

from __future__ import annotations

import json
import os
import re
import shutil

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from PySide6.QtGui import QColor, QImage

from gui.platform_check import x_display_accepts_connection
from tests.xvfb import MISSING_MESSAGE, SCREEN_SIZE, xvfb_display

REPO_ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.xvfb, pytest.mark.timeout(120)]

# Runs in the subprocess: shows the real main window, grabs the whole screen into argv[1],
# and prints one JSON line describing what it saw.
SHOW_AND_GRAB = textwrap.dedent(
    """
    import json, sys, time
    from pathlib import Path
    from PySide6.QtCore import QPoint
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtTest import QTest

    from gui.app import create_app, create_main_window, find_platform_problem, open_in_window
    from gui.theme import apply_theme
    from gui.ui_state import UiState
    from video_studio.project_from_script import project_from_script
    from video_studio.resources import demo_dir

    shot_path, work = Path(sys.argv[1]), Path(sys.argv[2])
    problem = find_platform_problem()
    app = create_app(["video-studio"])
    apply_theme(app, "dark")
    project = project_from_script(demo_dir() / "demo.yaml", work / "AURA demo")
    window = create_main_window(UiState(path=work / "ui-state.json"))
    window.show()
    exposed = QTest.qWaitForWindowExposed(window, 10000)
    opened = open_in_window(window, project.folder)
    session = window.services.session
    scenes = session.document.storyboard.scenes
    session.select_scenes([scenes[0].id])
    session.set_playhead(4.0)
    bin_model = window.panels["image_bin"].model
    preview = window.panels["preview"]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not (
        bin_model.thumbnail_count() >= 5 and preview.last_frame_time == 4.0
    ):
        QTest.qWait(100)
    QTest.qWait(800)  # the timeline and the inspector's picture arrive too
    screen = QGuiApplication.primaryScreen()
    shot = screen.grabWindow(0)
    saved = shot.save(str(shot_path), "PNG")
    top_left = window.mapToGlobal(QPoint(0, 0))
    window.frameGeometry()
    crop = shot.copy(top_left.x(), top_left.y(), window.width(), window.height())
    crop.save(str(shot_path.with_name("window.png")), "PNG")
    print(json.dumps({
        "platform": QGuiApplication.platformName(),
        "platform_problem": problem,
        "exposed": exposed,
        "opened": opened,
        "saved": saved,
        "title": window.windowTitle(),
        "thumbnails": bin_model.thumbnail_count(),
        "preview_frame": preview.last_frame_time,
        "window": [top_left.x(), top_left.y(), window.width(), window.height()],
        "screen": [screen.size().width(), screen.size().height()],
    }))
    window.close()
    sys.exit(0 if exposed and saved else 3)
    """
)


def is_black(color: QColor) -> bool:
    return color.red() == 0 and color.green() == 0 and color.blue() == 0


def sample_points(x: int, y: int, width: int, height: int, step: int = 20) -> list[tuple[int, int]]:
    return [
        (px, py)
        for px in range(x + 2, x + width - 2, step)
        for py in range(y + 2, y + height - 2, step)
    ]


def test_real_window_is_visible_on_an_x_screen(tmp_path: Path) -> None:
    screenshot = tmp_path / "screen.png"
    started = time.monotonic()
    with xvfb_display() as display:
        env = {
            name: value
            for name, value in os.environ.items()
            if name not in ("WAYLAND_DISPLAY", "WAYLAND_SOCKET", "XDG_SESSION_TYPE")
        }
        env.update({"DISPLAY": display, "QT_QPA_PLATFORM": "xcb"})
        result = subprocess.run(
            [sys.executable, "-c", SHOW_AND_GRAB, str(screenshot), str(tmp_path)],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=REPO_ROOT,
            env=env,
            check=False,
        )
    elapsed = time.monotonic() - started
    assert result.returncode == 0, f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["platform"] == "xcb"
    assert report["platform_problem"] is None
    assert report["exposed"] is True
    assert report["opened"] is True
    assert report["title"] == "AURA Radiance Serum[*] — Video Studio"
    assert report["thumbnails"] >= 5 and report["preview_frame"] == 4.0
    assert report["screen"] == list(SCREEN_SIZE)

    assert screenshot.is_file()
    image = QImage(str(screenshot))
    assert not image.isNull()
    assert (image.width(), image.height()) == SCREEN_SIZE

    x, y, width, height = report["window"]
    assert (width, height) == (1280, 800)  # the default size fits a 1600x1000 screen
    assert x >= 0 and y >= 0 and x + width <= image.width() and y + height <= image.height()
    inside = [image.pixelColor(px, py) for px, py in sample_points(x, y, width, height)]
    lit = sum(not is_black(color) for color in inside)
    # Dark theme and a letterboxed preview: most of the window is drawn, not all of it.
    assert lit >= 0.75 * len(inside), f"only {lit} of {len(inside)} window pixels are drawn"
    # Outside the window, the bare X root window stays black: the grab is the whole screen.
    outside = [
        image.pixelColor(px, py)
        for px, py in sample_points(0, 0, image.width(), image.height(), step=50)
        if not (x - 2 <= px < x + width + 2 and y - 2 <= py < y + height + 2)
    ]
    assert outside
    assert all(is_black(color) for color in outside)
    distinct = {image.pixelColor(px, py).rgb() for px, py in sample_points(x, y, width, height, 7)}
    assert len(distinct) >= 50, "the window shows no pictures"
    # The screenshot of the real window for the README and the guide, when asked for.
    docs = os.environ.get("VS_SCREENSHOT_DIR")
    if docs:
        shutil.copyfile(tmp_path / "window.png", Path(docs) / "screenshot.png")
    print(f"Xvfb window test took {elapsed:.2f} s")


def test_xvfb_helper_starts_a_server_and_stops_it() -> None:
    with xvfb_display() as display:
        assert display.startswith(":")
        assert display[1:].isdigit()
        assert x_display_accepts_connection(display)
    assert not x_display_accepts_connection(display)


def test_xvfb_helper_fails_loudly_without_xvfb(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # a folder without Xvfb in it
    with (
        pytest.raises(pytest.fail.Exception, match=re.escape(MISSING_MESSAGE)),
        xvfb_display(),
    ):
        raise AssertionError("unreachable: the helper must fail before yielding")
    assert MISSING_MESSAGE == "Xvfb is missing: run ./test.sh, which installs it via apt"
