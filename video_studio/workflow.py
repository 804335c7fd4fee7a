"""The generation workflow: runs model adapters for scenes, a task per clip, through a FIFO
queue of at most `workflow.max_concurrent_tasks` worker threads it owns.

Around each adapter call it keeps the task's state (TaskInfo, sent as events from its
threads), a time limit per task, retries of whole generations (only while they cannot start
a second paid job), one circuit breaker per adapter (an open one makes tasks wait, or fall
back to the local engine), a result cache, and the remote-job records a restart resumes.
Plain Python: the GUI calls it from its thread and marshals the events it receives.

    workflow = GenerationWorkflow(config, get_registry(), cache_dir=project.cache_dir,
                                  on_event=relay, on_remote_job=save_job,
                                  on_remote_job_done=forget_job)
    task = workflow.submit(GenerationRequest(image=photo, scene_id=scene.id), "luma")
    ...
    workflow.shutdown(keep_remote_jobs=True)  # closing: saved jobs go on, resumed next time
"""

from __future__ import annotations

import bisect
import heapq
import itertools
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from video_studio.adapters.base import GenerationRequest, ModelAdapter, RemoteJob
from video_studio.adapters.registry import AdapterRegistry
from video_studio.circuit_breaker import CircuitState
from video_studio.config import VideoStudioConfig
from video_studio.config_errors import ConfigError
from video_studio.error_handler import VideoStudioErrorHandler
from video_studio.error_types import ErrorInfo
from video_studio.models import TaskInfo, TaskStatus
from video_studio.thread_priority import lower_current_thread_priority
from video_studio.workflow_cache import ResultCache
from video_studio.workflow_events import (
    EventListener,
    EventOutbox,
    WorkflowEvent,
    WorkflowEventKind,
)
from video_studio.workflow_metrics import AdapterMetrics, MetricsRecorder
from video_studio.workflow_runner import TaskRunner
from video_studio.workflow_tasks import (
    Attempt,
    StopReason,
    Task,
    kept_job_message,
    service_name,
    snapshot_of,
    timeout_error,
)

__all__ = [
    "AdapterMetrics",
    "GenerationWorkflow",
    "WorkflowClosedError",
    "WorkflowEvent",
    "WorkflowEventKind",
]

_log = logging.getLogger("video_studio.workflow")
_MAX_IDLE_WAIT = 1.0  # seconds: queued waits are re-checked at least this often
_LIVE_POSITIONS = 10  # queue places whose every change is announced


class WorkflowClosedError(RuntimeError):
    """submit/resume/retry after shutdown()."""


