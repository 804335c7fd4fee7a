"""Screenshots of the real app for the user guide, written to docs/guide/images/*.png.

    .venv/bin/python scripts/make_guide_screenshots.py [--out docs/guide/images]

Starts a virtual X server (tests/xvfb.py), runs the app on it in a child process (Qt's xcb
platform, the dark theme, a throwaway home folder so that no one's settings, API keys or
projects show), drives it the way a designer does (a new project, photos dropped on the
Image Bin, scenes added to the timeline, a motion picked in the Inspector, File > Export
Video..., the demo project, Edit > Settings..., generations in the Tasks dock) and grabs
the X screen at each step, as tests/gui/test_real_window_xvfb.py does. Takes about a
minute; the child prints one line per picture.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar, cast

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # run as a file: the repository's packages
    sys.path.insert(0, str(REPO_ROOT))

import numpy as np  # noqa: E402
from PIL import Image, ImageOps  # noqa: E402
from PySide6.QtCore import QPoint, Qt  # noqa: E402
from PySide6.QtGui import (  # noqa: E402
    QGuiApplication,
    QImage,
)
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QWidget  # noqa: E402

from gui.app import (  # noqa: E402
    create_app,
    create_main_window,
    find_platform_problem,
    open_in_window,
    project_actions,
)
from gui.dialogs.export_dialog import ExportController  # noqa: E402
from gui.dialogs.settings_dialog import SettingsController  # noqa: E402
from gui.docks.image_bin import ImageBinPanel  # noqa: E402
from gui.docks.inspector import InspectorPanel  # noqa: E402
from gui.docks.preview import PreviewPanel  # noqa: E402
from gui.docks.tasks import TasksPanel  # noqa: E402
from gui.theme import apply_theme  # noqa: E402
from gui.ui_state import UiState  # noqa: E402
from tests.qt_drops import drop, file_mime  # noqa: E402
from tests.xvfb import SCREEN_SIZE, xvfb_display  # noqa: E402
from video_studio import edits  # noqa: E402
from video_studio.project_from_script import project_from_script  # noqa: E402
from video_studio.resources import demo_dir  # noqa: E402

DEFAULT_OUT = REPO_ROOT / "docs" / "guide" / "images"
MAX_PNG_BYTES = 300 * 1024
# The photos of the getting-started walk-through, from the bundled demo media.
WALKTHROUGH_PHOTOS = (
    "serum_studio.jpg",
    "gift_box.jpg",
    "serum_lifestyle.jpg",
    "wristwatch.jpg",
    "ceramic_mug.jpg",
)
# Every picture the guide shows, in the order they are taken.
SHOTS = (
    "first-video-bin.png",
    "first-video-timeline.png",
    "first-video-inspector.png",
    "export-dialog.png",
    "main-window.png",
    "inspector-motion.png",
    "settings-api-keys.png",
    "tasks.png",
    "tasks-monitoring.png",
)
INSPECTOR_WIDTH = 380  # pixels: wide enough for every field of the Inspector
# Made up, so that the Settings picture shows a key that is set (as dots) beside the others.
EXAMPLE_LUMA_KEY = "luma-example-0000-for-the-guide-screenshot"
_T = TypeVar("_T")


# --- the parent: Xvfb and the child process ---------------------------------------------------


def child_environment(display: str, home: Path) -> dict[str, str]:
    """The environment of the app: the X display, a fresh home (config, data, cache, state
    and the Videos folder under it), no keyring (keys go to the owner-only config file, the
    same on every machine), and none of the caller's VIDEO_STUDIO_* settings."""
    dropped = ("WAYLAND_DISPLAY", "WAYLAND_SOCKET", "XDG_SESSION_TYPE")
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in dropped and not name.startswith(("VIDEO_STUDIO_", "XDG_"))
    }
    env.update(
        {
            "DISPLAY": display,
            "QT_QPA_PLATFORM": "xcb",
            "HOME": str(home),
            "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
            "PYTHONPATH": str(REPO_ROOT),
        }
    )
    return env


def make_screenshots(out: Path) -> list[Path]:
    """Run the app under Xvfb and write every picture of SHOTS into `out`."""
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="vs-guide-"))
    try:
        home = work / "designer"
        (home / "Videos").mkdir(parents=True)
        config_folder = home / ".config" / "video-studio"
        config_folder.mkdir(parents=True)
        (config_folder / "config.yaml").write_text(
            f"models:\n  luma:\n    api_key: {EXAMPLE_LUMA_KEY}\n", encoding="utf-8"
        )
        with xvfb_display(SCREEN_SIZE) as display:
            result = subprocess.run(
                [sys.executable, str(Path(__file__).resolve()), "--child", str(out), str(work)],
                cwd=REPO_ROOT,
                env=child_environment(display, home),
                timeout=600,
                check=False,
            )
        if result.returncode != 0:
            raise SystemExit(f"the app under Xvfb failed (exit {result.returncode})")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return [out / name for name in SHOTS]


# --- the child: the app on the X display ---------------------------------------------------------


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"waited {timeout:g} s for {what}")
        QTest.qWait(50)


