"""The local engine as a model adapter: one photo, one camera motion, rendered on this
machine. Free, offline, no API key; the motion comes from the request, or from its prompt.

The clip is a one-scene storyboard (the photo filling the frame, no text, cards or music)
exported with the same renderer as whole videos, to a temporary name in the clip folder,
checked with PyAV, then renamed to `<scene or image>-local-<hash>.mp4`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from video_studio.adapters.base import (
    Capabilities,
    GeneratedClip,
    GenerationProgress,
    GenerationRequest,
    ProgressCallback,
    RemoteJob,
    RemoteState,
)
from video_studio.adapters.prompt_motion import choose_motion
from video_studio.adapters.registry import request_problems
from video_studio.config import ModelConfig
from video_studio.error_messages import capitalize
from video_studio.error_types import RecoveryAction, VideoStudioError, VideoStudioErrorType
from video_studio.jobs import CancelToken, Progress
from video_studio.media_formats import AspectRatio, VideoQuality, frame_size
from video_studio.models import FitMode, MotionSpec, Scene, Transition, TransitionType

if TYPE_CHECKING:  # the render stack (OpenCV, PyAV) loads when a clip is made
    from video_studio.clip_probe import ClipFacts
    from video_studio.storyboard import Storyboard

NAME = "local"
DISPLAY_NAME = "the local engine"
MAX_SECONDS = 60.0
CLIP_CRF = 17  # clips are encoded again in the final video: keep them close to lossless
ENGINE_VERSION = "1"  # part of the clip's hash: change it when the rendering changes
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9_.-]+")

CAPABILITIES = Capabilities(
    aspect_ratios=tuple(AspectRatio),
    durations=(3.0, 5.0, 10.0, MAX_SECONDS),  # typical choices; any length up to the last
    resolutions=(VideoQuality.HD_720P.value, VideoQuality.FULL_HD_1080P.value),
    max_image_bytes=None,
    image_formats=("jpeg", "png", "webp", "tiff", "bmp"),
    needs_api_key=False,
    needs_public_image_url=False,
    cost_hint="free: rendered on this computer, no network needed",
    any_duration=True,
)


class LocalEngineAdapter:
    """Pan, zoom, parallax and arcs over the photo, rendered by the local engine."""

    name = NAME
    display_name = DISPLAY_NAME

    def __init__(self, config: ModelConfig | None = None, *, workers: int | None = None) -> None:
        self.config = config if config is not None else ModelConfig(name=NAME)
        self._workers = workers

    def capabilities(self) -> Capabilities:
        return CAPABILITIES

    def generate(
        self,
        request: GenerationRequest,
        *,
        cancel: CancelToken,
        progress: ProgressCallback,
    ) -> GeneratedClip:
        cancel.raise_if_cancelled()
        image_aspect = _check_request(request)
        motion = choose_motion(
            request.motion,
            request.prompt,
            image_aspect=image_aspect,
            frame_aspect=AspectRatio(request.aspect_ratio).ratio,
        )
        output_dir = _prepared_folder(request.output_dir)
        target = output_dir / clip_name(request, motion)
        temporary = output_dir / f".{target.stem}.rendering-{uuid.uuid4().hex[:8]}.mp4"
        progress(GenerationProgress(RemoteState.RUNNING, 0.0, "Preparing the photo"))
        try:
            _render(
                request, motion, temporary, cancel=cancel, progress=progress, workers=self._workers
            )
            facts = checked_clip(temporary)
            cancel.raise_if_cancelled()
            os.replace(temporary, target)
        except BaseException:
            with contextlib.suppress(OSError):
                temporary.unlink()
            raise
        progress(GenerationProgress(RemoteState.DONE, 1.0, "Clip ready"))
        return GeneratedClip(
            path=target, model=NAME, duration=facts.duration, width=facts.width, height=facts.height
        )

    def resume(
        self,
        job: RemoteJob,
        request: GenerationRequest,
        *,
        cancel: CancelToken,
        progress: ProgressCallback,
    ) -> GeneratedClip:
        """The local engine keeps no remote jobs: an interrupted clip is simply made again."""
        return self.generate(request, cancel=cancel, progress=progress)

    def cancel_remote(self, job: RemoteJob) -> None:
        """Nothing runs elsewhere; a local render stops through its cancel token."""


def create(config: ModelConfig) -> LocalEngineAdapter:
    """The registry's factory for the local engine."""
    return LocalEngineAdapter(config)


