"""One run of a workflow task on a worker thread: serve it from the cache, or pass the
adapter's circuit breaker (waiting, or falling back to the local engine), call the adapter,
and decide what its outcome means: done, retried later (resuming an accepted job rather
than starting a second one), or failed with a plain message."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from video_studio.adapters.base import (
    GeneratedClip,
    GenerationProgress,
    RemoteJob,
    RemoteState,
)
from video_studio.circuit_breaker import CircuitBreaker, is_service_failure
from video_studio.config_errors import ConfigError
from video_studio.error_types import VideoStudioErrorType
from video_studio.models import TaskStatus
from video_studio.retry_policy import RetryPolicy
from video_studio.workflow_cache import cache_key
from video_studio.workflow_tasks import (
    LOCAL,
    Attempt,
    Task,
    create_may_have_happened,
    local_fallback_message,
    paused_message,
    progress_message,
    remote_job_failed,
    retry_message,
)

if TYPE_CHECKING:
    from video_studio.workflow import GenerationWorkflow

_log = logging.getLogger("video_studio.workflow")

# Where each state of an adapter's work sits on the task's progress bar (start, span).
_PROGRESS_SPANS: dict[RemoteState, tuple[float, float]] = {
    RemoteState.SUBMITTING: (0.02, 0.0),
    RemoteState.QUEUED: (0.05, 0.0),
    RemoteState.RUNNING: (0.05, 0.85),
    RemoteState.DOWNLOADING: (0.90, 0.10),
    RemoteState.DONE: (1.0, 0.0),
}
_HALF_OPEN_RECHECK = 1.0  # seconds between looks at a breaker whose trial call is running


def overall_fraction(progress: GenerationProgress) -> float | None:
    start, span = _PROGRESS_SPANS[progress.state]
    if span == 0.0:
        return start
    return None if progress.fraction is None else start + span * progress.fraction


class TaskRunner:
    def __init__(
        self,
        workflow: GenerationWorkflow,
        on_remote_job: Callable[[RemoteJob], None] | None,
        on_remote_job_done: Callable[[str], None] | None,
    ) -> None:
        self._wf = workflow
        self._on_remote_job = on_remote_job
        self._on_remote_job_done = on_remote_job_done

    # --- a run ----------------------------------------------------------------------------

    def run(self, task: Task) -> None:
        wf = self._wf
        first = task.attempts == 0 and not task.resume_next
        if first and task.use_cache and self._serve_from_cache(task, task.model):
            return
        name, fallback = task.model, False
        breaker = wf.error_handler.get_circuit_breaker(name)
        if not breaker.allow_request():
            use_local = wf.config.workflow.when_breaker_open == "use_local"
            if not use_local or name == LOCAL or task.resume_next:
                self._wait_for_breaker(task, name, breaker)
                return
            name, fallback = LOCAL, True
            if first and task.use_cache and self._serve_from_cache(task, LOCAL, fallback=True):
                return
            breaker = wf.error_handler.get_circuit_breaker(LOCAL)
            if not breaker.allow_request():
                self._wait_for_breaker(task, LOCAL, breaker)
                return
            wf.metrics_recorder.fell_back_to_local(task.model)
        attempt = Attempt(name, resuming=task.remote_job if task.resume_next else None)
        if not self._begin(task, attempt, fallback):
            breaker.record_ignored()
            return
        clip, error, seconds = self._call(task, attempt, fallback)
        if clip is not None:
            self._succeeded(task, attempt, breaker, clip, seconds=seconds, fallback=fallback)
        elif attempt.stopped is not None:
            self._stopped(task, attempt, breaker)
        else:
            assert error is not None
            self._failed(task, attempt, breaker, error)

    def _begin(self, task: Task, attempt: Attempt, fallback: bool) -> bool:
        wf = self._wf
        with wf.cond:
            if task.info.is_terminal:
                return False  # cancelled between leaving the queue and now
            task.attempt = attempt
            task.attempts += 1
            wf.set_deadline(task)
            if fallback:
                message = local_fallback_message(task.model, done=False)
                task.info.metadata["generated_by"] = LOCAL
            elif attempt.resuming is not None:
                message = "Checking on the job sent before"
            else:
                message = "Starting"
            task.info.transition_to(TaskStatus.RUNNING, message)
            task.info.queue_position = None
            wf.publish(task)
            job = attempt.resuming if not task.remote_reported else None
            if job is not None:
                task.remote_reported = True  # resumed after a failure: saved again
        wf.flush_events()
        if job is not None:
            self._report_job(job)
        return True

    def _call(
        self, task: Task, attempt: Attempt, fallback: bool
    ) -> tuple[GeneratedClip | None, BaseException | None, float]:
        wf = self._wf
        clock = wf.clock
        started = clock()
        progress = self._progress_callback(task, attempt, fallback)
        wf.metrics_recorder.call_started(attempt.adapter_name)
        try:
            adapter = wf.adapter(attempt.adapter_name)
            if attempt.resuming is not None:
                clip = adapter.resume(
                    attempt.resuming, task.request, cancel=attempt.token, progress=progress
                )
            else:
                clip = adapter.generate(task.request, cancel=attempt.token, progress=progress)
        except Exception as exc:
            return None, exc, clock() - started
        return clip, None, clock() - started

    def _progress_callback(
        self, task: Task, attempt: Attempt, fallback: bool
    ) -> Callable[[GenerationProgress], None]:
        wf = self._wf

        def on_progress(progress: GenerationProgress) -> None:
            new_job = None
            with wf.cond:
                if task.attempt is not attempt or attempt.stopped is not None:
                    return  # a late report of a call that was stopped
                attempt.last_state = progress.state
                info = task.info
                before = (info.progress, info.message, info.queue_position, info.remote_job_id)
                job_id = progress.remote_job_id
                if job_id and (task.remote_job is None or task.remote_job.job_id != job_id):
                    new_job = RemoteJob(
                        model=attempt.adapter_name,
                        job_id=job_id,
                        scene_id=task.scene_key,
                        request_image=Path(task.request.image),
                    )
                    task.remote_job, task.remote_reported = new_job, True
                    info.remote_job_id = job_id
                fraction = overall_fraction(progress)
                if fraction is not None and progress.state is not RemoteState.DONE:
                    info.progress = max(info.progress, min(0.99, fraction))
                if not fallback:
                    info.message = progress_message(attempt.adapter_name, progress)
                info.queue_position = progress.queue_position
                after = (info.progress, info.message, info.queue_position, info.remote_job_id)
                if after != before:
                    info.updated_at = datetime.now(UTC)
                    wf.publish(task)
            if new_job is not None:
                self._report_job(new_job)
            wf.flush_events()

        return on_progress

    # --- outcomes -------------------------------------------------------------------------

    def _succeeded(
        self,
        task: Task,
        attempt: Attempt,
        breaker: CircuitBreaker,
        clip: GeneratedClip,
        *,
        seconds: float,
        fallback: bool,
    ) -> None:
        wf = self._wf
        breaker.record_success()
        wf.metrics_recorder.call_succeeded(attempt.adapter_name, seconds)
        key = task.cache_key if not fallback else None
        try:
            key = key or cache_key(task.request, attempt.adapter_name, self._model_id(attempt))
        except Exception as exc:  # the image vanished meanwhile: nothing to cache under
            _log.warning("not caching the clip of task %s: %s", task.info.task_id, exc)
        else:
            wf.cache.store(key, clip)
        with wf.cond:
            stopped = attempt.stopped is not None
            if not stopped:
                task.info.result_path = str(clip.path)
                task.info.remote_job_id = clip.remote_job_id or task.info.remote_job_id
                task.info.message = (
                    local_fallback_message(task.model, done=True) if fallback else "Clip ready."
                )
            if attempt.keep_remote:
                done = False  # the record stays: the next resume() collects the clip
            else:
                task.remote_job, task.resume_next = None, False
                done = self._take_done(task)
            wf.attempt_ended(task, attempt)
            if not stopped and not task.info.is_terminal:
                wf.finish(task, TaskStatus.COMPLETED)
        self._report_done(task, done)

    def _stopped(self, task: Task, attempt: Attempt, breaker: CircuitBreaker) -> None:
        """Cancelled, timed out or shut down while the adapter worked."""
        wf = self._wf
        if attempt.stopped == "timeout":
            breaker.record_failure()  # a job stuck past the limit says the service is ill
        else:
            breaker.record_ignored()
        wf.metrics_recorder.call_cancelled(attempt.adapter_name)
        with wf.cond:
            job, done = self._release_job(task, attempt)
            wf.attempt_ended(task, attempt)
        if job is not None:
            self._cancel_remote(job)
        self._report_done(task, done)

    def _failed(
        self, task: Task, attempt: Attempt, breaker: CircuitBreaker, error: BaseException
    ) -> None:
        wf = self._wf
        if is_service_failure(error):
            breaker.record_failure()
        else:
            breaker.record_ignored()
        name = attempt.adapter_name
        wf.metrics_recorder.call_failed(name)
        context: dict[str, Any] = {"task_id": task.info.task_id, "model": name}
        if task.info.scene_index is not None:
            context["scene_index"] = task.info.scene_index
        info = wf.error_handler.handle(error, context)
        policy = self._policy(name)
        accepted = task.remote_job is not None
        retry = (
            policy.should_retry(error)
            and task.attempts < policy.max_attempts
            and not (accepted and remote_job_failed(error))
            and not (not accepted and create_may_have_happened(error, attempt))
        )
        wait = policy.compute_wait(task.attempts, error) if retry else 0.0
        now = wf.clock()
        if retry and task.deadline is not None and now + wait >= task.deadline:
            retry = False  # the wait alone would pass the time limit
        done, job = False, None
        with wf.cond:
            if attempt.stopped is not None:  # cancelled meanwhile: cancel() reported it
                job, done = self._release_job(task, attempt)
            wf.attempt_ended(task, attempt)
            if attempt.stopped is not None or task.info.is_terminal:
                pass
            elif retry:
                task.resume_next = accepted
                wf.metrics_recorder.retried(name)
                text = retry_message(wait, task.attempts + 1, policy.max_attempts, info.message)
                task.info.transition_to(TaskStatus.QUEUED, text)
                wf.requeue(task, now + wait)
                wf.publish(task)
            else:
                if accepted and remote_job_failed(error):
                    task.remote_job = None  # the service ended it: nothing left to resume
                task.resume_next = False
                done = self._take_done(task)
                cancelled = info.error_type is VideoStudioErrorType.CANCELLED
                wf.finish(task, TaskStatus.CANCELLED if cancelled else TaskStatus.FAILED, info)
        if job is not None:
            self._cancel_remote(job)
        self._report_done(task, done)

    def _wait_for_breaker(self, task: Task, name: str, breaker: CircuitBreaker) -> None:
        """Back to the queue until the breaker lets a call through (status stays QUEUED)."""
        wf = self._wf
        remaining = breaker.remaining_cooldown()
        wait = remaining if remaining > 0 else min(_HALF_OPEN_RECHECK, breaker.recovery_timeout)
        message = paused_message(name, remaining, datetime.now(UTC))
        with wf.cond:
            if task.info.is_terminal:
                return
            if task.info.message != message:
                task.info.message = message
                wf.publish(task)
            wf.requeue(task, wf.clock() + wait)

    def _serve_from_cache(self, task: Task, model: str, *, fallback: bool = False) -> bool:
        wf = self._wf
        try:
            key = cache_key(task.request, model, self._model_id_of(model))
        except Exception as exc:  # e.g. the image is missing: the adapter will say so
            _log.info("no cache lookup for task %s: %s", task.info.task_id, exc)
            return False
        if not fallback:
            task.cache_key = key
        cached = wf.cache.lookup(key)
        if cached is None:
            return False
        try:
            clip = wf.cache.place(cached, task.request)
        except Exception as exc:
            _log.warning("could not use the cached clip %s: %s", cached.path, exc)
            return False
        wf.metrics_recorder.cache_hit(task.model)
        with wf.cond:
            if task.info.is_terminal:
                return True
            info = task.info
            info.transition_to(TaskStatus.RUNNING)
            info.result_path = str(clip.path)
            info.remote_job_id = cached.remote_job_id
            info.metadata["from_cache"] = True
            if fallback:
                info.metadata["generated_by"] = LOCAL
            note = local_fallback_message(task.model, done=True) if fallback else ""
            info.message = f"Clip ready (made before with the same settings). {note}".strip()
            wf.finish(task, TaskStatus.COMPLETED)
        return True

    # --- clean-up and callbacks -----------------------------------------------------------

    def clean_up(self, task: Task) -> None:
        """A task stopped while waiting in the queue with a remote job: stop the job too."""
        with self._wf.cond:
            job, task.remote_job, task.resume_next = task.remote_job, None, False
            done = self._take_done(task)
        if job is not None:
            self._cancel_remote(job)
        self._report_done(task, done)

    def _release_job(self, task: Task, attempt: Attempt) -> tuple[RemoteJob | None, bool]:
        """After a stopped call (caller holds the lock): the job to cancel at the service,
        and whether on_remote_job_done is due. None and False when the stop keeps the job
        (shutdown(keep_remote_jobs=True)): it goes on and its record stays for resume()."""
        if attempt.keep_remote:
            return None, False
        job, task.remote_job, task.resume_next = task.remote_job, None, False
        return job, self._take_done(task)

    def _cancel_remote(self, job: RemoteJob) -> None:
        try:
            self._wf.adapter(job.model).cancel_remote(job)
        except Exception:
            _log.exception("cancelling the %s job %s failed", job.model, job.job_id)

    @staticmethod
    def _take_done(task: Task) -> bool:
        """Whether on_remote_job_done is due now (caller holds the lock)."""
        due, task.remote_reported = task.remote_reported, False
        return due

    def _report_job(self, job: RemoteJob) -> None:
        if self._on_remote_job is not None:
            try:
                self._on_remote_job(job)
            except Exception:
                _log.exception("the remote-job callback failed for %s", job.job_id)

    def _report_done(self, task: Task, due: bool) -> None:
        if due and self._on_remote_job_done is not None:
            try:
                self._on_remote_job_done(task.scene_key)
            except Exception:
                _log.exception("the remote-job-done callback failed for %s", task.scene_key)
        self._wf.flush_events()

    # --- settings -------------------------------------------------------------------------

    def _policy(self, name: str) -> RetryPolicy:
        try:
            return self._wf.error_handler.retry_policy(name)
        except ConfigError:  # a plugin the config does not mention: default attempts
            settings = self._wf.config.workflow
            return RetryPolicy(
                base_delay=settings.retry_base_delay_seconds,
                max_delay=settings.retry_max_delay_seconds,
            )

    def _model_id(self, attempt: Attempt) -> str:
        return self._model_id_of(attempt.adapter_name)

    def _model_id_of(self, model: str) -> str:
        try:
            return self._wf.config.get_model_config(model).model_id
        except ConfigError:
            return ""
