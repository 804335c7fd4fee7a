"""One registry for every command of the app: its text, shortcut, icon, tip and menu place.
Menus, the toolbar and the shortcut list in the guide are all built from it, so a command
is declared once, next to the code that handles it.

    actions.add(ActionSpec("scene.delete", "&Delete Scenes", "Scene", "Del"), self.delete)
    ...
    actions.build_menus(window.menuBar()); actions.build_toolbar(toolbar)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QMenu, QMenuBar, QToolBar, QWidget

# Menus in the order they appear; an action names one of them.
MENUS: tuple[str, ...] = ("File", "Edit", "Scene", "Playback", "Generate", "View", "Help")
_MENU_TITLES = {name: f"&{name}" for name in MENUS}

Shortcut = str | QKeySequence.StandardKey


@dataclass(frozen=True)
class ActionSpec:
    id: str  # "file.save": the QAction's objectName is "action_file_save"
    text: str  # "&Save"
    menu: str  # one of MENUS
    shortcut: Shortcut | tuple[Shortcut, ...] | None = None
    tip: str = ""
    icon: str | None = None  # a qtawesome name, e.g. "mdi6.content-save"
    toolbar: bool = False
    checkable: bool = False
    section: int = 0  # menus put a separator between sections, in ascending order
    # WindowShortcut: anywhere in the window; WidgetWithChildrenShortcut: only while the
    # action's widget (a dock) has focus, for keys that mean other things elsewhere.
    context: Qt.ShortcutContext = Qt.ShortcutContext.WindowShortcut


class ActionRegistry(QObject):
    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self._window = window
        self._specs: dict[str, ActionSpec] = {}
        self._actions: dict[str, QAction] = {}
        self._icons_pending: list[str] = []  # action ids whose icon is not made yet

    def add(
        self,
        spec: ActionSpec,
        handler: Callable[[], object] | None = None,
        *,
        widget: QWidget | None = None,
    ) -> QAction:
        """Declare a command; `handler` runs when it is triggered (checkable ones get the
        new state through `toggled`). `widget`: where a widget-context shortcut lives."""
        if spec.id in self._specs:
            raise ValueError(f"action {spec.id} is declared twice")
        if spec.menu not in MENUS:
            raise ValueError(f"action {spec.id}: unknown menu {spec.menu!r}")
        owner = widget or self._window
        action = QAction(spec.text, owner)
        action.setObjectName("action_" + spec.id.replace(".", "_"))
        shortcuts = spec.shortcut if isinstance(spec.shortcut, tuple) else (spec.shortcut,)
        sequences = [QKeySequence(s) for s in shortcuts if s is not None]
        if sequences:
            action.setShortcuts(sequences)
            action.setShortcutContext(spec.context)
        tip = spec.tip or spec.text.replace("&", "")
        if sequences:
            tip = f"{tip} ({sequences[0].toString(QKeySequence.SequenceFormat.NativeText)})"
        action.setToolTip(tip)
        action.setStatusTip(spec.tip)
        action.setCheckable(spec.checkable)
        if spec.icon:
            self._icons_pending.append(spec.id)
        owner.addAction(action)
        if handler is not None:
            if spec.checkable:
                action.toggled.connect(lambda _checked: handler())
            else:
                action.triggered.connect(lambda _checked=False: handler())
        self._specs[spec.id] = spec
        self._actions[spec.id] = action
        return action

    def apply_icons(self) -> None:
        """Make the icons of the actions added so far (deferred: see theme.configure_icons)."""
        if not self._icons_pending:
            return
        import qtawesome  # noqa: PLC0415

        from gui.theme import configure_icons  # noqa: PLC0415

        app = QApplication.instance()
        if isinstance(app, QApplication):
            configure_icons(app)
        for action_id in self._icons_pending:
            icon = self._specs[action_id].icon
            if icon:
                self._actions[action_id].setIcon(qtawesome.icon(icon))
        self._icons_pending.clear()

    def action(self, action_id: str) -> QAction:
        return self._actions[action_id]

    def __contains__(self, action_id: object) -> bool:
        return action_id in self._actions

    def specs(self) -> list[ActionSpec]:
        return list(self._specs.values())

    def build_menus(self, menu_bar: QMenuBar) -> dict[str, QMenu]:
        menus: dict[str, QMenu] = {}
        for name in MENUS:
            specs = sorted(
                (s for s in self._specs.values() if s.menu == name), key=lambda s: s.section
            )
            if not specs:
                continue
            menu = menu_bar.addMenu(_MENU_TITLES[name])
            menu.setObjectName(f"menu_{name.lower()}")
            section = specs[0].section
            for spec in specs:
                if spec.section != section:
                    menu.addSeparator()
                    section = spec.section
                menu.addAction(self._actions[spec.id])
            menus[name] = menu
        return menus

    def build_toolbar(self, toolbar: QToolBar) -> None:
        last_menu = None
        for spec in self._specs.values():
            if not spec.toolbar:
                continue
            if last_menu is not None and spec.menu != last_menu:
                toolbar.addSeparator()
            toolbar.addAction(self._actions[spec.id])
            last_menu = spec.menu

    def shortcut_table(self) -> list[tuple[str, str, str]]:
        """(menu, command, keys) for every action with a shortcut: the guide's table."""
        rows = []
        for spec in self._specs.values():
            keys = ", ".join(
                sequence.toString(QKeySequence.SequenceFormat.PortableText)
                for sequence in self._actions[spec.id].shortcuts()
            )
            if keys:
                rows.append((spec.menu, spec.text.replace("&", ""), keys))
        return rows
