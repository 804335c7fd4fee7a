"""Shared pieces of the cloud adapter tests: configs pointing at the emulators, product images,
progress recording, and the checks every failure test repeats (no partial file, no key)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from video_studio.adapters.base import (
    GeneratedClip,
    GenerationProgress,
    GenerationRequest,
    RemoteState,
)
from video_studio.config import VideoStudioConfig
from video_studio.jobs import CancelToken
from video_studio.logging_config import setup_logging, shutdown_logging
from video_studio.media_formats import AspectRatio

FAST_WORKFLOW = {"retry_base_delay_seconds": 0.01, "retry_max_delay_seconds": 0.05}


def emulator_config(
    tmp_path: Path,
    model: str,
    *,
    base_url: str,
    api_key: str,
    **fields: Any,
) -> VideoStudioConfig:
    """A real config (no environment) for `model` at `base_url`, with fast polls and retries."""
    entry: dict[str, Any] = {
        "base_url": base_url,
        "api_key": api_key,
        "poll_interval_seconds": 0.01,
        "request_timeout_seconds": 5.0,
        "timeout": 30.0,
        "max_retries": 3,
    }
    entry.update(fields)
    return VideoStudioConfig.from_dict(
        {
            "models": {model: entry},
            "workflow": FAST_WORKFLOW,
            "storage": {"base_path": str(tmp_path / "data"), "temp_path": str(tmp_path / "tmp")},
            "logging": {"directory": str(tmp_path / "logs"), "console": False},
        },
        environment=False,
    )


def product_photo(
    path: Path, width: int = 640, height: int = 480, *, fmt: str = "JPEG", seed: int = 1
) -> Path:
    """A photo-like picture: a light background with a coloured box and some texture."""
    rng = np.random.default_rng(seed)
    pixels = np.full((height, width, 3), 235, dtype=np.uint8)
    pixels[height // 4 : height * 3 // 4, width // 3 : width * 2 // 3] = (40, 110, 200)
    noise = rng.integers(-12, 12, size=pixels.shape, dtype=np.int16)
    pixels = np.clip(pixels.astype(np.int16) + noise, 0, 255).astype(np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(pixels).save(path, fmt)
    return path


def noisy_photo(path: Path, width: int, height: int, *, fmt: str = "PNG") -> Path:
    """Random pixels: incompressible, so the file is large."""
    rng = np.random.default_rng(7)
    pixels = rng.integers(0, 256, size=(height, width, 3), dtype=np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(pixels).save(path, fmt)
    return path


def clip_request(
    image: Path, tmp_path: Path, *, aspect: AspectRatio = AspectRatio.LANDSCAPE, **fields: Any
) -> GenerationRequest:
    values: dict[str, Any] = {
        "image": image,
        "prompt": "slow push-in on the bottle",
        "duration": 5.0,
        "aspect_ratio": aspect,
        "resolution": "720p",
        "scene_id": "scene-1",
        "output_dir": tmp_path / "clips",
    }
    values.update(fields)
    return GenerationRequest(**values)


class ProgressLog:
    """A progress callback that keeps every report."""

    def __init__(self) -> None:
        self.reports: list[GenerationProgress] = []
        self._lock = threading.Lock()

    def __call__(self, report: GenerationProgress) -> None:
        with self._lock:
            self.reports.append(report)

    @property
    def states(self) -> list[RemoteState]:
        return [report.state for report in self.reports]

    def first(self, state: RemoteState) -> GenerationProgress:
        return next(report for report in self.reports if report.state is state)


def assert_clip(clip: GeneratedClip, output_dir: Path) -> None:
    import av

    assert clip.path.parent == output_dir
    assert clip.path.is_file()
    with av.open(str(clip.path)) as container:
        frames = sum(1 for _ in container.decode(video=0))
    assert frames > 0
    assert clip.width > 0 and clip.height > 0 and clip.duration > 0
    assert_no_partial_files(output_dir, allowed={clip.path.name})


def assert_no_partial_files(output_dir: Path, *, allowed: set[str] | None = None) -> None:
    """Nothing in the clip folder but the finished clips named in `allowed`."""
    names = {path.name for path in output_dir.iterdir()} if output_dir.exists() else set()
    assert names <= (allowed or set()), f"unexpected files left behind: {names}"


def assert_key_hidden(error: BaseException, key: str) -> None:
    texts = [str(error), repr(error), getattr(error, "message", "")]
    texts += [str(value) for value in getattr(error, "details", {}).values()]
    cause = error.__cause__
    while cause is not None:
        texts.append(str(cause))
        cause = cause.__cause__
    for text in texts:
        assert key not in text


@contextmanager
def log_file(config: VideoStudioConfig, tmp_path: Path) -> Iterator[Path]:
    """Log at DEBUG into a file under tmp_path while the block runs; yields its path."""
    config.log_level = "DEBUG"
    path = setup_logging(config, log_dir=tmp_path / "logs", console=False)
    assert path is not None
    try:
        yield path
    finally:
        shutdown_logging(reset=True)


def run_in_thread(fn: Callable[[], object]) -> tuple[threading.Thread, dict[str, Any]]:
    """Run `fn` in a thread; the dict gets "result" or "error" and "finished_at"."""
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["result"] = fn()
        except BaseException as exc:
            outcome["error"] = exc
        outcome["finished_at"] = time.monotonic()

    thread = threading.Thread(target=target, name="adapter-test", daemon=True)
    thread.start()
    return thread, outcome


def cancel_when_polled(
    emulator: Any, token: CancelToken, polls: int, *, timeout: float = 10.0
) -> float:
    """Wait until the emulator has seen `polls` polls, cancel, return the moment."""
    deadline = time.monotonic() + timeout
    while emulator.count("poll") < polls:
        assert time.monotonic() < deadline, "the adapter never polled"
        time.sleep(0.005)
    moment = time.monotonic()
    token.cancel()
    return moment
