"""A paid job survives the app: a process that submitted a Luma generation is killed while
the job runs; the project file holds the job; the project opened again resumes polling it,
and the clip arrives without a second job being created."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from tests.emulators.image_host import ImageHost
from tests.emulators.luma import LumaEmulator
from tests.workflow.conftest import write_photo
from video_studio.adapters.base import GenerationRequest, RemoteJob
from video_studio.adapters.registry import AdapterRegistry
from video_studio.config import VideoStudioConfig, temporary_config
from video_studio.models import TaskStatus
from video_studio.project import Project
from video_studio.remote_job_records import ProjectJobRecorder, resumable_jobs
from video_studio.workflow import GenerationWorkflow

REPO = Path(__file__).resolve().parents[2]

# The first run: submit one scene to Luma through the workflow, recording jobs in the
# project, then wait (the test kills it).
FIRST_RUN = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from video_studio.adapters.base import GenerationRequest, RemoteJob
    from video_studio.adapters.registry import AdapterRegistry
    from video_studio.config import get_config
    from video_studio.project import Project
    from video_studio.remote_job_records import ProjectJobRecorder
    from video_studio.workflow import GenerationWorkflow

    project = Project.open(Path(sys.argv[1]))
    recorder = ProjectJobRecorder(project)
    workflow = GenerationWorkflow(
        get_config(), AdapterRegistry(discover_plugins=False), cache_dir=project.cache_dir,
        on_remote_job=recorder.on_remote_job, on_remote_job_done=recorder.on_remote_job_done,
    )
    image = project.resolved_path(sys.argv[2])
    request = GenerationRequest(image=image, prompt="slow orbit", scene_id="scene-1",
                                output_dir=project.clips_dir)
    workflow.submit(recorder.remember(request), "luma")
    print("submitted", flush=True)
    time.sleep(600)
    """
)


def config_for(luma: LumaEmulator, host: ImageHost, tmp_path: Path) -> dict[str, str]:
    return {
        "VIDEO_STUDIO_LUMA_BASE_URL": luma.base_url,
        "VIDEO_STUDIO_LUMA_API_KEY": luma.api_key,
        "VIDEO_STUDIO_MODELS__LUMA__IMAGE_HOST_URL": host.root_url + "/images",
        "VIDEO_STUDIO_MODELS__LUMA__POLL_INTERVAL_SECONDS": "0.05",
        "VIDEO_STUDIO_STORAGE__BASE_PATH": str(tmp_path / "data"),
    }


def test_a_killed_app_resumes_the_paid_job_from_the_project(
    tmp_path: Path, luma_emulator: LumaEmulator, image_host: ImageHost
) -> None:
    luma_emulator.polls_to_finish = 1_000_000  # the job runs until the test says
    project = Project.create(tmp_path / "launch", "Launch")
    photo = project.import_image(write_photo(tmp_path / "bottle.jpg", seed=3))
    project.save()

    env = {**os.environ, **config_for(luma_emulator, image_host, tmp_path)}
    env["PYTHONPATH"] = str(REPO)
    child = subprocess.Popen(
        [sys.executable, "-c", FIRST_RUN, str(project.folder), photo],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        saved: dict[str, object] = {}
        while time.monotonic() < deadline and not saved:
            assert child.poll() is None, child.communicate()
            saved = json.loads(project.json_path.read_text(encoding="utf-8"))["remote_jobs"]
            time.sleep(0.05)
        assert saved, "the first run never recorded its job"
        while time.monotonic() < deadline and not luma_emulator.requests_to("poll"):
            time.sleep(0.02)  # the job is being polled: the app is mid-generation
    finally:
        child.send_signal(signal.SIGKILL)
        child.communicate(timeout=30)
    assert len(luma_emulator.created_jobs) == 1
    job_id = luma_emulator.created_jobs[0].id

    # The app starts again: the project remembers the job and its request.
    reopened = Project.open(project.folder)
    [pending] = resumable_jobs(reopened, reopened.clips_dir)
    assert (pending.scene_id, pending.job.job_id) == ("scene-1", job_id)
    assert pending.request.prompt == "slow orbit"
    assert pending.request.image == reopened.resolved_path(photo)

    luma_emulator.polls_to_finish = 1  # the service finishes the job
    config = VideoStudioConfig.from_dict(
        {
            "models": {
                "luma": {
                    "base_url": luma_emulator.base_url,
                    "api_key": luma_emulator.api_key,
                    "image_host_url": image_host.root_url + "/images",
                    "poll_interval_seconds": 0.05,
                }
            },
            "storage": {"base_path": str(tmp_path / "data")},
        },
        environment=False,
    )
    recorder = ProjectJobRecorder(reopened)
    with temporary_config(config):
        workflow = GenerationWorkflow(
            config,
            AdapterRegistry(discover_plugins=False),
            cache_dir=reopened.cache_dir,
            on_remote_job=recorder.on_remote_job,
            on_remote_job_done=recorder.on_remote_job_done,
        )
        try:
            [task] = recorder.resume_all(workflow, reopened.clips_dir)
            done = workflow.wait(task.task_id, 60)
        finally:
            workflow.shutdown()

    assert done.status is TaskStatus.COMPLETED, done.error_message
    assert done.remote_job_id == job_id
    assert done.result_path is not None and Path(done.result_path).is_file()
    assert len(luma_emulator.created_jobs) == 1  # polled again, never paid twice
    assert Project.open(project.folder).document.remote_jobs == {}  # forgotten once done


def test_recorded_request_round_trips_through_the_project_file(tmp_path: Path) -> None:
    project = Project.create(tmp_path / "p", "P")
    photo = project.import_image(write_photo(tmp_path / "a.jpg", seed=1))
    recorder = ProjectJobRecorder(project)
    request = GenerationRequest(
        image=project.resolved_path(photo),
        prompt="pan left",
        duration=10.0,
        resolution="1080p",
        seed=7,
        scene_id="s-9",
    )
    recorder.remember(request)
    recorder.on_remote_job(
        RemoteJob(
            model="pika",
            job_id="req-1",
            scene_id="s-9",
            request_image=request.image,
            status_url="http://x/status",
        )
    )
    saved = json.loads(project.json_path.read_text(encoding="utf-8"))["remote_jobs"]["s-9"]
    assert saved["request"]["image"] == photo  # the asset reference, not a machine path
    [pending] = resumable_jobs(Project.open(project.folder), tmp_path / "clips")
    assert pending.job.status_url == "http://x/status"
    assert (pending.request.duration, pending.request.seed) == (10.0, 7)
    assert pending.request.resolution == "1080p"
    recorder.on_remote_job_done("s-9")
    assert Project.open(project.folder).document.remote_jobs == {}