def settle(ms: int = 600) -> None:
    """Let pending paints, thumbnails and preview frames arrive."""
    QTest.qWait(ms)


def png_bytes(image: QImage) -> bytes:
    """`image` as an optimised PNG of at most MAX_PNG_BYTES where possible: each colour
    channel is cut to 7, then 6 bits only when the picture would be larger (invisible on
    the window's flat colours; photos and previews keep their look)."""
    rgb = image.convertToFormat(QImage.Format.Format_RGB888)
    rows = np.frombuffer(rgb.constBits(), np.uint8).reshape(rgb.height(), rgb.bytesPerLine())
    picture = Image.fromarray(
        np.ascontiguousarray(rows[:, : rgb.width() * 3]).reshape(rgb.height(), rgb.width(), 3)
    )
    data = b""
    for bits in (8, 7, 6):
        reduced = picture if bits == 8 else ImageOps.posterize(picture, bits)
        out = io.BytesIO()
        reduced.save(out, "PNG", optimize=True)
        data = out.getvalue()
        if len(data) <= MAX_PNG_BYTES:
            break
    return data


def grab(widget: QWidget, path: Path, *, height: int | None = None) -> None:
    """The X screen's pixels where `widget` is (its top `height` pixels, if given)."""
    settle()
    screen = QGuiApplication.primaryScreen()
    shot = screen.grabWindow(0)
    top_left = widget.mapToGlobal(QPoint(0, 0))
    shown = widget.height() if height is None else min(height, widget.height())
    crop = shot.copy(top_left.x(), top_left.y(), widget.width(), shown)
    data = png_bytes(crop.toImage())
    path.write_bytes(data)
    print(
        json.dumps({"shot": path.name, "size": [crop.width(), crop.height()], "bytes": len(data)})
    )
    sys.stdout.flush()


def drag(target: QWidget, start: QPoint, end: QPoint, steps: int = 10) -> None:
    """A left-button drag with the mouse, in small moves."""
    button, keys = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    QTest.mousePress(target, button, keys, start)
    for step in range(1, steps + 1):
        QTest.mouseMove(target, start + (end - start) * (step / steps))
        QTest.qWait(20)
    QTest.mouseRelease(target, button, keys, end)


