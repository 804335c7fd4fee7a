"""An example Video Studio model plugin: "Gentle push-in", a slow push toward the middle of
the photo, rendered on this computer by Video Studio's own engine. No network, no API key.

Installed, it adds the model `push_in`: to the Inspector's Model list, to
`video-studio generate --model push_in`, and to the config file's `models` section.
"""

from __future__ import annotations

import contextlib
import os
import uuid

import av

from video_studio.adapters.base import (
    Capabilities,
    GeneratedClip,
    GenerationProgress,
    GenerationRequest,
    ProgressCallback,
    RemoteJob,
    RemoteState,
)
from video_studio.adapters.registry import request_problems
from video_studio.clip_probe import probe_clip
from video_studio.config import ModelConfig
from video_studio.error_types import VideoStudioError, VideoStudioErrorType
from video_studio.jobs import CancelToken, Progress
from video_studio.media_formats import AspectRatio, VideoQuality
from video_studio.models import Easing, FitMode, MotionSpec, MotionType, Scene
from video_studio.render.export import export_video
from video_studio.storyboard import Storyboard

NAME = "push_in"
DISPLAY_NAME = "Gentle push-in"
# The one motion this model makes: 12 % closer by the end, slowing down as it arrives.
MOTION = MotionSpec(type=MotionType.ZOOM_IN, amount=0.12, easing=Easing.EASE_OUT)
MAX_SECONDS = 20.0

CAPABILITIES = Capabilities(
    aspect_ratios=tuple(AspectRatio),
    durations=(3.0, 5.0, 10.0, MAX_SECONDS),  # typical lengths; any length up to the last
    resolutions=(VideoQuality.HD_720P.value, VideoQuality.FULL_HD_1080P.value),
    max_image_bytes=None,
    needs_api_key=False,
    cost_hint="free: made on this computer",
    any_duration=True,
)


class PushInAdapter:
    """Follows video_studio.adapters.base.ModelAdapter (a Protocol: no base class needed)."""

    name = NAME
    display_name = DISPLAY_NAME

    def __init__(self, config: ModelConfig) -> None:
        self.config = config  # models.push_in of the config file (timeout, retries, ...)

    def capabilities(self) -> Capabilities:
        return CAPABILITIES

    def generate(
        self, request: GenerationRequest, *, cancel: CancelToken, progress: ProgressCallback
    ) -> GeneratedClip:
        cancel.raise_if_cancelled()
        problems = request_problems(
            CAPABILITIES,
            aspect_ratio=request.aspect_ratio,
            duration=request.duration,
            resolution=request.resolution,
            model=DISPLAY_NAME,
        )
        if problems:  # plain words ("Gentle push-in cannot make 4k clips ..."): shown as is
            raise VideoStudioError(
                VideoStudioErrorType.INVALID_INPUT,
                "; ".join(reason for _, reason in problems) + ".",
                retryable=False,
            )
        request.output_dir.mkdir(parents=True, exist_ok=True)
        stem = request.scene_id or request.image.stem
        target = request.output_dir / f"{stem}-{NAME}.mp4"
        # Written under a hidden name and renamed when complete: never a half-made clip.
        temporary = target.with_name(f".{target.stem}-{uuid.uuid4().hex[:8]}.mp4")
        scene = Scene(
            image=str(request.image.resolve()),
            duration=request.duration,
            motion=MOTION,
            fit=FitMode.COVER,
        )
        storyboard = Storyboard(
            name=f"{request.image.stem} ({NAME})",
            aspect_ratio=request.aspect_ratio,
            quality=VideoQuality(request.resolution),
            fps=request.fps,
            scenes=[scene],
        )

        def relay(update: Progress) -> None:
            fraction = min(0.99, update.fraction)
            progress(GenerationProgress(RemoteState.RUNNING, fraction, "Rendering the push-in"))

        progress(GenerationProgress(RemoteState.RUNNING, 0.0, "Preparing the photo"))
        try:
            export_video(storyboard, temporary, cancel=cancel, progress=relay)
            facts = probe_clip(temporary)  # complete and playable, or an error
            os.replace(temporary, target)
        except (av.error.FFmpegError, ValueError) as error:
            with contextlib.suppress(OSError):
                temporary.unlink()
            raise VideoStudioError(
                VideoStudioErrorType.ENCODING,
                f"The clip {target.name} was written but cannot be played back. Try again.",
                details={"error": repr(error)},
            ) from error
        except BaseException:  # cancelled, or the engine's own VideoStudioError
            with contextlib.suppress(OSError):
                temporary.unlink()
            raise
        progress(GenerationProgress(RemoteState.DONE, 1.0, "Clip ready"))
        return GeneratedClip(
            path=target,
            model=NAME,
            duration=facts.duration,
            width=facts.width,
            height=facts.height,
        )

    def resume(
        self,
        job: RemoteJob,
        request: GenerationRequest,
        *,
        cancel: CancelToken,
        progress: ProgressCallback,
    ) -> GeneratedClip:
        """Nothing runs elsewhere, so an interrupted clip is simply made again."""
        return self.generate(request, cancel=cancel, progress=progress)

    def cancel_remote(self, job: RemoteJob) -> None:
        """Nothing runs elsewhere: a render in progress stops through its cancel token."""


def create(config: ModelConfig) -> PushInAdapter:
    """The entry point's factory: Video Studio calls it with the model's settings."""
    return PushInAdapter(config)
