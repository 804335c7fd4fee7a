"""Paid cloud jobs kept in the project, so that a restart resumes polling them instead of
paying for the same clip twice.

ProjectJobRecorder connects a Project to a GenerationWorkflow: give its `on_remote_job` and
`on_remote_job_done` to the workflow, and `remember(request)` before submitting. A job is
written to project.json as soon as the service accepts it (saved at once: a crash a moment
later must not lose it), and forgotten when its clip is in or the task ended for good.
`resume_all` re-submits what the project still holds after it was opened again.

The workflow calls back from its threads; the recorder serialises its own access to the
project, and the GUI (which edits the same project on its thread) routes these callbacks
through its thread instead.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from video_studio.adapters.base import GenerationRequest, RemoteJob
from video_studio.project_document import RemoteJob as SavedJob
from video_studio.project_document import SavedRequest, utc_now

if TYPE_CHECKING:
    from video_studio.models import TaskInfo
    from video_studio.project import Project
    from video_studio.workflow import GenerationWorkflow

_log = logging.getLogger("video_studio.workflow")


@dataclass(frozen=True)
class ResumableJob:
    scene_id: str
    job: RemoteJob
    request: GenerationRequest


def saved_job(project: Project, job: RemoteJob, request: GenerationRequest) -> SavedJob:
    """The project-file record of `job`, made for `request`."""
    return SavedJob(
        model=job.model,
        job_id=job.job_id,
        submitted_at=utc_now(),
        status_url=job.status_url,
        result_url=job.result_url,
        cancel_url=job.cancel_url,
        request=SavedRequest(
            image=project.portable_path(Path(request.image)),
            prompt=request.prompt,
            duration=request.duration,
            aspect_ratio=request.aspect_ratio,
            resolution=request.resolution,
            fps=request.fps,
            seed=request.seed,
        ),
    )


def resumable_jobs(project: Project, output_dir: Path) -> list[ResumableJob]:
    """The project's unfinished cloud jobs that can be followed again (a record without its
    request, made by an older version, cannot: it is logged and left for the user)."""
    found: list[ResumableJob] = []
    for scene_id, saved in project.document.remote_jobs.items():
        if saved.request is None:
            _log.warning("remote job %s of scene %s has no request saved", saved.job_id, scene_id)
            continue
        asked = saved.request
        image = project.resolved_path(asked.image)
        request = GenerationRequest(
            image=image,
            prompt=asked.prompt,
            duration=asked.duration,
            aspect_ratio=asked.aspect_ratio,
            resolution=asked.resolution,
            fps=asked.fps,
            seed=asked.seed,
            scene_id=scene_id,
            output_dir=output_dir,
        )
        job = RemoteJob(
            model=saved.model,
            job_id=saved.job_id,
            scene_id=scene_id,
            request_image=image,
            status_url=saved.status_url,
            result_url=saved.result_url,
            cancel_url=saved.cancel_url,
        )
        found.append(ResumableJob(scene_id, job, request))
    return found


class ProjectJobRecorder:
    """Keeps `project.remote_jobs` in step with a workflow, saving the project each time."""

    def __init__(self, project: Project, *, save: bool = True) -> None:
        self.project = project
        self._save = save
        self._lock = threading.Lock()
        self._requests: dict[str, GenerationRequest] = {}

    def remember(self, request: GenerationRequest) -> GenerationRequest:
        """Call with each request before submitting it; returns it unchanged."""
        if not request.scene_id:
            raise ValueError("a request whose job is recorded needs its scene_id")
        with self._lock:
            self._requests[request.scene_id] = request
        return request

    def on_remote_job(self, job: RemoteJob) -> None:
        with self._lock:
            request = self._requests.get(job.scene_id)
            if request is None:  # not submitted through us: record what we know
                request = GenerationRequest(image=job.request_image, scene_id=job.scene_id)
            self.project.keep_remote_job(job.scene_id, saved_job(self.project, job, request))
            self._write()

    def on_remote_job_done(self, scene_id: str) -> None:
        with self._lock:
            self._requests.pop(scene_id, None)
            if scene_id in self.project.document.remote_jobs:
                self.project.finish_remote_job(scene_id)
                self._write()

    def resume_all(self, workflow: GenerationWorkflow, output_dir: Path) -> list[TaskInfo]:
        """Follow every job the project still holds (polled, never created again)."""
        tasks = []
        for pending in resumable_jobs(self.project, output_dir):
            self.remember(pending.request)
            tasks.append(workflow.resume(pending.job, pending.request))
        return tasks

    def _write(self) -> None:
        if not self._save:
            return
        try:
            self.project.save()
        except Exception:  # the job goes on; the next save (autosave) tries again
            _log.exception("could not save the remote job record in %s", self.project.json_path)
