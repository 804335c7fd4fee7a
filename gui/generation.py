"""Generation in the app: the engine's GenerationWorkflow for the open project, driven from
the GUI thread and reported back to it.

    controller = GenerationController(services)
    controller.generate(session.selected_scene_ids)
    controller.task_updated.connect(panel.show_task)  # TaskInfo, on the GUI thread

One workflow per open project (cache in the project's `cache/`, clips in `clips/`). The
workflow calls back from its own threads; those callbacks only queue what they were told
and wake the GUI thread, which handles it: task rows, the clip put into its scene (one undo
step), the breaker alerts, and the records of accepted cloud jobs.

Cloud jobs are paid. A job the service accepted is written to project.json at once, so the
next start of the app resumes it instead of paying again. Only `remote_jobs` is written into
the file as it is on disk: the user's unsaved edits stay unsaved (a whole-document save
would write them behind the user's back, clean the autosaver's dirty flag and make "Don't
save" meaningless). The records are also kept in the open document across undo and redo
(an edit replaces the whole document, whose older versions lack newer records), so the next
save writes them too. Closing the project or the window stops polling without cancelling
the recorded jobs (the workflow's `shutdown(keep_remote_jobs=True)`): they go on at the
service and are resumed when the project opens again. A job accepted while it closes, before
it could be recorded, is cancelled instead: no paid job is left running untracked.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal

from gui.actions import ActionSpec
from gui.services import Services
from gui.workers import JobHandle, error_text
from video_studio import edits
from video_studio.adapters.base import Capabilities, GenerationRequest, RemoteJob
from video_studio.adapters.registry import AdapterRegistry, duration_supported, get_registry
from video_studio.atomic_io import atomic_write_text
from video_studio.config import VideoStudioConfig
from video_studio.config_errors import ConfigError
from video_studio.error_messages import capitalize, model_display_name
from video_studio.error_types import ErrorInfo
from video_studio.jobs import CancelToken
from video_studio.media_formats import AspectRatio, VideoQuality
from video_studio.models import MotionSpec, TaskInfo, TaskStatus
from video_studio.project import Project
from video_studio.project_document import RemoteJob as SavedJob
from video_studio.project_document import document_text, read_document
from video_studio.remote_job_records import ProjectJobRecorder
from video_studio.workflow import (
    AdapterMetrics,
    GenerationWorkflow,
    WorkflowClosedError,
    WorkflowEvent,
    WorkflowEventKind,
)

__all__ = [
    "GenerationController",
    "SceneOrder",
    "build_request",
    "model_label",
]

_log = logging.getLogger("video_studio.gui.generation")

LOCAL = "local"
_DURATION_TOLERANCE = 1e-6


# --- requests -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SceneOrder:
    """What a scene asks for, read on the GUI thread (the request is built off it)."""

    scene_id: str
    index: int
    model: str
    image: Path
    prompt: str
    duration: float
    motion: MotionSpec | None
    aspect_ratio: AspectRatio
    quality: VideoQuality
    fps: int
    output_dir: Path


def build_request(order: SceneOrder, capabilities: Capabilities | None) -> GenerationRequest:
    """The request for a scene, fitted to what the model makes: the scene's duration or the
    shortest the model makes that is not shorter, the project's shape if the model makes it,
    and the project's quality or the nearest lower resolution the model makes. Without the
    capabilities (the model could not be set up) the scene's own values are asked for and
    the task reports why the model is unavailable."""
    duration, aspect, resolution = order.duration, order.aspect_ratio, order.quality.value
    if capabilities is not None:
        duration = _fitted_duration(duration, capabilities)
        if capabilities.aspect_ratios and aspect not in capabilities.aspect_ratios:
            aspect = capabilities.aspect_ratios[0]
        resolution = _fitted_resolution(resolution, capabilities.resolutions)
    return GenerationRequest(
        image=order.image,
        prompt=order.prompt,
        duration=duration,
        aspect_ratio=aspect,
        resolution=resolution,
        motion=order.motion if order.model == LOCAL else None,
        fps=order.fps,
        scene_id=order.scene_id,
        output_dir=order.output_dir,
    )


def _fitted_duration(seconds: float, capabilities: Capabilities) -> float:
    if duration_supported(capabilities, seconds) or not capabilities.durations:
        return seconds
    listed = sorted(capabilities.durations)
    longer = [d for d in listed if d >= seconds - _DURATION_TOLERANCE]
    return longer[0] if longer else listed[-1]


def _lines(resolution: str) -> int:
    """Picture height of a resolution name ("720p" 720, "4k" 2160); 0 if unknown."""
    text = resolution.strip().lower()
    if text == "4k":
        return 2160
    digits = text.removesuffix("p")
    return int(digits) if digits.isdigit() else 0


def _fitted_resolution(wanted: str, supported: tuple[str, ...]) -> str:
    if not supported or wanted in supported:
        return wanted
    known = sorted((r for r in supported if _lines(r)), key=_lines)
    if not known:
        return supported[0]
    lower = [r for r in known if _lines(r) <= _lines(wanted)]
    return lower[-1] if lower else known[0]


def model_label(model: str | None) -> str:
    """How the Tasks dock names a model: "Luma Dream Machine", "Local engine"."""
    name = model_display_name(model) or "Unknown model"
    if name.lower().startswith("the "):
        name = name[4:]
    return capitalize(name)


# --- the project's cloud-job records -------------------------------------------------------


def _disk_records(project: Project) -> dict[str, SavedJob]:
    """The job records in project.json (newer than a restored recovery copy's), else the
    open document's."""
    try:
        saved, _version = read_document(project.json_path)
    except (ConfigError, OSError) as error:
        _log.warning("could not read the job records of %s: %s", project.json_path, error)
        return dict(project.document.remote_jobs)
    return dict(saved.remote_jobs)


def _write_records(project: Project, records: dict[str, SavedJob]) -> None:
    """Put `records` into project.json, leaving the rest of the saved file as it was."""
    saved, _version = read_document(project.json_path)
    if saved.remote_jobs == records:
        return
    saved.remote_jobs = dict(records)
    atomic_write_text(project.json_path, document_text(saved))


# --- one workflow ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _JobDone:
    scene_id: str


_Item = WorkflowEvent | RemoteJob | _JobDone


class _Run:
    """The workflow of one open project (and one config), with what the GUI knows of it.

    `state`: "current"; "retired" (replaced by one with newer settings: its last events
    still count); "closed" (its project was closed or the window is closing)."""

    def __init__(
        self,
        project: Project,
        config: VideoStudioConfig,
        registry: AdapterRegistry,
        post: Callable[[_Run, _Item], None],
        records: dict[str, SavedJob],
    ) -> None:
        self.project = project
        self.config = config
        self.state = "current"
        self.recorder = ProjectJobRecorder(project, save=False)
        self.records = dict(records)  # what project.json and the document should hold
        self.own_tasks: set[str] = set()
        self.scene_tasks: dict[str, str] = {}  # scene id -> its latest task
        self.preparing: list[JobHandle] = []
        self.pending_scenes: set[str] = set()  # requests being prepared
        self.workflow = GenerationWorkflow(
            config,
            registry,
            cache_dir=project.cache_dir,
            on_event=lambda event: post(self, event),
            on_remote_job=lambda job: post(self, job),
            on_remote_job_done=lambda scene_id: post(self, _JobDone(scene_id)),
        )

    def busy(self) -> bool:
        return bool(self.preparing) or any(not t.is_terminal for t in self.workflow.tasks())

    def active_scene(self, scene_id: str) -> bool:
        if scene_id in self.pending_scenes:
            return True
        task_id = self.scene_tasks.get(scene_id)
        return task_id is not None and not self.workflow.get(task_id).is_terminal


class _Wake(QObject):
    """Emitted from workflow threads; delivered (queued) on the GUI thread."""

    wake = Signal()


# --- the controller -------------------------------------------------------------------------


class GenerationController(QObject):
    task_updated = Signal(object)  # TaskInfo, its latest state
    tasks_reset = Signal()  # the task list changed wholesale: read tasks() again
    breaker_alert = Signal(str)  # a service's circuit breaker opened: the plain message
    breaker_cleared = Signal(str)  # it closed again: the plain message
    metrics_changed = Signal()

    def __init__(self, services: Services, *, registry: AdapterRegistry | None = None) -> None:
        super().__init__(services.window)
        self.setObjectName("generation_controller")
        self._services = services
        self._session = services.session
        self._registry = registry
        self._run: _Run | None = None
        self._tasks: dict[str, TaskInfo] = {}
        self._statuses: dict[str, TaskStatus] = {}
        self._applied: set[str] = set()  # completed tasks whose clip went into the scene
        self._open_breakers: dict[str, str] = {}
        self._inbox: deque[tuple[_Run, _Item]] = deque()
        self._inbox_lock = threading.Lock()
        self._wake = _Wake(self)
        self._wake.wake.connect(self._drain, Qt.ConnectionType.QueuedConnection)
        self._closed = False

        actions = services.actions
        self._generate_selected = actions.add(
            ActionSpec(
                "generate.selected",
                "Generate &Selected Scenes",
                "Generate",
                "Ctrl+G",
                tip="Make clips for the selected scenes with their models",
                icon="mdi6.movie-open-play-outline",
                toolbar=True,
            ),
            self.generate_selected,
        )
        self._generate_all = actions.add(
            ActionSpec(
                "generate.all",
                "Generate &All Scenes",
                "Generate",
                "Ctrl+Shift+G",
                tip="Make clips for every scene with their models",
            ),
            self.generate_all,
        )
        self._cancel_all = actions.add(
            ActionSpec(
                "generate.cancel_all",
                "&Cancel All Generations",
                "Generate",
                tip="Stop every queued and running generation",
                section=1,
            ),
            self.cancel_all,
        )
        self._session.project_changed.connect(self._project_changed)
        self._session.document_changed.connect(self._document_changed)
        self._session.selection_changed.connect(self._update_actions)
        self._project_changed()

    # --- public interface -------------------------------------------------------------------

    def generate(self, scene_ids: list[str]) -> None:
        """Queue a clip for each scene (each with its own model). Scenes that are already
        being generated are left as they are."""
        run = self._fresh_run()
        project = self._session.project
        if run is None or project is None:
            self._services.status("Open a project first.")
            return
        scenes = project.document.storyboard.scenes
        positions = {scene.id: index for index, scene in enumerate(scenes)}
        wanted = [scene_id for scene_id in dict.fromkeys(scene_ids) if scene_id in positions]
        busy = [scene_id for scene_id in wanted if run.active_scene(scene_id)]
        if busy:
            numbers = ", ".join(str(positions[scene_id] + 1) for scene_id in busy)
            self._services.status(f"Already generating scene {numbers}.")
        orders = [
            self._order(project, positions[scene_id]) for scene_id in wanted if scene_id not in busy
        ]
        orders = self._without_turned_off_models(orders)
        if not orders:
            if not wanted:
                self._services.status("Select the scenes to generate first.")
            return
        run.pending_scenes.update(order.scene_id for order in orders)
        workflow = run.workflow

        def prepare(
            cancel: CancelToken, _progress: object
        ) -> list[tuple[SceneOrder, GenerationRequest]]:
            return _prepare(workflow, orders, cancel)

        def done() -> None:
            if handle in run.preparing:
                run.preparing.remove(handle)
            run.pending_scenes.difference_update(order.scene_id for order in orders)

        handle = self._services.jobs.start(
            "Preparing the generation",
            prepare,
            on_success=lambda prepared: self._submit(run, prepared),
            on_failure=self._preparing_failed,
            on_finish=done,
        )
        run.preparing.append(handle)

    def _without_turned_off_models(self, orders: list[SceneOrder]) -> list[SceneOrder]:
        """The orders whose model is on; the others are named in the status bar."""
        models = self._services.config().models
        off = [order for order in orders if not getattr(models.get(order.model), "enabled", True)]
        if off:
            scenes = ", ".join(str(order.index + 1) for order in off)
            names = ", ".join(dict.fromkeys(model_display_name(o.model) or o.model for o in off))
            self._services.status(
                f"Scene {scenes}: {names} is turned off in Settings (Use this model). "
                "Choose another model for the scene, or turn it back on.",
                10_000,
            )
        return [order for order in orders if order not in off]

    def generate_selected(self) -> None:
        self.generate(self._session.selected_scene_ids)

    def generate_all(self) -> None:
        project = self._session.project
        if project is None:
            self._services.status("Open a project first.")
            return
        self.generate([scene.id for scene in project.document.storyboard.scenes])

    def cancel(self, task_id: str) -> bool:
        """Stop a queued or running task (its cloud job is cancelled too)."""
        run = self._run
        if run is None or task_id not in run.own_tasks:
            return False
        return run.workflow.cancel(task_id)

    def cancel_all(self) -> None:
        run = self._run
        if run is None:
            return
        for handle in list(run.preparing):
            handle.cancel()
        stopped = sum(
            run.workflow.cancel(info.task_id)
            for info in run.workflow.tasks()
            if not info.is_terminal
        )
        if not stopped:
            self._services.status("No generation to cancel.")

    def retry(self, task_id: str) -> TaskInfo | None:
        """Queue a failed or cancelled task again (a cloud job that may still be alive is
        resumed, not paid twice). After the settings changed, the scene is generated anew
        with them (the old task's job ended with it)."""
        run = self._fresh_run()
        if run is None:
            return None
        if task_id in run.own_tasks:
            try:
                return run.workflow.retry(task_id)
            except (KeyError, ValueError, WorkflowClosedError) as error:
                self._services.status(f"Cannot try this task again: {error}")
                return None
        old = self._tasks.get(task_id)
        if old is None or not old.is_terminal:
            return None
        scene_id = str(old.metadata.get("scene_id") or "")
        if self._scene_number(scene_id) is None:
            self._services.status("That scene has been removed.")
            return None
        del self._tasks[task_id]
        self.tasks_reset.emit()
        self.generate([scene_id])
        return None

    def use_local_engine(self, task_id: str) -> None:
        """Switch the task's scene to the local engine (one undo step) and generate it."""
        info = self._tasks.get(task_id)
        project = self._session.project
        if info is None or project is None:
            return
        scene_id = str(info.metadata.get("scene_id") or "")
        number = self._scene_number(scene_id)
        if number is None:
            self._services.status("That scene has been removed.")
            return
        label = f"Use the local engine for scene {number}"
        if not self._session.edit(
            lambda p: edits.update_scenes(p, [scene_id], {"model": LOCAL}, label=label)
        ):
            return
        self._tasks.pop(task_id, None)
        self.tasks_reset.emit()
        self.generate([scene_id])

    def tasks(self) -> list[TaskInfo]:
        """The tasks of the open project as last reported, oldest first."""
        return list(self._tasks.values())

    def clear_finished(self) -> None:
        """Forget the finished tasks (completed, failed, cancelled) in the list."""
        kept = {task_id: info for task_id, info in self._tasks.items() if not info.is_terminal}
        if len(kept) != len(self._tasks):
            self._tasks = kept
            self.tasks_reset.emit()

    def metrics(self) -> dict[str, AdapterMetrics]:
        run = self._run
        return run.workflow.metrics() if run is not None else {}

    def open_breakers(self) -> dict[str, str]:
        """Adapters whose circuit breaker is open, with the plain message."""
        return dict(self._open_breakers)

    def scene_label(self, info: TaskInfo) -> str:
        number = self._scene_number(str(info.metadata.get("scene_id") or ""))
        return f"Scene {number}" if number is not None else "Removed scene"

    def shutdown(self) -> None:
        """Stop the workflow's threads without waiting for cloud jobs. Recorded cloud jobs
        go on at the service and are resumed when the project opens again; local renders
        stop. Returns within about a request timeout (an HTTP request already sent is
        waited for). Idempotent."""
        if self._closed:
            return
        self._closed = True
        for signal, slot in (
            (self._session.project_changed, self._project_changed),
            (self._session.document_changed, self._document_changed),
            (self._session.selection_changed, self._update_actions),
        ):
            with contextlib.suppress(RuntimeError, TypeError):
                signal.disconnect(slot)
        self._close_run()

    # --- the workflow of the open project ---------------------------------------------------

    def _project_changed(self) -> None:
        if self._closed:
            return
        project = self._session.project
        if self._run is not None and self._run.project is project:
            return
        self._close_run()
        self._tasks.clear()
        self._statuses.clear()
        self._applied.clear()
        self._open_breakers.clear()
        if project is not None:
            self._start_run(project, records=_disk_records(project), resume=True)
        self.tasks_reset.emit()
        self.metrics_changed.emit()
        self._update_actions()

    def _start_run(self, project: Project, *, records: dict[str, SavedJob], resume: bool) -> _Run:
        if project.document.remote_jobs != records:
            project.document.remote_jobs = dict(records)
        run = _Run(
            project, self._services.config(), self._registry or get_registry(), self._post, records
        )
        self._run = run
        if resume and records:
            try:
                resumed = run.recorder.resume_all(run.workflow, project.clips_dir)
            except Exception:  # a damaged record must not stop the project from opening
                _log.exception("could not resume the cloud jobs of %s", project.folder)
                resumed = []
            for info in resumed:
                run.own_tasks.add(info.task_id)
                run.scene_tasks[str(info.metadata.get("scene_id") or "")] = info.task_id
            if resumed:
                count = len(resumed)
                self._services.status(
                    f"Continuing {count} cloud generation{'s' if count != 1 else ''} "
                    "started before."
                )
        return run

    def _fresh_run(self) -> _Run | None:
        """The current run, replaced by one with the current settings when they changed
        and nothing is running (a running generation keeps the settings it started with)."""
        run = self._run
        if run is None or self._services.config() is run.config or run.busy():
            return run
        self._drain()  # the last events of the old settings' tasks still count
        run.state = "retired"
        run.workflow.shutdown(cancel_running=False, wait=True)
        self._drain()
        fresh = self._start_run(run.project, records=run.records, resume=False)
        if self._open_breakers:
            self._open_breakers.clear()
            self.breaker_cleared.emit("")
        self.metrics_changed.emit()
        return fresh

    def _close_run(self) -> None:
        run, self._run = self._run, None
        if run is None:
            return
        for handle in list(run.preparing):
            handle.cancel()
        for handle in list(run.preparing):
            handle.wait(30.0)
        self._drain()  # what was reported before the close still counts
        run.state = "closed"
        # Polling stops; the jobs recorded in the project go on at the service (paid for)
        # and are resumed when it opens again; a job accepted as it closes is cancelled.
        run.workflow.shutdown(cancel_running=True, wait=True, keep_remote_jobs=True)
        self._drain()  # the records reported meanwhile are written too
        kept = [scene_id for scene_id in run.records if scene_id in run.scene_tasks]
        if kept:
            _log.info("cloud jobs left running for the next start: %s", kept)

    # --- requests -----------------------------------------------------------------------------

    def _order(self, project: Project, index: int) -> SceneOrder:
        storyboard = project.document.storyboard
        scene = storyboard.scenes[index]
        return SceneOrder(
            scene_id=scene.id,
            index=index,
            model=scene.model,
            image=project.resolved_path(scene.image),
            prompt=scene.prompt,
            duration=scene.duration,
            motion=scene.motion,
            aspect_ratio=storyboard.aspect_ratio,
            quality=storyboard.quality,
            fps=storyboard.fps,
            output_dir=project.clips_dir,
        )

    def _submit(self, run: _Run, prepared: list[tuple[SceneOrder, GenerationRequest]]) -> None:
        if run.state != "current":
            return
        for order, request in prepared:
            run.pending_scenes.discard(order.scene_id)
            try:
                info = run.workflow.submit(
                    run.recorder.remember(request), order.model, scene_index=order.index
                )
            except WorkflowClosedError:
                return
            run.own_tasks.add(info.task_id)
            run.scene_tasks[order.scene_id] = info.task_id
        count = len(prepared)
        self._services.status(f"Generating {count} clip{'s' if count != 1 else ''}.")

    def _preparing_failed(self, info: ErrorInfo) -> None:
        self._services.status(f"Could not start the generation: {error_text(info)}", 10_000)

    # --- what the workflow reports ----------------------------------------------------------

    def _post(self, run: _Run, item: _Item) -> None:
        """From any thread: queue `item` and wake the GUI thread."""
        with self._inbox_lock:
            first = not self._inbox
            self._inbox.append((run, item))
        if first:
            self._wake.wake.emit()

    def _drain(self) -> None:
        while True:
            with self._inbox_lock:
                batch = list(self._inbox)
                self._inbox.clear()
            if not batch:
                return
            for run, item in batch:
                try:
                    self._handle(run, item)
                except Exception:  # one bad report must not stop the others
                    _log.exception("handling a generation report failed")

    def _handle(self, run: _Run, item: _Item) -> None:
        if isinstance(item, RemoteJob):
            run.recorder.on_remote_job(item)
            self._store_records(run)
        elif isinstance(item, _JobDone):
            run.recorder.on_remote_job_done(item.scene_id)
            self._store_records(run)
        elif item.kind is WorkflowEventKind.TASK_UPDATED:
            if item.task is not None and run.state != "closed":
                self._task_changed(run, item.task)
        elif run.state == "current":
            self._breaker_changed(item)

    def _store_records(self, run: _Run) -> None:
        records = dict(run.project.document.remote_jobs)
        if records == run.records:
            return
        run.records = records
        try:
            _write_records(run.project, records)
        except (ConfigError, OSError) as error:
            _log.error("could not write the cloud job records of %s: %s", run.project, error)
            self._services.status(
                "Could not note the cloud generation in project.json; save the project so it "
                f"can be continued after a restart ({error}).",
                10_000,
            )

    def _document_changed(self) -> None:
        """An edit, undo or redo replaced the document: keep the job records it holds."""
        run = self._run
        if run is None or self._session.project is not run.project:
            return
        if run.project.document.remote_jobs != run.records:
            run.project.document.remote_jobs = dict(run.records)

    def _task_changed(self, run: _Run, info: TaskInfo) -> None:
        self._tasks[info.task_id] = info
        self.task_updated.emit(info)
        if self._statuses.get(info.task_id) is not info.status:
            self._statuses[info.task_id] = info.status
            self.metrics_changed.emit()
        if info.status is TaskStatus.COMPLETED and info.task_id not in self._applied:
            self._applied.add(info.task_id)
            self._apply_clip(run, info)
        elif info.status is TaskStatus.FAILED:
            name = self.scene_label(info)
            self._services.status(f"{name}: {info.error_message or info.message}", 10_000)

    def _apply_clip(self, run: _Run, info: TaskInfo) -> None:
        """The clip into its scene: one undo step."""
        project = self._session.project
        scene_id = str(info.metadata.get("scene_id") or "")
        if project is not run.project or not info.result_path:
            _log.info("the clip %s arrived after its project was closed", info.result_path)
            return
        number = self._scene_number(scene_id)
        if number is None:
            self._services.status(
                "A clip is ready for a scene that has been removed; it was not used.", 10_000
            )
            return
        clip = project.portable_path(Path(info.result_path))
        label = f"Generated clip for scene {number}"
        if self._session.edit(
            lambda p: edits.update_scenes(p, [scene_id], {"clip": clip}, label=label)
        ):
            self._services.status(f"Scene {number}: the clip is ready.")

    def _breaker_changed(self, event: WorkflowEvent) -> None:
        adapter = event.adapter or ""
        if event.kind is WorkflowEventKind.BREAKER_OPENED:
            self._open_breakers[adapter] = event.message
            self.breaker_alert.emit(event.message)
        elif event.kind is WorkflowEventKind.BREAKER_CLOSED:
            self._open_breakers.pop(adapter, None)
            self.breaker_cleared.emit(event.message)
        self._services.status(event.message, 10_000)
        self.metrics_changed.emit()

    # --- helpers ------------------------------------------------------------------------------

    def _scene_number(self, scene_id: str) -> int | None:
        project = self._session.project
        if project is None or not scene_id:
            return None
        for index, scene in enumerate(project.document.storyboard.scenes):
            if scene.id == scene_id:
                return index + 1
        return None

    def _update_actions(self) -> None:
        project = self._session.project
        has_scenes = project is not None and bool(project.document.storyboard.scenes)
        self._generate_selected.setEnabled(
            project is not None and bool(self._session.selected_scene_ids)
        )
        self._generate_all.setEnabled(has_scenes)
        self._cancel_all.setEnabled(project is not None)


def _prepare(
    workflow: GenerationWorkflow, orders: list[SceneOrder], cancel: CancelToken
) -> list[tuple[SceneOrder, GenerationRequest]]:
    """On a worker thread: each scene's request, fitted to its model (setting up a cloud
    model's adapter loads its HTTP stack: not on the GUI thread)."""
    capabilities: dict[str, Capabilities | None] = {}
    prepared = []
    for order in orders:
        cancel.raise_if_cancelled()
        if order.model not in capabilities:
            try:
                capabilities[order.model] = workflow.adapter(order.model).capabilities()
            except Exception as error:  # the task will say why, in plain words
                _log.info("no capabilities of %s: %s", order.model, error)
                capabilities[order.model] = None
        prepared.append((order, build_request(order, capabilities[order.model])))
    return prepared
