"""The user guide's keyboard shortcut page, docs/guide/shortcuts.md, generated from the app's
action registry (gui/actions.py): the real main window is built offscreen with all its
panels, and every command that has keys is listed with where the keys work.

    .venv/bin/python scripts/make_shortcuts_doc.py          # write the page
    .venv/bin/python scripts/make_shortcuts_doc.py --check  # exit 1 if the page is out of date

tests/docs/test_guide_current.py runs the check, so a shortcut added, changed or removed in
the code without regenerating the page fails the tests.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # run as a file: the repository's packages
    sys.path.insert(0, str(REPO_ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # no display needed

from PySide6.QtCore import QObject, Qt  # noqa: E402
from PySide6.QtGui import QKeySequence  # noqa: E402
from PySide6.QtWidgets import QDockWidget  # noqa: E402

from gui.actions import MENUS, ActionRegistry  # noqa: E402

PAGE = REPO_ROOT / "docs" / "guide" / "shortcuts.md"

HEADER = """\
# Keyboard shortcuts

Every command of Video Studio that has keys, menu by menu. Most keys work anywhere in the
window. A few keys mean something else in other places (Space types a space in a text
field, Del deletes a letter), so they work only while the panel they belong to has the
focus: click into that panel first, or press its **View** key (Alt+1 to Alt+5) to jump to
it.

The same keys are shown next to each command in the menus, and in the tooltips of the
toolbar buttons.

<!-- Generated from the app's command list by scripts/make_shortcuts_doc.py: do not edit by
hand, run `.venv/bin/python scripts/make_shortcuts_doc.py` after changing a shortcut. -->
"""

FOOTER = """\
## With the mouse, and inside fields

These are not menu commands, so they are not in the tables above:

- **Timeline**: click a scene to select it, Ctrl+click to add or remove one, Shift+click to
  select a run of scenes. Drag a scene to move it, drag its right edge to change its
  duration, click the marker between two scenes to change the transition. The mouse wheel
  scrolls; Ctrl+wheel zooms. Click or drag in the time ruler to move the playhead.
- **Inspector**: in the Prompt field, Ctrl+Enter applies the prompt (Enter starts a new
  line). The start and end rectangles of a custom motion are dragged with the mouse: drag
  inside a rectangle to move it, drag a corner to resize it.
- **Image Bin**: drop photos or folders from the file manager onto the bin; drag images
  from the bin onto the timeline.
"""


@dataclass(frozen=True)
class Shortcut:
    menu: str
    section: int
    command: str
    keys: tuple[str, ...]
    where: str  # the panel that must have the focus, or "" (anywhere in the window)
    tip: str


def _panel_of(action: QObject) -> str:
    """The title of the dock holding the action's widget ("" if none)."""
    owner = action.parent()
    while owner is not None and not isinstance(owner, QDockWidget):
        owner = owner.parent()
    return owner.windowTitle() if isinstance(owner, QDockWidget) else ""


def collect(registry: ActionRegistry) -> list[Shortcut]:
    """Every command with keys, in menu order (sections as in the menus)."""
    found: list[Shortcut] = []
    for spec in registry.specs():
        action = registry.action(spec.id)
        keys = tuple(
            sequence.toString(QKeySequence.SequenceFormat.PortableText)
            for sequence in action.shortcuts()
        )
        if not keys:
            continue
        local = spec.context != Qt.ShortcutContext.WindowShortcut
        where = _panel_of(action) if local else ""
        if local and not where:
            raise ValueError(f"{spec.id}: a panel-only shortcut outside any panel")
        found.append(
            Shortcut(spec.menu, spec.section, spec.text.replace("&", ""), keys, where, spec.tip)
        )
    return sorted(found, key=lambda s: (MENUS.index(s.menu), s.section))


def render(shortcuts: list[Shortcut]) -> str:
    """The page's Markdown."""
    parts = [HEADER]
    for menu in MENUS:
        rows = [s for s in shortcuts if s.menu == menu]
        if not rows:
            continue
        lines = [
            f"## {menu} menu",
            "",
            "| Keys | Command | Works | What it does |",
            "| --- | --- | --- | --- |",
        ]
        for row in rows:
            keys = " or ".join(f"`{key}`" for key in row.keys)
            works = f"while the {row.where} has the focus" if row.where else "anywhere"
            lines.append(f"| {keys} | {row.command} | {works} | {row.tip} |")
        parts.append("\n".join(lines) + "\n")
    parts.append(FOOTER)
    return "\n".join(parts)


def generate() -> str:
    """Build the real main window offscreen (all panels loaded) and render its shortcuts."""
    from gui.app import create_app, create_main_window  # noqa: PLC0415 - after the env
    from gui.ui_state import UiState  # noqa: PLC0415

    create_app(["video-studio"])
    with tempfile.TemporaryDirectory(prefix="vs-shortcuts-") as folder:
        window = create_main_window(UiState(path=Path(folder) / "ui-state.json"))
        try:
            return render(collect(window.services.actions))
        finally:
            window.shutdown()
            window.deleteLater()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Generate docs/guide/shortcuts.md.")
    parser.add_argument("--check", action="store_true", help="only say if the page is current")
    parser.add_argument("--page", type=Path, default=PAGE, help="the page to write or check")
    args = parser.parse_args(argv)
    text = generate()
    page: Path = args.page
    if args.check:
        current = page.read_text(encoding="utf-8") if page.is_file() else ""
        if current != text:
            print(
                f"{page} is out of date with the app's shortcuts: run "
                "`.venv/bin/python scripts/make_shortcuts_doc.py`",
                file=sys.stderr,
            )
            return 1
        print(f"{page} is current")
        return 0
    page.parent.mkdir(parents=True, exist_ok=True)
    page.write_text(text, encoding="utf-8")
    print(f"wrote {page}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