# --- the steps ------------------------------------------------------------------------------


def _check_request(request: GenerationRequest) -> float:
    """Refuse what the engine cannot make, before any work; returns the photo's aspect."""
    from video_studio.image_io import probe_image  # noqa: PLC0415 - Pillow loads on use

    problems = request_problems(
        CAPABILITIES,
        aspect_ratio=request.aspect_ratio,
        duration=request.duration,
        resolution=request.resolution,
        model=DISPLAY_NAME,
    )
    if not 1 <= request.fps <= 120:
        problems.append(("fps", f"{request.fps} frames per second is not between 1 and 120"))
    if problems:
        raise VideoStudioError(
            VideoStudioErrorType.INVALID_INPUT,
            capitalize("; ".join(reason for _, reason in problems)) + ".",
            details={"problems": problems},
            recovery_actions=(RecoveryAction.NONE,),
        )
    info = probe_image(Path(request.image))  # names the file whatever is wrong with it
    return info.width / info.height


def _prepared_folder(folder: Path) -> Path:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise VideoStudioError(
            VideoStudioErrorType.STORAGE,
            f"The clip folder {folder} cannot be created ({error.strerror or error}). "
            "Choose another folder.",
            details={"error": repr(error)},
        ) from None
    return folder


def storyboard_for(request: GenerationRequest, motion: MotionSpec) -> Storyboard:
    """The one-scene storyboard the clip is rendered from."""
    from video_studio.storyboard import Storyboard  # noqa: PLC0415

    image = Path(request.image).resolve()
    scene = Scene(
        id=request.scene_id or "clip",
        image=str(image),
        duration=request.duration,
        motion=motion,
        transition=Transition(type=TransitionType.CUT, duration=0.0),
        fit=FitMode.COVER,
    )
    board = Storyboard(
        name=f"{image.stem} ({NAME})",
        aspect_ratio=AspectRatio(request.aspect_ratio),
        quality=VideoQuality(request.resolution),
        fps=request.fps,
        scenes=[scene],
    )
    return board.with_base_dir(image.parent)


def _render(
    request: GenerationRequest,
    motion: MotionSpec,
    output: Path,
    *,
    cancel: CancelToken,
    progress: ProgressCallback,
    workers: int | None,
) -> None:
    from video_studio.render.codecs import Codec  # noqa: PLC0415
    from video_studio.render.encoder import EncodeSettings  # noqa: PLC0415
    from video_studio.render.export import ExportOptions, export_video  # noqa: PLC0415

    def relay(update: Progress) -> None:
        message = update.message or "Rendering"
        progress(GenerationProgress(RemoteState.RUNNING, min(0.99, update.fraction), message))

    options = ExportOptions(
        encode=EncodeSettings(codec=Codec.H264, crf=CLIP_CRF),
        size=frame_size(request.aspect_ratio, request.resolution),
        fps=request.fps,
    )
    if workers is not None:
        options = ExportOptions(
            encode=options.encode, size=options.size, fps=options.fps, workers=workers
        )
    export_video(storyboard_for(request, motion), output, options, cancel=cancel, progress=relay)


def clip_name(request: GenerationRequest, motion: MotionSpec) -> str:
    """`<scene id, or the photo's hash>-local-<hash of the photo and the settings>.mp4`."""
    from video_studio.file_hash import content_hash  # noqa: PLC0415

    image_hash = content_hash(Path(request.image))
    settings = {
        "engine": ENGINE_VERSION,
        "image": image_hash,
        "duration": request.duration,
        "aspect": AspectRatio(request.aspect_ratio).value,
        "resolution": request.resolution,
        "fps": request.fps,
        "motion": motion.model_dump(mode="json"),
    }
    digest = hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:10]
    prefix = _UNSAFE_NAME.sub("_", request.scene_id).strip("._")[:64] or image_hash[:12]
    return f"{prefix}-{NAME}-{digest}.mp4"


def checked_clip(path: Path) -> ClipFacts:
    """The rendered clip's facts, once it is shown to be complete and playable."""
    import av  # noqa: PLC0415

    from video_studio.clip_probe import probe_clip  # noqa: PLC0415

    try:
        return probe_clip(path)
    except (av.error.FFmpegError, ValueError, OSError) as error:
        raise VideoStudioError(
            VideoStudioErrorType.ENCODING,
            f"The clip {path.name} was written but cannot be played back. Try again, or "
            "lower the quality.",
            details={"path": str(path), "error": repr(error)},
        ) from None
