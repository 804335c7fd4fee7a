"""`video-studio generate --model NAME --image PATH [...] -o OUT`: one clip from one photo.

Invalid input (a missing or unreadable photo, an unknown model, a setting the model cannot
make, a missing API key) exits with 2 before any work; a failure while generating with 1.
The clip is made through the generation workflow, as in the app: retries, the circuit
breaker (and its local-engine fallback when configured), the task time limit, and the result
cache (the same generation again costs nothing). Ctrl+C cancels, the remote job too, and
leaves nothing at OUT. The clip is made in a hidden folder beside OUT and renamed into place
only when it is complete.
"""

from __future__ import annotations

import argparse
import contextlib
import shutil
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from video_studio.media_formats import AspectRatio
from video_studio.models import TaskStatus

if TYPE_CHECKING:  # the engine loads when the command runs, so `video-studio` starts fast
    from video_studio.adapters.base import Capabilities, GenerationRequest
    from video_studio.clip_probe import ClipFacts
    from video_studio.commands.progress_bar import TerminalProgress
    from video_studio.config import ModelConfig, VideoStudioConfig
    from video_studio.config_errors import ConfigIssue
    from video_studio.models import TaskInfo

SubParsers = Any
CLOUD_MODELS = ("luma", "runway", "pika")


def add_generate_parser(subparsers: SubParsers) -> None:
    parser = subparsers.add_parser(
        "generate",
        help="make one clip from one photo with one model",
        description=(
            "Make one video clip from one product photo with a model: the local engine "
            "(offline, free) or a cloud service (luma, runway, pika) or an installed plugin."
        ),
    )
    parser.add_argument("--model", required=True, metavar="NAME", help="local, luma, runway, pika")
    parser.add_argument("--image", required=True, type=Path, metavar="PATH", help="the photo")
    parser.add_argument("--prompt", default="", help='the motion, e.g. "slow push in"')
    parser.add_argument(
        "--duration", type=float, metavar="S", help="seconds (default 5, or the model's shortest)"
    )
    parser.add_argument("--aspect", choices=[a.value for a in AspectRatio], help="frame shape")
    parser.add_argument("--resolution", metavar="720p|1080p", help="default 720p")
    parser.add_argument("--seed", type=int, help="for repeatable results, where the model can")
    parser.add_argument("-o", "--output", type=Path, required=True, help="the .mp4 to write")
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="make a new clip even when the same generation was made before",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress line")
    parser.set_defaults(handler=generate_command)


def generate_command(args: argparse.Namespace) -> int:
    from video_studio.commands.inputs import run_reporting  # noqa: PLC0415

    return run_reporting(lambda: _generate(args))


def _generate(args: argparse.Namespace) -> int:
    from video_studio.adapters.registry import get_registry  # noqa: PLC0415
    from video_studio.config import get_config  # noqa: PLC0415
    from video_studio.config_errors import ConfigError  # noqa: PLC0415

    output = _checked_output(args.output)
    image = _checked_image(args.image)
    name = args.model.strip()
    config = get_config()
    if name != "local":  # keys saved in the OS keyring (Settings) count too
        from video_studio.config import set_config  # noqa: PLC0415
        from video_studio.key_store import fill_missing_keys  # noqa: PLC0415

        config = fill_missing_keys(config)
        set_config(config)
    registry = get_registry()
    if name not in registry:
        from video_studio.adapters.registry import UnknownModelError  # noqa: PLC0415

        raise UnknownModelError(name, registry.names(), field="--model")
    model_config = _model_config(config, name)
    if name in CLOUD_MODELS:  # known to need a key: say so before loading the adapter
        _check_key(name, _service_name(name), model_config)
    adapter = registry.get(name, model_config)
    capabilities = adapter.capabilities()
    if capabilities.needs_api_key:
        _check_key(name, adapter.display_name, model_config)
    request, issues = _request(args, image, capabilities, adapter.display_name, config)
    if issues:
        raise ConfigError(issues)
    started = time.monotonic()
    staging = output.parent / f".{output.name}.generating-{uuid.uuid4().hex[:8]}"
    staging.mkdir()
    try:
        request = _with_folder(request, staging)
        done = _run_interruptibly(
            name,
            request,
            config,
            adapter.display_name,
            quiet=args.quiet,
            use_cache=not args.no_cache,
        )
        made = Path(done.result_path or "")
        facts = _checked_result(made)
        if made.parent.resolve() != staging.resolve():  # an adapter that wrote elsewhere
            made = Path(shutil.copy2(made, staging / f"copy{made.suffix}"))
        made.replace(output)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    how = adapter.display_name
    if done.metadata.get("generated_by") == "local":
        how = f"the local engine (instead of {adapter.display_name})"
    job = f", remote job {done.remote_job_id}" if done.remote_job_id else ""
    cached = " (the same generation was in the cache)" if done.metadata.get("from_cache") else ""
    print(
        f"wrote {output} ({facts.width}x{facts.height}, {facts.duration:.1f} s) with "
        f"{how} in {time.monotonic() - started:.1f} s{job}{cached}",
        file=sys.stderr,
    )
    return 0


