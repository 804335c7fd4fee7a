"""The main window: docks for the panels, menus and toolbar from the action registry, the
title with unsaved changes, the remembered layout, and an orderly close."""

from __future__ import annotations

import functools
import html
import importlib
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QLabel,
    QMainWindow,
    QMessageBox,
    QToolBar,
    QWidget,
)

from gui.actions import ActionRegistry, ActionSpec
from gui.docks import DOCKS, DockSpec
from gui.responsiveness import freeze_long_lived_objects, prefer_gui_thread
from gui.services import Services
from gui.session import ProjectSession
from gui.theme import Theme, apply_theme, current_theme
from gui.ui_state import UiState, decode_bytes, encode_bytes
from gui.workers import JobRunner
from video_studio import __version__
from video_studio.config import get_config
from video_studio.logging_config import current_log_file

_log = logging.getLogger("video_studio.gui")

WINDOW_TITLE = "Video Studio"
DEFAULT_SIZE = QSize(1280, 800)
_SMALL_SCREEN_SHARE = 0.9  # on smaller screens the window takes this share of the free area
_STATUS_MS = 5000
# Parts of the window that are not docks: "module:Class", made as Class(services).
CONTROLLERS: tuple[str, ...] = (
    "gui.project_actions:ProjectActions",
    "gui.generation:GenerationController",
    "gui.dialogs.export_dialog:ExportController",
    "gui.dialogs.settings_dialog:SettingsController",
    "gui.demo_project:DemoProjectOpener",
)


def default_window_size(available: QSize | None) -> QSize:
    """1280x800, shrunk to fit screens whose free area (`available`) is smaller."""
    if available is None or available.isEmpty():
        return QSize(DEFAULT_SIZE)
    return QSize(
        min(DEFAULT_SIZE.width(), int(available.width() * _SMALL_SCREEN_SHARE)),
        min(DEFAULT_SIZE.height(), int(available.height() * _SMALL_SCREEN_SHARE)),
    )


def about_text(version: str = __version__, log_file: Path | None = None) -> str:
    """The rich text of the About box, with where the log is (to attach to a report)."""
    where = (
        f"<p>Log file: {html.escape(str(log_file))}</p>"
        if log_file is not None
        else "<p>No log file is written (see the logging settings in the config file).</p>"
    )
    return (
        f"<h3>{WINDOW_TITLE}</h3>"
        f"<p>Version {version}</p>"
        "<p>Turns product photos into short marketing videos.</p>" + where
    )


def _load(target: str) -> Callable[..., Any]:
    module_name, _, attribute = target.partition(":")
    factory: Callable[..., Any] = getattr(importlib.import_module(module_name), attribute)
    return factory