class GenerationWorkflow:
    """Thread-safe. Callbacks run on the workflow's threads (or, for a task dropped from
    the queue, on the caller's): keep them short and marshal to the GUI thread."""

    def __init__(
        self,
        config: VideoStudioConfig,
        registry: AdapterRegistry,
        *,
        cache_dir: Path,
        on_event: EventListener | None = None,
        on_remote_job: Callable[[RemoteJob], None] | None = None,
        on_remote_job_done: Callable[[str], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
        error_handler: VideoStudioErrorHandler | None = None,
    ) -> None:
        self.config = config
        self._settings = config.workflow
        self._registry = registry
        self._clock = clock
        self._handler = error_handler or VideoStudioErrorHandler(config, clock=clock)
        self._outbox = EventOutbox(on_event)
        self._metrics = MetricsRecorder()
        self._cache = ResultCache(cache_dir)
        self._cond = threading.Condition()  # guards every field below and each Task
        self._tasks: dict[str, Task] = {}
        self._queue: list[tuple[int, Task]] = []  # (seq, task) in submission order
        self._cleanups: deque[Task] = deque()  # cancelled tasks whose remote job must stop
        self._deadlines: list[tuple[float, int, Task]] = []  # heap for the watchdog
        self._threads: list[threading.Thread] = []
        self._adapters: dict[str, ModelAdapter] = {}
        self._adapters_lock = threading.Lock()
        self._seq = itertools.count()
        self._closed = False  # no new work accepted
        self._stopping = False  # threads leave once their current work is done
        self._runner = TaskRunner(self, on_remote_job, on_remote_job_done)
        self._handler.add_breaker_listener(self._breaker_changed)

    # --- public interface ---------------------------------------------------------------

    def submit(
        self,
        request: GenerationRequest,
        model: str,
        *,
        scene_index: int | None = None,
        use_cache: bool = True,
    ) -> TaskInfo:
        """Queue a clip; returns a snapshot of the new task. `use_cache=False` makes a new
        clip even when an identical one is cached (it still replaces the cached one)."""
        info = TaskInfo(
            model=model,
            scene_index=scene_index,
            metadata={"scene_id": request.scene_id, "image": str(request.image)},
        )
        return self._add(Task(info, request, model, use_cache, next(self._seq)))

    def resume(self, job: RemoteJob, request: GenerationRequest) -> TaskInfo:
        """Follow a job a service accepted before a restart (polled, never created again)."""
        info = TaskInfo(
            model=job.model,
            remote_job_id=job.job_id,
            metadata={"scene_id": request.scene_id, "image": str(request.image), "resumed": True},
        )
        task = Task(info, request, job.model, False, next(self._seq))
        task.remote_job, task.remote_reported, task.resume_next = job, True, True
        return self._add(task, "Waiting to continue the job started before")

    def cancel(self, task_id: str) -> bool:
        """Stop a task: a queued one is dropped, a running one is told to stop and its
        remote job cancelled. False when the task is unknown or already finished."""
        return self._stop(task_id, "cancelled")

    def retry(self, task_id: str) -> TaskInfo:
        """Queue a failed or cancelled task again (a remote job that may still be alive is
        resumed, not paid for twice)."""
        with self._cond:
            self._check_open()
            task = self._tasks[task_id]
            if task.info.status not in (TaskStatus.FAILED, TaskStatus.CANCELLED):
                raise ValueError(f"task {task_id} is {task.info.status.value}, not failed")
            task.attempts, task.deadline = 0, None
            task.resume_next = task.remote_job is not None
            task.info.transition_to(TaskStatus.QUEUED, "Waiting to start")
            task.info.metadata.pop("generated_by", None)
            if task.attempt is not None:
                task.requeue_when_idle = True  # the stopped call is still winding down
            else:
                self._enqueue(task, 0.0)
            self._publish(task)
            snapshot = snapshot_of(task)
        self._outbox.flush()
        return snapshot

    def wait(self, task_id: str, timeout: float | None = None) -> TaskInfo:
        """The task's state once it finished, or when `timeout` seconds passed."""
        end = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            task = self._tasks[task_id]
            while not task.info.is_terminal or task.requeue_when_idle:
                remaining = None if end is None else end - time.monotonic()
                if remaining is not None and remaining <= 0:
                    break
                self._cond.wait(remaining)
            return snapshot_of(task)

    def get(self, task_id: str) -> TaskInfo:
        with self._cond:
            return snapshot_of(self._tasks[task_id])

    def tasks(self) -> list[TaskInfo]:
        with self._cond:
            return [snapshot_of(task) for task in self._tasks.values()]

    def metrics(self) -> dict[str, AdapterMetrics]:
        """Per adapter that was used (or whose breaker exists)."""
        breakers = self._handler.circuit_breakers()
        names = list(dict.fromkeys([*self._metrics.names(), *breakers]))
        return {
            name: self._metrics.snapshot(
                name, breakers[name].state.value if name in breakers else "closed"
            )
            for name in names
        }

    @property
    def error_handler(self) -> VideoStudioErrorHandler:
        return self._handler

    def shutdown(
        self, cancel_running: bool = True, wait: bool = True, *, keep_remote_jobs: bool = False
    ) -> None:
        """Drop queued tasks, stop (or let finish) running ones, and end the threads; with
        `wait`, return once none is left. Stopped tasks end CANCELLED.

        `cancel_running`: stop the running tasks (their adapters cancel the jobs the services
        accepted); False lets them finish first, which can take minutes.

        `keep_remote_jobs` (closing the app, whose project resumes its jobs): a task, queued
        or running, whose job a service accepted and on_remote_job recorded stops without
        cancelling that job, and on_remote_job_done is not called for it, whatever its call
        does after the stop; its record stays, so a later resume() follows the job (paid
        once). A call whose job was not yet accepted is stopped as usual: should the service
        accept it while the call stops, the adapter cancels it, so no paid job runs without
        a record. Tasks end CANCELLED; kept ones carry `metadata["remote_job_kept"]`.

        How long `wait` takes: running calls stop at their next cancel check (polling waits
        end at once), but an HTTP request already sent cannot be interrupted, so a call may
        first wait for its answer, up to the model's `request_timeout_seconds`; a call whose
        job is cancelled then sends the cancel request (a few seconds at most). Callbacks
        (events, on_remote_job) may still come from the threads until they end."""
        with self._cond:
            self._closed = True
            queued = [task for _, task in self._queue]
            running = [t for t in self._tasks.values() if t.attempt is not None]
        for task in queued:
            self._stop(task.info.task_id, "shutdown", keep_remote=keep_remote_jobs)
        if cancel_running:
            for task in running:
                self._stop(task.info.task_id, "shutdown", keep_remote=keep_remote_jobs)
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
            threads = list(self._threads)
        if wait:
            for thread in threads:
                thread.join()
            with self._adapters_lock:
                adapters = list(self._adapters.values())
                self._adapters.clear()
            for adapter in adapters:
                close = getattr(adapter, "close", None)
                if callable(close):
                    try:
                        close()
                    except Exception:
                        _log.exception("closing the %s adapter failed", adapter.name)
        self._outbox.flush()

    # --- queue ----------------------------------------------------------------------------

    def _check_open(self) -> None:
        if self._closed:
            raise WorkflowClosedError("the generation workflow has been shut down")

    def _add(self, task: Task, message: str = "Waiting to start") -> TaskInfo:
        with self._cond:
            self._check_open()
            self._start_threads()
            self._tasks[task.info.task_id] = task
            task.info.transition_to(TaskStatus.QUEUED, message)
            self._enqueue(task, 0.0)
            self._publish(task)
            snapshot = snapshot_of(task)
        self._outbox.flush()
        return snapshot

    def _enqueue(self, task: Task, not_before: float) -> None:
        """Into the queue at its submission place (caller holds the lock)."""
        task.not_before = not_before
        bisect.insort(self._queue, (task.seq, task), key=lambda entry: entry[0])
        self._renumber()
        self._cond.notify_all()

    def _renumber(self) -> None:
        """Keep every queued task's position exact; announce changes near the head of the
        queue one by one, further back every tenth place (a long queue would otherwise cost
        an event per waiting task each time one leaves: quadratic)."""
        for position, (_, task) in enumerate(self._queue):
            if task.position != position:
                task.position = position
                if position < _LIVE_POSITIONS or position % 10 == 0:
                    self._publish(task)

    def _take(self) -> tuple[Task, bool] | None:
        """The next work for a worker thread (a task, and whether it is only a clean-up);
        None when the thread should leave."""
        with self._cond:
            while True:
                if self._cleanups:
                    return self._cleanups.popleft(), True
                if self._stopping:
                    return None
                now = self._clock()
                for index, (_, task) in enumerate(self._queue):
                    if task.not_before <= now:
                        del self._queue[index]
                        task.position = None
                        self._renumber()
                        return task, False
                waits = [task.not_before - now for _, task in self._queue]
                timeout = min(*waits, _MAX_IDLE_WAIT) if waits else None
                self._cond.wait(timeout)

    def _start_threads(self) -> None:
        if self._threads:
            return
        for number in range(self._settings.max_concurrent_tasks):
            self._spawn(self._work, f"video-studio-generation-{number + 1}")
        self._spawn(self._watch, "video-studio-generation-watchdog")

    def _spawn(self, target: Callable[[], None], name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _work(self) -> None:
        lower_current_thread_priority()
        while (work := self._take()) is not None:
            task, clean_up_only = work
            try:
                if clean_up_only:
                    self._runner.clean_up(task)
                else:
                    self._runner.run(task)
            except Exception:  # a bug of ours must not kill the worker
                _log.exception("generation task %s failed unexpectedly", task.info.task_id)
            self._outbox.flush()

    # --- time limits ----------------------------------------------------------------------

    def set_deadline(self, task: Task) -> None:
        """Start the task's time limit at its first run (caller holds the lock)."""
        if task.deadline is None:
            task.deadline = self._clock() + self._settings.task_timeout_minutes * 60.0
            heapq.heappush(self._deadlines, (task.deadline, task.seq, task))
            self._cond.notify_all()

    def _watch(self) -> None:
        with self._cond:
            while not self._stopping:
                now = self._clock()
                expired: list[Task] = []
                while self._deadlines and self._deadlines[0][0] <= now:
                    deadline, _, task = heapq.heappop(self._deadlines)
                    if task.deadline == deadline and not task.info.is_terminal:
                        expired.append(task)
                if expired:
                    self._cond.release()
                    try:
                        for task in expired:
                            self._stop(task.info.task_id, "timeout")
                    finally:
                        self._cond.acquire()
                    continue
                wait = self._deadlines[0][0] - now if self._deadlines else None
                self._cond.wait(_MAX_IDLE_WAIT if wait is None else min(wait, _MAX_IDLE_WAIT))

    # --- stopping a task ------------------------------------------------------------------

    def _stop(self, task_id: str, reason: StopReason, *, keep_remote: bool = False) -> bool:
        """End a task. `keep_remote`: leave its job running at the service, record and all,
        if on_remote_job recorded one (and no plain cancel is already under way)."""
        with self._cond:
            task = self._tasks.get(task_id)
            if task is None or task.info.is_terminal:
                return False
        info = self._stop_info(task, reason)  # outside the lock: it logs
        token, keep = None, False
        with self._cond:
            if task.info.is_terminal:
                return False
            attempt = task.attempt
            keep = keep_remote and task.job_recorded
            keep = keep and (attempt is None or not attempt.token.cancelled)
            queued = any(queued is task for _, queued in self._queue)
            if queued:
                self._queue = [(seq, t) for seq, t in self._queue if t is not task]
                task.position = None
                self._renumber()
            if attempt is not None:
                attempt.stopped, attempt.keep_remote = reason, keep
                token = attempt.token
            elif task.remote_job is not None and not keep:
                self._cleanups.append(task)  # a resume waiting in the queue: stop the job too
                self._cond.notify_all()
            message = None
            if keep:
                task.info.metadata["remote_job_kept"] = True
                job = task.remote_job
                message = kept_job_message(job.model if job is not None else task.model)
            status = TaskStatus.CANCELLED if info is None else TaskStatus.FAILED
            self.finish(task, status, info, message=message)
        if token is not None:
            token.cancel(keep_remote=keep)
        self._outbox.flush()
        return True

    def _stop_info(self, task: Task, reason: StopReason) -> ErrorInfo | None:
        if reason != "timeout":
            return None
        error = timeout_error(self._settings.task_timeout_minutes)
        context: dict[str, Any] = {"task_id": task.info.task_id, "model": task.model}
        if task.info.scene_index is not None:
            context["scene_index"] = task.info.scene_index
        return self._handler.handle(error, context)

    def finish(
        self,
        task: Task,
        status: TaskStatus,
        error: ErrorInfo | None = None,
        *,
        message: str | None = None,
    ) -> None:
        """Move a task to a final status (caller holds the lock); `message` replaces the
        one the status or error gives."""
        if error is not None:
            task.info.error_type = error.error_type.value
            task.info.error_message = error.message
            task.info.metadata["recovery_actions"] = [a.value for a in error.recovery_actions]
            task.info.metadata["error_id"] = error.error_id
            default = error.message
        elif status is TaskStatus.CANCELLED:
            default = "Stopped because Video Studio is closing." if self._closed else "Cancelled."
        else:
            default = task.info.message
        task.info.transition_to(status, message if message is not None else default)
        self._publish(task)
        self._cond.notify_all()

    # --- events ---------------------------------------------------------------------------

    def _publish(self, task: Task) -> None:
        """Queue a task-updated event (caller holds the lock; flush after releasing it)."""
        if self._outbox.enabled:
            snapshot = snapshot_of(task)
            self._outbox.put(WorkflowEvent(WorkflowEventKind.TASK_UPDATED, task=snapshot))

    def publish(self, task: Task) -> None:
        self._publish(task)

    def flush_events(self) -> None:
        self._outbox.flush()

    def _breaker_changed(self, name: str, old: CircuitState, new: CircuitState) -> None:
        now = datetime.now(UTC)
        service = service_name(name)
        if new is CircuitState.OPEN:
            breaker = self._handler.get_circuit_breaker(name)
            wait = breaker.recovery_timeout
            self._metrics.breaker_opened(name, now)
            retry_at = now + timedelta(seconds=wait)
            text = (
                f"{service[:1].upper()}{service[1:]} failed several times in a row: requests "
                f"to it are paused until {retry_at.astimezone():%H:%M:%S}."
            )
            event = WorkflowEvent(
                WorkflowEventKind.BREAKER_OPENED,
                adapter=name,
                retry_at=retry_at,
                retry_in_seconds=wait,
                message=text,
            )
        elif new is CircuitState.CLOSED and old is not CircuitState.CLOSED:
            text = f"{service[:1].upper()}{service[1:]} works again."
            event = WorkflowEvent(WorkflowEventKind.BREAKER_CLOSED, adapter=name, message=text)
        else:
            event = None
        with self._cond:
            if event is not None:
                self._outbox.put(event)
            self._cond.notify_all()  # tasks waiting for this breaker look again
        self._outbox.flush()

    # --- services for the runner ----------------------------------------------------------

    @property
    def cond(self) -> threading.Condition:
        return self._cond

    @property
    def clock(self) -> Callable[[], float]:
        return self._clock

    @property
    def metrics_recorder(self) -> MetricsRecorder:
        return self._metrics

    @property
    def cache(self) -> ResultCache:
        return self._cache

    def requeue(self, task: Task, not_before: float) -> None:
        """Back into the queue to wait (caller holds the lock)."""
        self._enqueue(task, not_before)

    def attempt_ended(self, task: Task, attempt: Attempt) -> None:
        """The call is over (caller holds the lock): a retry() made meanwhile may queue."""
        if task.attempt is attempt:
            task.attempt = None
        if task.requeue_when_idle:
            task.requeue_when_idle = False
            task.resume_next = task.remote_job is not None
            self._enqueue(task, 0.0)
        self._cond.notify_all()

    def adapter(self, name: str) -> ModelAdapter:
        """The workflow's adapter of model `name`, made on first use."""
        with self._adapters_lock:
            adapter = self._adapters.get(name)
            if adapter is None:
                try:
                    model_config = self.config.get_model_config(name)
                except ConfigError:
                    model_config = None  # a plugin the config does not mention
                adapter = self._registry.get(name, model_config)
                self._adapters[name] = adapter
            return adapter