def _checked_result(path: Path) -> ClipFacts:
    from video_studio.clip_probe import probe_clip  # noqa: PLC0415

    return probe_clip(path)  # the adapters checked it; this measures it for the summary


# --- checks -------------------------------------------------------------------------------


def _issue(option: str, reason: str) -> ConfigIssue:
    from video_studio.config_errors import ConfigIssue  # noqa: PLC0415

    return ConfigIssue("", option, reason)


def _checked_output(output: Path) -> Path:
    from video_studio.config_errors import ConfigError  # noqa: PLC0415

    output = output.expanduser().absolute()
    reason = None
    if output.suffix.lower() != ".mp4":
        reason = f"{output.name}: clips are MP4 videos; name the output {output.stem}.mp4"
    elif not output.parent.is_dir():
        reason = f"the folder {output.parent} does not exist"
    elif output.is_dir():
        reason = f"{output} is a folder, not a file name"
    if reason is not None:
        raise ConfigError([_issue("-o", reason)])
    return output


def _checked_image(image: Path) -> Path:
    from video_studio.error_types import VideoStudioError, VideoStudioErrorType  # noqa: PLC0415
    from video_studio.image_io import probe_image  # noqa: PLC0415

    image = image.expanduser().absolute()
    if not image.is_file():
        problem = "is a folder, not a photo" if image.is_dir() else "not found"
        raise VideoStudioError(VideoStudioErrorType.INVALID_INPUT, f"{image}: {problem}.")
    probe_image(image)  # INVALID_INPUT naming the file when it is not a usable photo
    return image


def _model_config(config: VideoStudioConfig, name: str) -> ModelConfig:
    from video_studio.config import ModelConfig  # noqa: PLC0415
    from video_studio.config_errors import ConfigError  # noqa: PLC0415

    model_config = config.models.get(name) or ModelConfig(name=name)
    if not model_config.enabled:
        raise ConfigError(
            [_issue("--model", f"the {name} model is turned off (models.{name}.enabled)")]
        )
    return model_config


def _service_name(name: str) -> str:
    from video_studio.error_messages import model_display_name  # noqa: PLC0415

    return model_display_name(name) or name


def _check_key(name: str, service: str, model_config: ModelConfig) -> None:
    from video_studio.config import ENV_PREFIX, default_config_path  # noqa: PLC0415
    from video_studio.config_errors import ConfigError  # noqa: PLC0415

    if model_config.has_api_key:
        return
    variable = f"{ENV_PREFIX}{name.upper()}_API_KEY"
    raise ConfigError(
        [
            _issue(
                "--model",
                f"{service} needs an API key: set the environment variable {variable}, or "
                f"enter it in Settings > Models > {service} (models.{name}.api_key in "
                f"{default_config_path()}); the local engine needs none",
            )
        ]
    )


def _request(
    args: argparse.Namespace,
    image: Path,
    capabilities: Capabilities,
    model: str,
    config: VideoStudioConfig,
) -> tuple[GenerationRequest, list[ConfigIssue]]:
    """The request, with defaults the model can make, and what it cannot make of it."""
    from video_studio.adapters.base import GenerationRequest  # noqa: PLC0415
    from video_studio.adapters.registry import duration_supported, request_problems  # noqa: PLC0415

    supported = capabilities.aspect_ratios
    aspect = args.aspect or config.rendering.default_aspect_ratio.value
    if args.aspect is None and supported and AspectRatio(aspect) not in supported:
        aspect = supported[0].value
    duration = args.duration
    if duration is None:
        duration = 5.0 if duration_supported(capabilities, 5.0) else min(capabilities.durations)
    resolution = args.resolution or "720p"
    if (
        args.resolution is None
        and capabilities.resolutions
        and "720p" not in (capabilities.resolutions)
    ):
        resolution = capabilities.resolutions[0]
    problems = request_problems(
        capabilities, aspect_ratio=aspect, duration=duration, resolution=resolution, model=model
    )
    issues = [_issue(f"--{option}", reason) for option, reason in problems]
    request = GenerationRequest(
        image=image,
        prompt=args.prompt,
        duration=duration,
        aspect_ratio=AspectRatio(aspect),
        resolution=resolution,
        seed=args.seed,
    )
    return request, issues


def _with_folder(request: GenerationRequest, folder: Path) -> GenerationRequest:
    from dataclasses import replace  # noqa: PLC0415

    return replace(request, output_dir=folder)


# --- running with a progress line and Ctrl+C ---------------------------------------------


