"""A tiny Video Studio model plugin, as a third party would write one: it declares
`demo = vs_demo_plugin:create` in the `video_studio.adapters` entry-point group and makes
clips of one solid colour (picked from the prompt) with PyAV."""

from __future__ import annotations

import contextlib
import hashlib
import os
import uuid
from fractions import Fraction

import av
import numpy as np

from video_studio.adapters.base import (
    Capabilities,
    GeneratedClip,
    GenerationProgress,
    GenerationRequest,
    ProgressCallback,
    RemoteJob,
    RemoteState,
)
from video_studio.config import ModelConfig
from video_studio.jobs import CancelToken
from video_studio.media_formats import AspectRatio, frame_size


def colour_of(prompt: str) -> tuple[int, int, int]:
    digest = hashlib.sha256(prompt.encode()).digest()
    return digest[0], digest[1], digest[2]


class DemoAdapter:
    name = "demo"
    display_name = "Demo colours"

    def __init__(self, config: ModelConfig) -> None:
        self.config = config

    def capabilities(self) -> Capabilities:
        return Capabilities(
            aspect_ratios=tuple(AspectRatio),
            durations=(1.0, 2.0, 3.0),
            resolutions=("720p",),
            max_image_bytes=None,
            needs_api_key=False,
            cost_hint="free (a test plugin)",
        )

    def generate(
        self, request: GenerationRequest, *, cancel: CancelToken, progress: ProgressCallback
    ) -> GeneratedClip:
        width, height = frame_size(request.aspect_ratio, request.resolution)
        frames = max(1, round(request.duration * request.fps))
        request.output_dir.mkdir(parents=True, exist_ok=True)
        target = request.output_dir / f"{request.scene_id or 'clip'}-demo.mp4"
        temporary = target.with_name(f".{target.stem}-{uuid.uuid4().hex[:8]}.mp4")
        pixels = np.empty((height, width, 3), dtype=np.uint8)
        pixels[:] = colour_of(request.prompt)
        try:
            with av.open(str(temporary), "w") as container:
                stream = container.add_stream("libx264", rate=Fraction(request.fps))
                stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
                for index in range(frames):
                    cancel.raise_if_cancelled()
                    frame = av.VideoFrame.from_ndarray(pixels, format="rgb24")
                    container.mux(stream.encode(frame))
                    progress(GenerationProgress(RemoteState.RUNNING, (index + 1) / frames))
                container.mux(stream.encode(None))
            os.replace(temporary, target)
        except BaseException:
            with contextlib.suppress(OSError):
                temporary.unlink()
            raise
        progress(GenerationProgress(RemoteState.DONE, 1.0))
        return GeneratedClip(target, self.name, frames / request.fps, width, height)

    def resume(
        self,
        job: RemoteJob,
        request: GenerationRequest,
        *,
        cancel: CancelToken,
        progress: ProgressCallback,
    ) -> GeneratedClip:
        return self.generate(request, cancel=cancel, progress=progress)

    def cancel_remote(self, job: RemoteJob) -> None:
        return None


def create(config: ModelConfig) -> DemoAdapter:
    return DemoAdapter(config)
