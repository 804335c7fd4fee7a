"""The Inspector dock: the settings of the selected scenes (motion, framing, duration,
transition, text, and the generation section: model, prompt, Generate), or of the project
when no scene is selected (template, aspect ratio, quality, frame rate, music).

It follows the session: the selection picks the page, every document change re-reads the
document, and an edit the engine refuses is explained under the fields.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from PySide6.QtCore import QObject, QSignalBlocker, Qt, Signal
from PySide6.QtGui import QFocusEvent, QKeyEvent, QTextCursor
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from gui.services import Services
from gui.widgets.background_calls import BackgroundCalls
from gui.widgets.inspector_fields import MIXED, Mixed, combo, combo_key, common, set_combo
from gui.widgets.project_inspector import ProjectInspector, Templates
from gui.widgets.scene_inspector import SceneInspector
from video_studio import edits
from video_studio.adapters.base import Capabilities
from video_studio.adapters.registry import get_registry, request_problems
from video_studio.error_messages import capitalize, model_display_name
from video_studio.error_types import VideoStudioError
from video_studio.media_formats import AspectRatio

NO_PROJECT_TEXT = "Open or create a project to see its settings here."
LOADING_TEXT = "Reading the templates…"


@dataclass(frozen=True)
class ModelInfo:
    name: str
    display_name: str
    capabilities: Capabilities | None
    problem: str = ""  # why the model cannot be used, when capabilities is None


def read_models() -> dict[str, ModelInfo]:
    """Every installed model (slow the first time: it imports the adapters)."""
    registry = get_registry()
    models: dict[str, ModelInfo] = {}
    for name in registry.names():
        try:
            adapter = registry.get(name)
            info = ModelInfo(name, capitalize(adapter.display_name), adapter.capabilities())
        except Exception as error:  # a broken plugin is listed, with the reason
            problem = error.message if isinstance(error, VideoStudioError) else str(error)
            fallback = capitalize(model_display_name(name) or name)
            info = ModelInfo(name, f"{fallback} (unavailable)", None, problem)
        models[name] = info
    return models


class ModelCatalogue(QObject):
    """The installed models, read once per process on a worker thread."""

    loaded = Signal()
    _known: dict[str, ModelInfo] | None = None  # shared by every catalogue

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._calls = BackgroundCalls(self)
        if ModelCatalogue._known is None:
            self._calls.run("inspector: models", read_models, self._done, self._failed)

    @property
    def ready(self) -> bool:
        return ModelCatalogue._known is not None

    def _done(self, models: dict[str, ModelInfo]) -> None:
        ModelCatalogue._known = models
        self.loaded.emit()

    def _failed(self, _message: str) -> None:
        ModelCatalogue._known = {}
        self.loaded.emit()

    def fill(self, box: QComboBox, used: set[str]) -> None:
        """The models to choose from, plus any used one that is not installed."""
        known = ModelCatalogue._known or {}
        items = [(name, info.display_name) for name, info in known.items()]
        suffix = " (not installed)" if self.ready else ""
        items += [(name, name + suffix) for name in sorted(used - set(known))]
        if [box.itemData(i) for i in range(box.count())] != [key for key, _ in items]:
            with QSignalBlocker(box):
                box.clear()
                for key, text in items:
                    box.addItem(text, key)

    def describe(self, model: str, aspect: AspectRatio, durations: list[float]) -> str:
        """Cost, needs, and what the model cannot make of these scenes."""
        if not self.ready:
            return "Reading the model's details…"
        info = (ModelCatalogue._known or {}).get(model)
        if info is None:
            return f"The model '{model}' is not installed: choose another one."
        if info.capabilities is None:
            return f"Not available: {info.problem}"
        caps = info.capabilities
        lines = [capitalize(caps.cost_hint) + "." if caps.cost_hint else ""]
        if caps.needs_api_key:
            lines.append("Needs an API key (Edit > Settings).")
        for seconds in sorted(set(durations)):
            found = request_problems(
                caps, aspect_ratio=aspect, duration=seconds, resolution="", model=info.name
            )
            lines += [f"⚠ {capitalize(why)}." for what, why in found if what != "resolution"]
        return "\n".join(dict.fromkeys(line for line in lines if line))

    def shutdown(self) -> None:
        self._calls.shutdown()


class PromptEdit(QPlainTextEdit):
    """A multi-line text that commits when focus leaves it or on Ctrl+Enter."""

    editing_finished = Signal()

    def __init__(self, max_length: int = 2000) -> None:
        super().__init__()
        self.setObjectName("prompt")
        self.setTabChangesFocus(True)
        self.setMinimumHeight(64)
        self.setMaximumHeight(120)
        self._max = max_length
        self.setToolTip("What the clip should show (cloud models). Ctrl+Enter applies it.")
        self.textChanged.connect(self._limit)

    def show_value(self, value: str | Mixed) -> None:
        """Show a value, unless the user is typing a new one here."""
        if self.hasFocus() and self.document().isModified():
            return
        mixed = isinstance(value, Mixed)
        text = "" if isinstance(value, Mixed) else value
        if text != self.toPlainText():  # (the same text would move the cursor)
            with QSignalBlocker(self):
                self.setPlainText(text)
        self.setPlaceholderText("Mixed" if mixed else "Describe the motion (optional)")
        self.document().setModified(False)

    def _limit(self) -> None:
        excess = len(self.toPlainText()) - self._max
        if excess > 0:
            cursor = self.textCursor()
            cursor.movePosition(QTextCursor.MoveOperation.End)
            cursor.movePosition(
                QTextCursor.MoveOperation.Left, QTextCursor.MoveMode.KeepAnchor, excess
            )
            cursor.removeSelectedText()

    def focusOutEvent(self, event: QFocusEvent) -> None:  # noqa: N802 - Qt's name
        super().focusOutEvent(event)
        self.editing_finished.emit()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        enter = event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        if enter and event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.editing_finished.emit()
            return
        super().keyPressEvent(event)


class GenerationSection(QGroupBox):
    """Model, prompt and the Generate button of the selected scenes."""

    refused = Signal()  # an edit made here was refused

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__("Generation", parent)
        self.setObjectName("generation_section")
        self._services = services
        self._ids: list[str] = []
        self.catalogue = ModelCatalogue(self)
        self.catalogue.loaded.connect(self.refresh)
        form = QFormLayout(self)
        self.model = combo("model", [])
        self.model.currentIndexChanged.connect(lambda _i: self._commit_model())
        form.addRow("Model", self.model)
        self.model_info = QLabel()
        self.model_info.setObjectName("model_info")
        self.model_info.setWordWrap(True)
        form.addRow(self.model_info)
        self.prompt = PromptEdit()
        self.prompt.editing_finished.connect(self._commit_prompt)
        form.addRow("Prompt", self.prompt)
        self.generate_button = QPushButton("Generate")
        self.generate_button.setObjectName("generate_button")
        self.generate_button.clicked.connect(self.generate)
        form.addRow(self.generate_button)

    def show_scenes(self, ids: list[str]) -> None:
        if ids != self._ids:
            self.commit_pending()
        self._ids = list(ids)
        self.refresh()

    def refresh(self) -> None:
        session = self._services.session
        if session.project is None:
            return
        board = session.document.storyboard
        scenes = [scene for scene in board.scenes if scene.id in self._ids]
        if not scenes:
            return
        self.catalogue.fill(self.model, {scene.model for scene in scenes})
        model = common(scene.model for scene in scenes)
        set_combo(self.model, model)
        self.model_info.setText(
            "The selected scenes use different models."
            if model is MIXED
            else self.catalogue.describe(model, board.aspect_ratio, [s.duration for s in scenes])
        )
        self.prompt.show_value(common(scene.prompt for scene in scenes))
        generation = self._services.generation
        self.generate_button.setEnabled(generation is not None)
        self.generate_button.setToolTip(
            "Generation is not available in this window."
            if generation is None
            else f"Make clips of the {len(scenes)} selected scene(s) with their models."
        )

    def _update(self, values: dict[str, str]) -> None:
        known = {scene.id for scene in self._services.session.document.storyboard.scenes}
        ids = [scene_id for scene_id in self._ids if scene_id in known]
        if ids and not self._services.session.edit(
            lambda project: edits.update_scenes(project, ids, values)
        ):
            self.refresh()  # refused: show the document's values again
            self.refused.emit()

    def _commit_model(self) -> None:
        key = combo_key(self.model)
        if key:
            self._update({"model": key})

    def _commit_prompt(self) -> None:
        if self._services.session.project is None or not self.prompt.document().isModified():
            return
        self.prompt.document().setModified(False)
        self._update({"prompt": self.prompt.toPlainText()})

    def commit_pending(self) -> None:
        """Commit a prompt still being typed (before the selection changes)."""
        if self._ids:
            self._commit_prompt()

    def generate(self) -> None:
        self.commit_pending()
        generation = self._services.generation
        if generation is not None and self._ids:
            generation.generate(list(self._ids))

    def shutdown(self) -> None:
        self.catalogue.shutdown()


def _scrolling(*parts: QWidget) -> QScrollArea:
    page = QWidget()
    layout = QVBoxLayout(page)
    for part in parts:
        layout.addWidget(part)
    layout.addStretch(1)
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setWidget(page)
    # The dock may not squeeze the fields below what they need (they would be clipped);
    # narrower than that only if the user floats it small, and then it scrolls.
    scrollbar = area.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent)
    area.setMinimumWidth(page.minimumSizeHint().width() + scrollbar + 2 * area.frameWidth())
    return area


class InspectorPanel(QWidget):
    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("inspector_panel")
        self._services = services
        self.scene = SceneInspector(services)
        self.generation = GenerationSection(services)
        self.project = ProjectInspector(services)
        self.placeholder = QLabel(NO_PROJECT_TEXT)
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setWordWrap(True)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.placeholder)
        self.stack.addWidget(_scrolling(self.project))
        self.stack.addWidget(_scrolling(self.scene, self.generation))
        self.message = QLabel()
        self.message.setObjectName("inspector_message")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #E57373;")
        self.message.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.stack, 1)
        layout.addWidget(self.message)
        session = services.session
        session.project_changed.connect(self._follow)
        session.document_changed.connect(self._document_changed)
        session.selection_changed.connect(self._follow)
        session.error_raised.connect(self._remember_reason)
        self._reason = ""
        for page in (self.scene, self.generation, self.project):
            page.refused.connect(self._refused)
        self._calls = BackgroundCalls(self)
        if Templates.known is None:
            self._calls.run(
                "inspector: templates", Templates.read, self._templates_read, self._follow_later
            )
        self._follow()

    @property
    def ready(self) -> bool:
        """The templates are read: the pages can show what scenes inherit from them."""
        return Templates.known is not None

    def _templates_read(self, _found: object) -> None:
        self._follow()

    def _follow_later(self, _message: str) -> None:
        Templates.known = Templates.known or {}
        self._follow()

    @property
    def showing_scenes(self) -> bool:
        return self.stack.currentIndex() == 2

    @property
    def showing_project(self) -> bool:
        return self.stack.currentIndex() == 1

    def _follow(self) -> None:
        """Show the page for the current project and selection."""
        session = self._services.session
        self.message.hide()
        if session.project is None or not self.ready:
            self.placeholder.setText(NO_PROJECT_TEXT if self.ready else LOADING_TEXT)
            self.generation.show_scenes([])
            self.stack.setCurrentIndex(0)
            return
        known = {scene.id for scene in session.document.storyboard.scenes}
        ids = [scene_id for scene_id in session.selected_scene_ids if scene_id in known]
        self.generation.show_scenes(ids)  # commits a prompt typed for the previous ones
        if ids:
            self.scene.show_scenes(ids)
            self.stack.setCurrentIndex(2)
        else:
            self.project.refresh()
            self.stack.setCurrentIndex(1)

    def _document_changed(self) -> None:
        self._follow()  # re-read: an edit replaced the whole document

    def _remember_reason(self, reason: str) -> None:
        self._reason = reason  # said while an edit is refused, here or in another panel

    def _refused(self) -> None:
        """One of our edits was refused: say why under the fields (the status bar also
        says it, but briefly)."""
        self.message.setText(f"Not changed: {self._reason}")
        self.message.show()

    def shutdown(self) -> None:
        session = self._services.session
        for signal, slot in (
            (session.project_changed, self._follow),
            (session.document_changed, self._document_changed),
            (session.selection_changed, self._follow),
            (session.error_raised, self._remember_reason),
        ):
            with contextlib.suppress(RuntimeError, TypeError):  # already gone
                signal.disconnect(slot)
        self._calls.shutdown()
        self.scene.shutdown()
        self.generation.shutdown()
        self.project.shutdown()