class MainWindow(QMainWindow):
    parts_loaded = Signal()  # the panels and menus exist (see load_parts)

    def __init__(
        self,
        state: UiState | None = None,
        parent: QWidget | None = None,
        *,
        load_parts: bool = True,
    ) -> None:
        super().__init__(parent)
        prefer_gui_thread()
        self.setObjectName("main_window")
        self.setDockNestingEnabled(True)
        screen = QGuiApplication.primaryScreen()
        self.resize(default_window_size(screen.availableSize() if screen else None))
        self.state = state or UiState.load()
        session = ProjectSession(self)
        self.services = Services(
            window=self,
            session=session,
            jobs=JobRunner(parent=self),
            actions=ActionRegistry(self),
            state=self.state,
            config=get_config,
            status=self.show_status,
        )
        self.controllers: list[Any] = []
        self.panels: dict[str, QWidget] = {}
        self.docks: dict[str, QDockWidget] = {}
        self._closing_done = False

        self._parts_loaded = False

        self._add_core_actions()
        for spec in DOCKS:
            self._add_dock(spec)
        self._arrange_docks()
        self.toolbar = QToolBar("Main", self)
        self.toolbar.setObjectName("toolbar_main")
        self.toolbar.setIconSize(QSize(20, 20))
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.toolbar)

        session.project_changed.connect(self._update_title)
        session.dirty_changed.connect(lambda _dirty: self._update_title())
        session.error_raised.connect(lambda text: self.show_status(text, 10_000))
        session.autosaved.connect(lambda _path: self.show_status("Autosaved", 2000))
        self._update_title()
        self._restore_layout()
        if load_parts:
            self.load_parts()
        else:
            self.statusBar().showMessage("Starting…")

    def load_parts(self) -> None:
        """Make the panels and the rest of the window (idempotent). Split from __init__ so
        that the app can show its window first and load the panels' engine parts (render,
        workflow, codecs) right after: the window appears in a fraction of the time."""
        if self._parts_loaded:
            return
        self._parts_loaded = True
        for target in CONTROLLERS:
            self.controllers.append(self._make_controller(target))
        for spec in DOCKS:
            self._fill_dock(spec)
        self._add_view_actions()
        actions = self.services.actions
        self.menus = actions.build_menus(self.menuBar())
        actions.build_toolbar(self.toolbar)
        actions.apply_icons()
        self.statusBar().showMessage("Ready")
        self.parts_loaded.emit()
        freeze_long_lived_objects()

    @property
    def parts_are_loaded(self) -> bool:
        return self._parts_loaded

    # --- building -------------------------------------------------------------------------

    def _make_controller(self, target: str) -> Any:
        try:
            controller = _load(target)(self.services)
        except Exception:  # a part that fails must not take the window with it
            _log.exception("could not start %s", target)
            self.show_status(f"Part of the window failed to start ({target}); see the log.")
            return None
        if target.endswith(":GenerationController"):
            self.services.generation = controller
        return controller

    def _add_dock(self, spec: DockSpec) -> None:
        """The dock, empty until load_parts (so a saved layout can be restored at once)."""
        dock = QDockWidget(spec.title, self)
        dock.setObjectName(f"dock_{spec.name}")
        dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
            | QDockWidget.DockWidgetFeature.DockWidgetClosable
        )
        waiting = QLabel("Loading…")
        waiting.setAlignment(Qt.AlignmentFlag.AlignCenter)
        dock.setWidget(waiting)
        self.addDockWidget(spec.area, dock)
        self.docks[spec.name] = dock

    def _fill_dock(self, spec: DockSpec) -> None:
        dock = self.docks[spec.name]
        try:
            panel: QWidget = _load(spec.panel)(self.services, dock)
        except Exception as error:
            _log.exception("the %s panel failed to load", spec.title)
            panel = QLabel(
                f"The {spec.title} panel could not be loaded: {error}\n"
                "Please report this with the log file (Help > About)."
            )
            panel.setWordWrap(True)
        panel.setObjectName(f"panel_{spec.name}")
        placeholder = dock.widget()
        dock.setWidget(panel)
        if placeholder is not None:
            placeholder.deleteLater()
        self.panels[spec.name] = panel

    def _arrange_docks(self) -> None:
        """Bin on the left and Inspector/Tasks on the right, full height; Preview above the
        Timeline in the middle (no central widget: every panel is a dock)."""
        docks = self.docks
        self.setCorner(Qt.Corner.TopLeftCorner, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.setCorner(Qt.Corner.BottomLeftCorner, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.setCorner(Qt.Corner.TopRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)
        self.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)
        if "inspector" in docks and "tasks" in docks:
            self.tabifyDockWidget(docks["inspector"], docks["tasks"])
            docks["inspector"].raise_()
        sides = [docks[n] for n in ("image_bin", "inspector") if n in docks]
        self.resizeDocks(sides, [250, 330][: len(sides)], Qt.Orientation.Horizontal)
        middle = [docks[n] for n in ("preview", "timeline") if n in docks]
        self.resizeDocks(middle, [520, 200][: len(middle)], Qt.Orientation.Vertical)
        self._default_state = self.saveState()

    def _add_core_actions(self) -> None:
        actions = self.services.actions
        stack = self.services.session.undo_stack
        undo = actions.add(
            ActionSpec("edit.undo", "&Undo", "Edit", QKeySequence.StandardKey.Undo,
                       icon="mdi6.undo", toolbar=True),
            stack.undo,
        )  # fmt: skip
        redo = actions.add(
            ActionSpec("edit.redo", "&Redo", "Edit", ("Ctrl+Shift+Z", "Ctrl+Y"),
                       icon="mdi6.redo", toolbar=True),
            stack.redo,
        )  # fmt: skip
        undo.setEnabled(False)
        redo.setEnabled(False)
        stack.canUndoChanged.connect(undo.setEnabled)
        stack.canRedoChanged.connect(redo.setEnabled)
        stack.undoTextChanged.connect(lambda t: undo.setText(f"&Undo {t}" if t else "&Undo"))
        stack.redoTextChanged.connect(lambda t: redo.setText(f"&Redo {t}" if t else "&Redo"))
        actions.add(
            ActionSpec("file.quit", "&Quit", "File", "Ctrl+Q", section=9),
            self.close,
        ).setMenuRole(QAction.MenuRole.QuitRole)
        actions.add(ActionSpec("help.about", "&About Video Studio", "Help"), self.show_about)

    def _add_view_actions(self) -> None:
        actions = self.services.actions
        for spec in DOCKS:
            dock = self.docks[spec.name]
            action = actions.add(
                ActionSpec(f"view.{spec.name}", f"Show {spec.title}", "View", spec.shortcut),
                functools.partial(self.focus_dock, dock),
            )
            action.setObjectName(f"action_view_{spec.name}")
        actions.add(
            ActionSpec("view.dark_theme", "&Dark Theme", "View", checkable=True, section=1),
            self._toggle_theme,
        )
        app = QApplication.instance()
        dark = isinstance(app, QApplication) and current_theme(app) is Theme.DARK
        actions.action("view.dark_theme").setChecked(dark)
        actions.add(
            ActionSpec("view.reset_layout", "&Reset Layout", "View", section=1),
            self.reset_layout,
        )

    # --- behaviour ------------------------------------------------------------------------

    def focus_dock(self, dock: QDockWidget) -> None:
        dock.show()
        dock.raise_()
        widget = dock.widget()
        if widget is not None:
            widget.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def reset_layout(self) -> None:
        for dock in self.docks.values():
            dock.setFloating(False)
            dock.show()
        self.restoreState(self._default_state)

    def _toggle_theme(self) -> None:
        app = QApplication.instance()
        if not isinstance(app, QApplication):
            return
        dark = self.services.actions.action("view.dark_theme").isChecked()
        self.state.theme = apply_theme(app, Theme.DARK if dark else Theme.LIGHT).value

    def show_status(self, text: str, timeout_ms: int = _STATUS_MS) -> None:
        self.statusBar().showMessage(text, timeout_ms)

    def _update_title(self) -> None:
        session = self.services.session
        if session.project is None:
            self.setWindowTitle(WINDOW_TITLE)
            self.setWindowModified(False)
            return
        name = session.project.document.name
        self.setWindowTitle(f"{name}[*] — {WINDOW_TITLE}")
        self.setWindowModified(session.dirty)

    def show_about(self) -> QMessageBox:
        """Opens the About box without blocking (window-modal, deleted when closed)."""
        box = QMessageBox(self)
        box.setObjectName("about_box")
        box.setWindowTitle(f"About {WINDOW_TITLE}")
        box.setIcon(QMessageBox.Icon.Information)
        box.setTextFormat(Qt.TextFormat.RichText)
        box.setText(about_text(log_file=current_log_file()))
        box.setStandardButtons(QMessageBox.StandardButton.Ok)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        return box

    # --- layout and closing ---------------------------------------------------------------

    def _restore_layout(self) -> None:
        if self.state.geometry:
            self.restoreGeometry(decode_bytes(self.state.geometry))
        if self.state.window_state:
            self.restoreState(decode_bytes(self.state.window_state))

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        if not self._closing_done and not self._confirm_close():
            event.ignore()
            return
        self.shutdown()
        super().closeEvent(event)

    def _confirm_close(self) -> bool:
        """Unsaved work: save, discard or stay (the one question worth a modal box)."""
        session = self.services.session
        if not session.dirty:
            return True
        answer = QMessageBox.question(
            self,
            "Unsaved changes",
            f"Save the changes to {session.document.name} before closing?",
            QMessageBox.StandardButton.Save
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Save,
        )
        if answer == QMessageBox.StandardButton.Cancel:
            return False
        if answer == QMessageBox.StandardButton.Save:
            try:
                session.save()
            except Exception as error:
                QMessageBox.warning(self, "Could not save", str(error))
                return False
        else:
            assert session.project is not None
            folder = session.project.folder
            session.shutdown()  # no last autosave of the work being discarded
            session.project.discard_recovery(folder)
        return True

    def shutdown(self) -> None:
        """Stop everything the window started (timers, jobs, generations); idempotent."""
        if self._closing_done:
            return
        self._closing_done = True
        self.state.geometry = encode_bytes(bytes(self.saveGeometry().data()))
        self.state.window_state = encode_bytes(bytes(self.saveState().data()))
        self.state.save()
        for part in [*self.panels.values(), *self.controllers]:
            stop = getattr(part, "shutdown", None)
            if callable(stop):
                try:
                    stop()
                except Exception:
                    _log.exception("shutting down %s failed", type(part).__name__)
        self.services.session.shutdown()
        self.services.jobs.shutdown()