class AppTour:
    """The real app on the X display, driven step by step; each step grabs its pictures."""

    def __init__(self, out: Path, work: Path) -> None:
        self.out, self.work = out, work
        self.app = create_app(["video-studio"])
        apply_theme(self.app, "dark")
        self.window = create_main_window(UiState(path=work / "ui-state.json"))
        self.window.show()
        if not QTest.qWaitForWindowExposed(self.window, 10_000):
            raise RuntimeError("the window was never shown")
        self.session = self.window.services.session
        self.actions = self.window.services.actions
        panels = self.window.panels
        self.bin = cast(ImageBinPanel, panels["image_bin"])
        self.inspector = cast(InspectorPanel, panels["inspector"])
        self.preview = cast(PreviewPanel, panels["preview"])
        self.tasks = cast(TasksPanel, panels["tasks"])
        # The Inspector as wide as its fields (a fresh window starts it narrower, cutting
        # them off on the right); a designer drags the splitter the same way.
        inspector_dock = self.window.docks["inspector"]
        self.window.resizeDocks([inspector_dock], [INSPECTOR_WIDTH], Qt.Orientation.Horizontal)

    def controller(self, kind: type[_T]) -> _T:
        return next(c for c in self.window.controllers if isinstance(c, kind))

    def shot(self, widget: QWidget, name: str, *, height: int | None = None) -> None:
        grab(widget, self.out / name, height=height)

    def new_project_with_photos(self) -> None:
        """A new project, and five photos dropped from the file manager on the Image Bin."""
        actions = project_actions(self.window)
        assert actions is not None
        assert actions.new_project(self.work / "Projects" / "Spring launch", "Spring launch")
        photos = [demo_dir() / name for name in WALKTHROUGH_PHOTOS]
        assert drop(self.bin.view.viewport(), file_mime(photos)) == (True, True)
        wait_until(lambda: len(self.session.document.assets) == len(photos), "the import")
        wait_until(lambda: self.bin.model.thumbnail_count() == len(photos), "the thumbnails")
        self.shot(self.window, "first-video-bin.png")

    def add_to_timeline(self) -> None:
        """All of them on the timeline (Scene > Add Selected Images to Timeline)."""
        self.bin.select_assets(list(self.session.document.assets))
        self.actions.action("scene.add_images").trigger()
        scenes = self.session.document.storyboard.scenes
        assert len(scenes) == len(WALKTHROUGH_PHOTOS)
        self.session.select_scenes([scenes[0].id])
        self.session.set_playhead(1.0)
        wait_until(lambda: self.preview.last_frame_time == 1.0, "the preview frame")
        settle(1500)  # the timeline's thumbnails
        self.shot(self.window, "first-video-timeline.png")

    def custom_motion(self) -> None:
        """Custom (start -> end) picked from the Inspector's presets, then, with the mouse,
        the end rectangle's corner dragged in and the rectangle moved onto the bottle: the
        camera starts on the whole photo and ends close on the product."""
        page = self.inspector.scene
        page.preset.setCurrentIndex(page.preset.findData("ken_burns"))
        editor = page.rect_editor
        wait_until(lambda: editor.image_loaded, "the inspector's picture")
        settle()
        area = editor.image_area()
        corner = editor.widget_rect(1).bottomRight().toPoint() - QPoint(1, 1)
        inward = QPoint(round(area.width() * 0.4), round(area.height() * 0.25))
        drag(editor, corner, corner - inward)
        bottle = QPoint(round(area.center().x()), round(area.y() + area.height() * 0.56))
        drag(editor, editor.widget_rect(1).center().toPoint(), bottle)
        self.shot(self.window.docks["inspector"], "first-video-inspector.png")

    def export_dialog(self) -> None:
        """File > Export Video..."""
        self.actions.action("file.save").trigger()
        self.actions.action("file.export").trigger()
        dialog = self.controller(ExportController).dialog
        assert dialog is not None
        wait_until(dialog.isVisible, "the export dialog")
        QTest.qWaitForWindowExposed(dialog, 10_000)
        self.shot(dialog, "export-dialog.png")
        dialog.close()

    def demo_project(self) -> None:
        """The demo project, as Help > Open Demo Project opens it; then its wristwatch scene,
        which has a custom start and end rectangle."""
        demo = project_from_script(demo_dir() / "demo.yaml", self.work / "AURA demo")
        assert open_in_window(self.window, demo.folder)
        board = self.session.document.storyboard
        self.session.select_scenes([board.scenes[0].id])
        self.session.set_playhead(4.0)
        wait_until(
            lambda: self.bin.model.thumbnail_count() >= 5 and self.preview.last_frame_time == 4.0,
            "the demo's thumbnails and preview frame",
        )
        settle(1500)
        self.shot(self.window, "main-window.png")
        intro = board.intro.duration if board.intro is not None else 0.0
        self.session.select_scenes([board.scenes[3].id])
        self.session.set_playhead(intro + sum(scene.duration for scene in board.scenes[:3]) + 1)
        editor = self.inspector.scene.rect_editor
        wait_until(lambda: editor.image_loaded, "the inspector's picture")
        self.shot(self.window.docks["inspector"], "inspector-motion.png")

    def settings_dialog(self) -> None:
        """Edit > Settings..., the Models page with the API keys."""
        self.actions.action("edit.settings").trigger()
        dialog = self.controller(SettingsController).dialog
        assert dialog is not None
        wait_until(lambda: dialog.loaded, "the settings")
        QTest.qWaitForWindowExposed(dialog, 10_000)
        dialog.resize(560, 780)
        self.shot(dialog, "settings-api-keys.png")
        dialog.close()

    def generations(self) -> None:
        """Two generations in the Tasks dock: the second scene with the local engine, the
        fifth with Runway, which has no API key here."""
        scenes = self.session.document.storyboard.scenes
        local_scene, runway_scene = scenes[1], scenes[4]
        runway = {"model": "runway"}
        assert self.session.edit(lambda p: edits.update_scenes(p, [runway_scene.id], runway))
        self.session.select_scenes([local_scene.id, runway_scene.id])
        self.actions.action("generate.selected").trigger()
        generation = self.window.services.generation
        assert generation is not None
        wait_until(
            lambda: len(generation.tasks()) == 2 and all(t.is_terminal for t in generation.tasks()),
            "the generations",
            timeout=300,
        )
        dock = self.window.docks["tasks"]
        dock.setFloating(True)  # the dock's float button: a window of its own, wider
        dock.resize(640, 420)
        dock.move(self.window.mapToGlobal(QPoint(320, 160)))
        self.tasks.tabs.setCurrentIndex(0)
        settle(1000)
        self.shot(dock, "tasks.png", height=250)
        self.tasks.tabs.setCurrentIndex(1)
        settle(1000)
        self.shot(dock, "tasks-monitoring.png", height=160)
        dock.setFloating(False)

    def close(self) -> None:
        self.actions.action("file.save").trigger()
        self.window.shutdown()
        self.window.close()


def run_child(out: Path, work: Path) -> int:
    problem = find_platform_problem()
    if problem is not None:
        print(problem, file=sys.stderr)
        return 3
    tour = AppTour(out, work)
    try:
        tour.new_project_with_photos()
        tour.add_to_timeline()
        tour.custom_motion()
        tour.export_dialog()
        tour.demo_project()
        tour.settings_dialog()
        tour.generations()
    finally:
        tour.close()  # stops the app's threads and timers, also after a failed step
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where the PNGs go")
    parser.add_argument("--child", nargs=2, metavar=("OUT", "WORK"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return run_child(Path(args.child[0]), Path(args.child[1]))
    started = time.monotonic()
    made = make_screenshots(args.out.resolve())
    for path in made:
        print(f"{path}: {path.stat().st_size // 1024} KB")
    print(f"{len(made)} screenshots in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
