"""`video-studio generate` as a user runs it: exit codes, messages, the clip at OUT."""

from __future__ import annotations

import io
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import cv2
import pytest

from tests.emulators.media import tiny_mp4
from tests.emulators.runway import RunwayEmulator
from tests.render.conftest import probe, textured_image
from video_studio.adapters.base import (
    Capabilities,
    GeneratedClip,
    GenerationProgress,
    GenerationRequest,
    ModelAdapter,
    ProgressCallback,
    RemoteJob,
    RemoteState,
)
from video_studio.adapters.registry import AdapterRegistry, set_registry
from video_studio.cli import main
from video_studio.commands.generate import GenerationStatus
from video_studio.config import ModelConfig
from video_studio.jobs import CancelToken
from video_studio.media_formats import AspectRatio
from video_studio.models import TaskInfo, TaskStatus

CLI = Path(sys.executable).parent / "video-studio"
PLUGIN_FOLDER = Path(__file__).parent / "plugin_fixture"


@pytest.fixture
def photo(tmp_path: Path) -> Path:
    path = tmp_path / "bottle.jpg"
    assert cv2.imwrite(str(path), cv2.cvtColor(textured_image(640, 480), cv2.COLOR_RGB2BGR))
    return path


@pytest.fixture
def sigint_reaches_children() -> Iterator[None]:
    """A test run started in the background (`cmd &`) has SIGINT ignored, and children
    inherit that: Ctrl+C would never reach the command. With a handler here instead, a
    child starts with the default, which Python turns into KeyboardInterrupt."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIDEO_STUDIO_")}
    env.update(extra)
    return env


def run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CLI), "generate", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=_env(**env),
    )


def test_local_generate_writes_the_clip_at_out(photo: Path, tmp_path: Path) -> None:
    out = tmp_path / "clip.mp4"
    done = run(
        "--model", "local", "--image", str(photo), "--prompt", "pan left",
        "--duration", "1.5", "--aspect", "9:16", "-o", str(out),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    info = probe(out)
    assert (info.width, info.height, info.frames) == (720, 1280, 45)
    assert "the local engine" in done.stderr and f"wrote {out}" in done.stderr
    assert done.stdout == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bottle.jpg", "clip.mp4"]


def test_generate_at_1080p(photo: Path, tmp_path: Path) -> None:
    out = tmp_path / "square.mp4"
    done = run(
        "--model", "local", "--image", str(photo), "--duration", "0.5", "--aspect", "1:1",
        "--resolution", "1080p", "-q", "-o", str(out),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert (probe(out).width, probe(out).height) == (1080, 1080)
    assert "rendering" not in done.stderr  # quiet: no progress line


def test_a_photo_that_is_not_an_image_exits_2_naming_it(tmp_path: Path) -> None:
    bad = tmp_path / "label.png"
    bad.write_text("not an image", encoding="utf-8")
    done = run("--model", "local", "--image", str(bad), "-o", str(tmp_path / "x.mp4"))
    assert done.returncode == 2
    assert "label.png" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "x.mp4").exists()


def test_a_missing_photo_exits_2_naming_it(tmp_path: Path) -> None:
    done = run("--model", "local", "--image", str(tmp_path / "gone.jpg"), "-o", "x.mp4")
    assert done.returncode == 2
    assert "gone.jpg" in done.stderr and "not found" in done.stderr


def test_unknown_model_exits_2_listing_the_known(photo: Path, tmp_path: Path) -> None:
    done = run("--model", "sora", "--image", str(photo), "-o", str(tmp_path / "x.mp4"))
    assert done.returncode == 2
    assert "unknown model 'sora'" in done.stderr
    assert "local, luma, runway, pika" in done.stderr


def test_missing_api_key_exits_2_naming_the_variable(photo: Path, tmp_path: Path) -> None:
    done = run("--model", "runway", "--image", str(photo), "-o", str(tmp_path / "x.mp4"))
    assert done.returncode == 2
    assert "VIDEO_STUDIO_RUNWAY_API_KEY" in done.stderr
    assert "Settings" in done.stderr


@pytest.mark.parametrize(
    ("options", "words"),
    [
        (["--duration", "90"], "--duration: the local engine cannot make 90 s clips"),
        (["--resolution", "4k"], "--resolution: the local engine cannot make 4k clips"),
        (["-o", "clip.mov"], "name the output clip.mp4"),
    ],
)
def test_settings_the_model_cannot_make_exit_2(
    photo: Path, tmp_path: Path, options: list[str], words: str
) -> None:
    out = ["-o", str(tmp_path / "x.mp4")] if "-o" not in options else []
    done = run("--model", "local", "--image", str(photo), *options, *out)
    assert done.returncode == 2
    assert words in done.stderr


def test_a_plugin_model_generates_from_the_command_line(photo: Path, tmp_path: Path) -> None:
    out = tmp_path / "demo.mp4"
    done = run(
        "--model", "demo", "--image", str(photo), "--duration", "1", "-o", str(out),
        PYTHONPATH=str(PLUGIN_FOLDER),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert probe(out).frames == 30
    unsupported = run(
        "--model", "demo", "--image", str(photo), "--duration", "7", "-o", str(out),
        PYTHONPATH=str(PLUGIN_FOLDER),
    )  # fmt: skip
    assert unsupported.returncode == 2
    assert "Demo colours cannot make 7 s clips (it makes 1 s, 2 s or 3 s)" in unsupported.stderr


@pytest.mark.usefixtures("sigint_reaches_children")
def test_ctrl_c_cancels_and_leaves_nothing(photo: Path, tmp_path: Path) -> None:
    out = tmp_path / "long.mp4"
    process = subprocess.Popen(
        [str(CLI), "generate", "--model", "local", "--image", str(photo),
         "--duration", "60", "-o", str(out)],
        stderr=subprocess.PIPE,
        text=True,
        env=_env(),
    )  # fmt: skip
    assert process.stderr is not None
    for line in process.stderr:
        if "rendering" in line:
            break
    process.send_signal(signal.SIGINT)
    _, rest = process.communicate(timeout=60)
    assert process.returncode == 1
    assert "cancelled" in rest
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bottle.jpg"]


# --- in process: a cloud-like model shows its queue and job id ---------------------------


class _QueuedModel:
    name = "queued"
    display_name = "Queued Cloud"

    def __init__(self, config: ModelConfig) -> None:
        self.config = config

    def capabilities(self) -> Capabilities:
        return Capabilities((AspectRatio.LANDSCAPE,), (5.0,), ("720p",), None)

    def generate(
        self, request: GenerationRequest, *, cancel: CancelToken, progress: ProgressCallback
    ) -> GeneratedClip:
        progress(GenerationProgress(RemoteState.SUBMITTING))
        progress(GenerationProgress(RemoteState.QUEUED, queue_position=3, remote_job_id="j-42"))
        progress(GenerationProgress(RemoteState.RUNNING, 0.5, remote_job_id="j-42"))
        clip = request.output_dir / "queued-j-42.mp4"
        clip.write_bytes(tiny_mp4())
        return GeneratedClip(clip, self.name, 5.0, 1280, 720, remote_job_id="j-42")

    def resume(
        self,
        job: RemoteJob,
        request: GenerationRequest,
        *,
        cancel: CancelToken,
        progress: ProgressCallback,
    ) -> GeneratedClip:
        raise NotImplementedError

    def cancel_remote(self, job: RemoteJob) -> None:
        return None


def _queued_factory(config: ModelConfig) -> ModelAdapter:
    return _QueuedModel(config)


def test_cloud_progress_shows_queue_and_job_and_key_is_checked(
    photo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    registry = AdapterRegistry(discover_plugins=False)
    registry.register("queued", _queued_factory)
    set_registry(registry)
    try:
        out = tmp_path / "cloud.mp4"
        argv = ["generate", "--model", "queued", "--image", str(photo), "-o", str(out)]
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert "Queued Cloud needs an API key" in err and "VIDEO_STUDIO_QUEUED_API_KEY" in err

        # A hand-registered model has no place in the config file: give it a key directly.
        monkeypatch.setattr(
            "video_studio.commands.generate._model_config",
            lambda config, name: ModelConfig(name=name, api_key="secret-key"),
        )
        assert main([*argv[:-2], "--aspect", "9:16", "-o", str(out)]) == 2
        assert "--aspect: Queued Cloud cannot make 9:16 clips" in capsys.readouterr().err
        assert main(argv) == 0
        err = capsys.readouterr().err
        assert "Waiting in the queue of Queued Cloud (3 ahead)" in err and "job j-42" in err
        assert "remote job j-42" in err
        assert out.read_bytes() == tiny_mp4()
        assert sorted(p.name for p in tmp_path.iterdir()) == ["bottle.jpg", "cloud.mp4"]
    finally:
        set_registry(None)


def test_status_line_follows_the_task() -> None:
    stream = io.StringIO()
    status = GenerationStatus("Luma Dream Machine", stream=stream)
    task = TaskInfo(model="luma")
    task.transition_to(TaskStatus.QUEUED, "Waiting to start")
    status.show(task)
    task.transition_to(TaskStatus.RUNNING, "Waiting in the queue of Luma Dream Machine (2 ahead)")
    task.remote_job_id, task.progress = "abc", 0.05
    status.show(task)
    status.show(task)
    task.message, task.progress = "Luma Dream Machine is making the clip", 0.5
    status.show(task)
    task.message, task.progress = "Downloading the clip", 0.95
    status.show(task)
    status.close()
    lines = stream.getvalue().splitlines()
    assert lines[0] == "Luma Dream Machine: waiting to start"
    assert lines[1].startswith("Waiting in the queue of Luma Dream Machine (2 ahead), job abc")
    assert len([line for line in lines if "Waiting in the queue" in line]) == 1  # no repeats
    assert "50.0%" in lines[2] and "job abc" in lines[2]
    assert lines[-1].startswith("Luma Dream Machine: downloading the clip, job abc")


def test_importing_the_cli_loads_no_engine() -> None:
    code = (
        "import sys, video_studio.cli\n"
        "heavy = [m for m in sys.modules if m.split('.')[0] in ('av', 'cv2', 'PySide6', 'httpx')"
        " or m.startswith('video_studio.adapters')]\n"
        "print(heavy)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "[]"


@pytest.mark.usefixtures("sigint_reaches_children")
def test_cloud_model_against_the_runway_emulator(photo: Path, tmp_path: Path) -> None:
    emulator = RunwayEmulator()
    emulator.start()
    try:
        env = {
            "VIDEO_STUDIO_RUNWAY_BASE_URL": emulator.root_url,
            "VIDEO_STUDIO_RUNWAY_API_KEY": emulator.api_key,
            "VIDEO_STUDIO_MODELS__RUNWAY__POLL_INTERVAL_SECONDS": "0.2",
        }
        out = tmp_path / "runway.mp4"
        args = ["--model", "runway", "--image", str(photo), "--duration", "5"]
        done = run(*args, "-o", str(out), **env)
        assert done.returncode == 0, done.stderr
        assert re.search(r"Waiting for Runway.*, job [0-9a-f-]{36}", done.stderr), done.stderr
        assert probe(out).frames > 0

        # Ctrl+C once the service has the job: the job is cancelled there too.
        process = subprocess.Popen(
            [str(CLI), "generate", *args, "--no-cache", "-o", str(tmp_path / "cancelled.mp4")],
            stderr=subprocess.PIPE,
            text=True,
            env=_env(**env),
        )
        assert process.stderr is not None
        for line in process.stderr:
            if "job " in line:
                break
        process.send_signal(signal.SIGINT)
        _, rest = process.communicate(timeout=60)
        assert process.returncode == 1 and "cancelled" in rest
        assert emulator.count("cancel") >= 1
        assert sorted(p.name for p in tmp_path.iterdir()) == ["bottle.jpg", "runway.mp4"]
    finally:
        emulator.stop()
