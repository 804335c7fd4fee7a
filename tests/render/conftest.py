"""Real images on disk and a small helper to probe encoded files with PyAV."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from video_studio.models import MotionSpec, Scene, Transition
from video_studio.storyboard import Storyboard


def textured_image(width: int, height: int, seed: int = 0) -> np.ndarray:
    """A product-photo-like RGB image: light gradient, a coloured shaded box, fine texture
    (so motion and resampling errors show)."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    base = 225 + 20 * (y / height)
    image = np.dstack([base, base - 5, base - 12])
    texture = cv2.GaussianBlur(rng.normal(0, 18, (height, width)).astype(np.float32), (0, 0), 1.2)
    image += texture[..., None]
    left = 0.3 if seed == 0 else 0.08 + 0.5 * rng.random()  # other seeds move the box
    x0, y0, x1, y1 = (
        int(width * left),
        int(height * 0.25),
        int(width * (left + 0.4)),
        int(height * 0.8),
    )
    shade = 0.6 + 0.4 * (x[y0:y1, x0:x1] - x0) / (x1 - x0)
    image[y0:y1, x0:x1] = np.dstack([40 * shade, 110 * shade, 200 * shade])
    image[y0:y1, x0:x1] += texture[y0:y1, x0:x1, None] * 1.5
    return np.asarray(np.clip(image, 0, 255), dtype=np.uint8)


def read_rgb(path: Path) -> np.ndarray:
    bgr = cv2.imread(str(path))
    assert bgr is not None, path
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


@pytest.fixture
def write_image(tmp_path: Path) -> Callable[..., Path]:
    def write(name: str = "photo.png", width: int = 800, height: int = 600, seed: int = 0) -> Path:
        path = tmp_path / name
        rgb = textured_image(width, height, seed)
        cv2.imwrite(str(path), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
        return path

    return write


def storyboard(
    images: list[Path], *, duration: float = 1.0, fps: int = 30, **fields: object
) -> Storyboard:
    """Scenes of `duration` with static cover framing and cuts, unless fields say otherwise."""
    scenes = [
        Scene(
            image=str(path),
            duration=duration,
            motion=MotionSpec(type="static"),
            transition=Transition(type="cut", duration=0),
            fit="cover",
        )
        for path in images
    ]
    data: dict[str, object] = {"scenes": scenes, "fps": fps}
    data.update(fields)
    return Storyboard.model_validate(data)


def with_scene(board: Storyboard, index: int, **changes: object) -> Storyboard:
    """The storyboard with scene `index` changed, validated (model_copy would not be)."""
    data = board.model_dump()
    data["scenes"][index].update(
        {k: v.model_dump() if hasattr(v, "model_dump") else v for k, v in changes.items()}
    )
    return Storyboard.model_validate(data).with_base_dir(board.base_dir)


def with_fields(board: Storyboard, **changes: object) -> Storyboard:
    data = board.model_dump()
    data.update({k: v.model_dump() if hasattr(v, "model_dump") else v for k, v in changes.items()})
    return Storyboard.model_validate(data).with_base_dir(board.base_dir)


@dataclass
class Probe:
    codec: str
    width: int
    height: int
    pix_fmt: str
    frames: int
    duration: float
    colorspace: int
    color_range: int
    color_primaries: int
    color_trc: int
    audio_codec: str | None
    audio_rate: int | None
    audio_channels: int | None


def probe(path: Path) -> Probe:
    with av.open(str(path)) as container:
        video = container.streams.video[0]
        context = video.codec_context
        frames = 0
        last_time = 0.0
        for frame in container.decode(video=0):
            frames += 1
            last_time = float(frame.time or 0.0)
        audio = container.streams.audio[0] if container.streams.audio else None
        return Probe(
            codec=context.name,
            width=context.width,
            height=context.height,
            pix_fmt=str(context.pix_fmt),
            frames=frames,
            duration=last_time,
            colorspace=context.colorspace,
            color_range=context.color_range,
            color_primaries=context.color_primaries,
            color_trc=context.color_trc,
            audio_codec=audio.codec_context.name if audio else None,
            audio_rate=audio.codec_context.sample_rate if audio else None,
            audio_channels=audio.codec_context.channels if audio else None,
        )


def decoded_frames(path: Path) -> list[np.ndarray]:
    """Every frame as RGB (for small test videos only)."""
    with av.open(str(path)) as container:
        return [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    error = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return float("inf") if error == 0 else 10 * np.log10(255.0**2 / error)
