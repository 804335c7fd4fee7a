"""The local engine as a model adapter: real photos to real, decodable clips."""

from __future__ import annotations

import re
from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.render.conftest import decoded_frames, probe, textured_image
from video_studio.adapters.base import (
    GenerationProgress,
    GenerationRequest,
    ModelAdapter,
    RemoteJob,
    RemoteState,
)
from video_studio.adapters.local import (
    CAPABILITIES,
    LocalEngineAdapter,
    clip_name,
    create,
    storyboard_for,
)
from video_studio.config import ModelConfig
from video_studio.error_types import CancelledByUser, VideoStudioError, VideoStudioErrorType
from video_studio.jobs import CancelToken
from video_studio.media_formats import AspectRatio
from video_studio.models import MotionSpec, MotionType


@pytest.fixture
def photo(tmp_path: Path) -> Path:
    path = tmp_path / "bottle.jpg"
    rgb = textured_image(800, 600)
    assert cv2.imwrite(str(path), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    return path


@pytest.fixture
def adapter() -> LocalEngineAdapter:
    return create(ModelConfig(name="local"))


def _frame_difference(path: Path) -> float:
    frames = decoded_frames(path)
    first, last = frames[0].astype(np.int16), frames[-1].astype(np.int16)
    return float(np.abs(first - last).mean())


def test_is_a_model_adapter_that_needs_nothing(adapter: LocalEngineAdapter) -> None:
    assert isinstance(adapter, ModelAdapter)
    assert (adapter.name, adapter.display_name) == ("local", "the local engine")
    caps = adapter.capabilities()
    assert set(caps.aspect_ratios) == set(AspectRatio)
    assert caps.any_duration and max(caps.durations) == 60.0
    assert caps.resolutions == ("720p", "1080p")
    assert not caps.needs_api_key and not caps.needs_public_image_url
    assert caps.cost_hint.startswith("free")


@pytest.mark.parametrize(
    ("aspect", "size"), [(AspectRatio.LANDSCAPE, (1280, 720)), (AspectRatio.PORTRAIT, (720, 1280))]
)
def test_generates_a_moving_clip_of_the_requested_shape(
    adapter: LocalEngineAdapter,
    photo: Path,
    tmp_path: Path,
    aspect: AspectRatio,
    size: tuple[int, int],
) -> None:
    updates: list[GenerationProgress] = []
    request = GenerationRequest(
        image=photo,
        prompt="slow push in on the bottle",
        duration=1.0,
        aspect_ratio=aspect,
        resolution="720p",
        scene_id="scene 1/a",
        output_dir=tmp_path / "clips",
    )
    clip = adapter.generate(request, cancel=CancelToken(), progress=updates.append)

    assert clip.path.parent == tmp_path / "clips"
    assert clip.path.name.startswith("scene_1_a-local-") and clip.path.suffix == ".mp4"
    assert sorted(p.name for p in (tmp_path / "clips").iterdir()) == [clip.path.name]
    assert (clip.model, clip.width, clip.height) == ("local", *size)
    assert clip.duration == pytest.approx(1.0, abs=0.05)
    info = probe(clip.path)
    assert (info.width, info.height, info.frames) == (*size, 30)
    assert _frame_difference(clip.path) > 2.0  # the camera moved

    assert updates[0].state is RemoteState.RUNNING
    assert updates[-1].state is RemoteState.DONE and updates[-1].fraction == 1.0
    fractions = [u.fraction for u in updates if u.fraction is not None]
    assert fractions == sorted(fractions)
    assert any(u.state is RemoteState.RUNNING and 0 < (u.fraction or 0) < 1 for u in updates)


def test_explicit_motion_wins_over_the_prompt(
    adapter: LocalEngineAdapter, photo: Path, tmp_path: Path
) -> None:
    request = GenerationRequest(
        image=photo,
        prompt="dramatic zoom in",
        duration=0.5,
        motion=MotionSpec(type=MotionType.STATIC),
        output_dir=tmp_path,
    )
    clip = adapter.generate(request, cancel=CancelToken(), progress=lambda _: None)
    assert _frame_difference(clip.path) < 1.0
    # Without a scene id the clip is named by the photo's content hash.
    assert re.fullmatch(r"[0-9a-f]{12}-local-[0-9a-f]{10}\.mp4", clip.path.name)


def test_cancel_mid_render_leaves_no_file(
    adapter: LocalEngineAdapter, photo: Path, tmp_path: Path
) -> None:
    cancel = CancelToken()
    seen: list[float] = []

    def progress(update: GenerationProgress) -> None:
        seen.append(update.fraction or 0.0)
        if (update.fraction or 0.0) > 0.1:
            cancel.cancel()

    request = GenerationRequest(image=photo, duration=8.0, output_dir=tmp_path / "clips")
    with pytest.raises(CancelledByUser):
        adapter.generate(request, cancel=cancel, progress=progress)
    assert max(seen) < 0.9
    assert list((tmp_path / "clips").iterdir()) == []


def test_cancelled_before_start_does_nothing(
    adapter: LocalEngineAdapter, photo: Path, tmp_path: Path
) -> None:
    cancel = CancelToken()
    cancel.cancel()
    with pytest.raises(CancelledByUser):
        adapter.generate(
            GenerationRequest(image=photo, output_dir=tmp_path / "c"),
            cancel=cancel,
            progress=lambda _: None,
        )
    assert not (tmp_path / "c").exists()


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"duration": 61.0}, "60 s"),
        ({"duration": 0.0}, "0 s"),
        ({"resolution": "4k"}, "720p or 1080p"),
        ({"fps": 0}, "frames per second"),
    ],
)
def test_refuses_what_it_cannot_make(
    adapter: LocalEngineAdapter,
    photo: Path,
    tmp_path: Path,
    changes: dict[str, object],
    words: str,
) -> None:
    request = GenerationRequest(image=photo, output_dir=tmp_path, **changes)  # type: ignore[arg-type]
    with pytest.raises(VideoStudioError) as caught:
        adapter.generate(request, cancel=CancelToken(), progress=lambda _: None)
    assert caught.value.error_type is VideoStudioErrorType.INVALID_INPUT
    assert words in caught.value.message
    assert list(tmp_path.glob("*.mp4")) == []