def _run_interruptibly(
    name: str,
    request: GenerationRequest,
    config: VideoStudioConfig,
    display: str,
    *,
    quiet: bool,
    use_cache: bool,
) -> TaskInfo:
    """Run one task in a workflow of our own; Ctrl+C cancels it (the remote job too)."""
    from video_studio.adapters.registry import get_registry  # noqa: PLC0415
    from video_studio.error_types import CancelledByUser  # noqa: PLC0415
    from video_studio.workflow import GenerationWorkflow, WorkflowEvent  # noqa: PLC0415

    status = GenerationStatus(display, quiet=quiet)

    def on_event(event: WorkflowEvent) -> None:
        if event.task is not None:
            status.show(event.task)
        elif event.message:  # a circuit breaker opened or closed
            status.note(event.message)

    workflow = GenerationWorkflow(
        config, get_registry(), cache_dir=config.storage.generation_cache_path, on_event=on_event
    )
    try:
        task_id = workflow.submit(request, name, use_cache=use_cache).task_id
        try:
            info = workflow.get(task_id)
            while not info.is_terminal:
                info = workflow.wait(task_id, 0.2)  # short waits: Ctrl+C lands between them
        except KeyboardInterrupt:
            status.note("cancelling...")
            workflow.cancel(task_id)
            with contextlib.suppress(KeyboardInterrupt):  # a second Ctrl+C: stop waiting
                workflow.shutdown()
            raise CancelledByUser("Cancelled.") from None
    finally:
        workflow.shutdown()
        status.close()
    if info.status is not TaskStatus.COMPLETED:
        raise _task_error(info)
    return info


def _task_error(info: TaskInfo) -> Exception:
    from video_studio.error_types import (  # noqa: PLC0415
        CancelledByUser,
        RecoveryAction,
        VideoStudioError,
        VideoStudioErrorType,
    )

    if info.status is TaskStatus.CANCELLED:
        return CancelledByUser(info.message or "Cancelled.")
    try:
        kind = VideoStudioErrorType(info.error_type or "unknown")
    except ValueError:
        kind = VideoStudioErrorType.UNKNOWN
    actions = tuple(RecoveryAction(a) for a in info.metadata.get("recovery_actions", ()))
    return VideoStudioError(
        kind,
        info.error_message or info.message or "The generation failed.",
        retryable=False,
        recovery_actions=actions,
    )


class GenerationStatus:
    """The progress line on stderr: what the task is doing (the workflow's words: the place
    in the queue, a retry, a paused service), the remote job id, and a bar with an ETA while
    the model makes the clip."""

    def __init__(self, model: str, *, quiet: bool = False, stream: TextIO | None = None) -> None:
        self.model = model[:1].upper() + model[1:]
        self.quiet = quiet
        self.stream = stream or sys.stderr
        self.remote_job_id: str | None = None
        self._lock = threading.Lock()
        self._label = ""
        self._bar: TerminalProgress | None = None
        self._started: float | None = None

    def show(self, info: TaskInfo) -> None:
        from video_studio.commands.progress_bar import TerminalProgress  # noqa: PLC0415
        from video_studio.jobs import Progress  # noqa: PLC0415

        with self._lock:
            if info.remote_job_id:
                self.remote_job_id = info.remote_job_id
            if self.quiet or info.is_terminal:
                return
            label = self._describe(info)
            changed = label != self._label
            self._label = label
            if info.status is not TaskStatus.RUNNING:
                if changed:
                    self._line(label)
                return
            if self._bar is None or (changed and not self._bar.interactive):
                self._finish_bar()
                self._bar = TerminalProgress(label, self.stream, unit="frames")
            if self._started is None and info.progress > 0.05:
                self._started = time.monotonic()
            self._bar.label = label
            self._bar(Progress(info.progress, "", eta_seconds=self._eta(info.progress)))

    def note(self, text: str) -> None:
        with self._lock:
            if not self.quiet:
                self._finish_bar()
                self.stream.write(f"{self.model}: {text}\n")
                self.stream.flush()

    def close(self) -> None:
        with self._lock:
            self._finish_bar()

    def _describe(self, info: TaskInfo) -> str:
        text = info.message or info.status.value
        named = self.model.lower() in text.lower()  # "Runway is making the clip"
        parts = [text if named else f"{self.model}: {text[:1].lower()}{text[1:]}"]
        if self.remote_job_id:
            parts.append(f"job {self.remote_job_id}")
        return ", ".join(parts)

    def _eta(self, fraction: float) -> float | None:
        """From the progress made since the model started (the queue says nothing of it)."""
        if self._started is None or not 0.05 < fraction < 1.0:
            return None
        elapsed = time.monotonic() - self._started
        return elapsed * (1.0 - fraction) / (fraction - 0.05)

    def _line(self, text: str) -> None:
        self._finish_bar()
        self.stream.write(text + "\n")
        self.stream.flush()

    def _finish_bar(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