def test_a_photo_that_is_not_an_image_is_named(adapter: LocalEngineAdapter, tmp_path: Path) -> None:
    bad = tmp_path / "broken.png"
    bad.write_bytes(b"not a picture")
    with pytest.raises(VideoStudioError) as caught:
        adapter.generate(
            GenerationRequest(image=bad, output_dir=tmp_path),
            cancel=CancelToken(),
            progress=lambda _: None,
        )
    assert caught.value.error_type is VideoStudioErrorType.INVALID_INPUT
    assert "broken.png" in caught.value.message


def test_clip_names_follow_the_photo_and_settings(photo: Path, tmp_path: Path) -> None:
    motion = MotionSpec(type=MotionType.ZOOM_IN)
    request = GenerationRequest(image=photo, scene_id="s1", output_dir=tmp_path)
    name = clip_name(request, motion)
    assert name == clip_name(request, motion)
    assert name != clip_name(GenerationRequest(image=photo, scene_id="s1", duration=6), motion)
    assert name != clip_name(request, MotionSpec(type=MotionType.ZOOM_OUT))
    assert name.startswith("s1-local-")


def test_storyboard_is_one_plain_scene(photo: Path) -> None:
    request = GenerationRequest(
        image=photo, aspect_ratio=AspectRatio.SQUARE, resolution="1080p", duration=2.5
    )
    board = storyboard_for(request, MotionSpec(type=MotionType.PAN_LEFT))
    assert board.frame_size == (1080, 1080) and board.duration == 2.5
    (scene,) = board.scenes
    assert scene.fit == "cover" and scene.text is None and board.audio is None
    assert board.intro is None and board.outro is None
    assert board.resolve_path(scene.image) == photo.resolve()


def test_resume_makes_the_clip_again_and_cancel_remote_is_harmless(
    adapter: LocalEngineAdapter, photo: Path, tmp_path: Path
) -> None:
    request = GenerationRequest(image=photo, duration=0.2, output_dir=tmp_path)
    job = RemoteJob(model="local", job_id="none", scene_id="", request_image=photo)
    adapter.cancel_remote(job)
    clip = adapter.resume(job, request, cancel=CancelToken(), progress=lambda _: None)
    assert clip.path.exists() and clip.remote_job_id is None
    assert CAPABILITIES is adapter.capabilities()
