"""The Luma Dream Machine adapter against the loopback Luma emulator and image host."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.adapters.cloud_helpers import (
    ProgressLog,
    assert_clip,
    assert_key_hidden,
    assert_no_partial_files,
    cancel_when_polled,
    clip_request,
    emulator_config,
    log_file,
    product_photo,
    run_in_thread,
)
from video_studio.adapters import luma
from video_studio.adapters.base import RemoteJob, RemoteState
from video_studio.adapters.luma import LumaAdapter
from video_studio.config import VideoStudioConfig, get_model_config, set_config
from video_studio.error_types import (
    CancelledByUser,
    ContentPolicyError,
    RecoveryAction,
    VideoStudioError,
    VideoStudioErrorType,
)
from video_studio.jobs import CancelToken
from video_studio.media_formats import AspectRatio


def _adapter(
    tmp_path: Path,
    emulator: Any,
    host: Any,
    *,
    api_key: str | None = None,
    **fields: Any,
) -> LumaAdapter:
    if host is not None:
        fields.setdefault("image_host_url", host.root_url + "/images")
    config = emulator_config(
        tmp_path, "luma", base_url=emulator.base_url, api_key=api_key or emulator.api_key, **fields
    )
    return LumaAdapter(config.models["luma"], storage=config.storage, workflow=config.workflow)


@pytest.fixture
def adapter(tmp_path: Path, luma_emulator: Any, image_host: Any) -> Iterator[LumaAdapter]:
    made = _adapter(tmp_path, luma_emulator, image_host)
    yield made
    made.close()


@pytest.fixture
def photo(tmp_path: Path) -> Path:
    return product_photo(tmp_path / "bottle.jpg")


def test_happy_path_uploads_the_image_and_makes_a_clip(
    adapter: LumaAdapter, luma_emulator: Any, image_host: Any, photo: Path, tmp_path: Path
) -> None:
    progress = ProgressLog()
    request = clip_request(photo, tmp_path)
    clip = adapter.generate(request, cancel=CancelToken(), progress=progress)

    assert_clip(clip, request.output_dir)
    (job_id,) = luma_emulator.jobs
    assert progress.first(RemoteState.QUEUED).remote_job_id == job_id
    assert RemoteState.RUNNING in progress.states
    assert progress.states[-1] is RemoteState.DONE

    digest = hashlib.sha256(photo.read_bytes()).hexdigest()
    image_url = f"{image_host.root_url}/images/{digest}.jpg"
    upload = image_host.requests_to("upload")[0]
    assert upload.header("content-type") == "image/jpeg"
    assert upload.header("authorization") is None
    create = luma_emulator.requests_to("create")[0]
    assert create.url_path == "/dream-machine/v1/generations/video"
    assert create.header("authorization") == f"Bearer {luma_emulator.api_key}"
    assert create.json == {
        "model": "ray-2",
        "aspect_ratio": "16:9",
        "duration": "5s",
        "resolution": "720p",
        "keyframes": {"frame0": {"type": "image", "url": image_url}},
        "prompt": "slow push-in on the bottle",
    }
    assert len(image_host.fetches_of(f"{digest}.jpg")) == 1  # Luma read it from the host


def test_four_by_five_becomes_three_by_four_with_a_note(
    adapter: LumaAdapter,
    luma_emulator: Any,
    photo: Path,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    request = clip_request(photo, tmp_path, aspect=AspectRatio.PORTRAIT_4_5, duration=8)
    with caplog.at_level(logging.INFO, logger="video_studio.adapters.luma"):
        adapter.generate(request, cancel=CancelToken(), progress=ProgressLog())
    body = luma_emulator.requests_to("create")[0].json
    assert (body["aspect_ratio"], body["duration"]) == ("3:4", "9s")
    assert "3:4" in caplog.text


def test_capabilities_say_a_public_url_is_needed() -> None:
    config = VideoStudioConfig.defaults(environment=False)
    made = luma.create(config.models["luma"])
    caps = made.capabilities()
    assert caps.needs_public_image_url
    assert caps.durations == (5.0, 9.0)
    assert "1080p" in caps.resolutions
    assert (made.name, made.display_name) == ("luma", "Luma Dream Machine")


def test_without_an_image_host_it_stops_before_any_request(
    tmp_path: Path, luma_emulator: Any, image_host: Any, photo: Path
) -> None:
    made = _adapter(tmp_path, luma_emulator, None)
    with pytest.raises(VideoStudioError) as caught:
        made.generate(clip_request(photo, tmp_path), cancel=CancelToken(), progress=ProgressLog())
    error = caught.value
    assert error.error_type is VideoStudioErrorType.CONFIGURATION
    assert "public web address" in error.message
    assert "Settings" in error.message and "Runway" in error.message and "Pika" in error.message
    assert RecoveryAction.FIX_CONFIGURATION in (error.recovery_actions or ())
    assert luma_emulator.requests == [] and image_host.requests == []


def test_flaky_service_still_gives_one_clip(
    adapter: LumaAdapter, luma_emulator: Any, image_host: Any, photo: Path, tmp_path: Path
) -> None:
    image_host.fail("upload", status=502)
    luma_emulator.fail("create", status=429, retry_after_ms="400")
    luma_emulator.fail("poll", status=503)
    luma_emulator.fail("download", truncate=True)
    request = clip_request(photo, tmp_path)
    clip = adapter.generate(request, cancel=CancelToken(), progress=ProgressLog())

    assert_clip(clip, request.output_dir)
    assert len(luma_emulator.jobs) == 1
    first, second = luma_emulator.requests_to("create")
    assert second.time - first.time >= 0.38  # retry-after-ms: 400
    assert luma_emulator.count("download") == 2


def test_a_refused_key_is_not_retried(
    tmp_path: Path, luma_emulator: Any, image_host: Any, photo: Path
) -> None:
    wrong = "luma-ffffffffffffffffffffffffffffffff"
    made = _adapter(tmp_path, luma_emulator, image_host, api_key=wrong)
    with pytest.raises(VideoStudioError) as caught:
        made.generate(clip_request(photo, tmp_path), cancel=CancelToken(), progress=ProgressLog())
    error = caught.value
    assert error.error_type is VideoStudioErrorType.AUTHENTICATION
    assert "Luma Dream Machine" in error.message and "Settings" in error.message
    assert len(luma_emulator.requests) == 1
    assert_key_hidden(error, wrong)


def test_content_policy_failure_is_not_retried(
    adapter: LumaAdapter, luma_emulator: Any, photo: Path, tmp_path: Path
) -> None:
    luma_emulator.set_outcome("content_policy")
    with pytest.raises(ContentPolicyError) as caught:
        adapter.generate(
            clip_request(photo, tmp_path), cancel=CancelToken(), progress=ProgressLog()
        )
    assert "Frame moderation failed" in caught.value.message
    assert luma_emulator.count("create") == 1
    assert_no_partial_files(tmp_path / "clips")


def test_an_unreadable_image_is_an_input_error(
    adapter: LumaAdapter, luma_emulator: Any, photo: Path, tmp_path: Path
) -> None:
    luma_emulator.set_outcome("failed", reason="Failed to read user input frames")
    with pytest.raises(VideoStudioError) as caught:
        adapter.generate(
            clip_request(photo, tmp_path), cancel=CancelToken(), progress=ProgressLog()
        )
    assert caught.value.error_type is VideoStudioErrorType.INVALID_INPUT
    assert "image host" in caught.value.message


@pytest.mark.parametrize(
    "fault", [{"lose_response": True}, {"lose_response": True, "status": 500}, {"truncate": True}]
)
def test_a_lost_create_is_recovered_from_the_list(
    adapter: LumaAdapter,
    luma_emulator: Any,
    photo: Path,
    tmp_path: Path,
    fault: dict[str, Any],
) -> None:
    luma_emulator.fail("create", **fault)
    request = clip_request(photo, tmp_path)
    progress = ProgressLog()
    clip = adapter.generate(request, cancel=CancelToken(), progress=progress)

    assert_clip(clip, request.output_dir)
    (job_id,) = luma_emulator.jobs
    assert clip.remote_job_id == job_id
    assert progress.first(RemoteState.QUEUED).remote_job_id == job_id
    assert luma_emulator.count("create") == 1
    assert luma_emulator.count("list") == 1


def test_recovery_picks_the_new_generation_not_an_older_twin(
    adapter: LumaAdapter, luma_emulator: Any, photo: Path, tmp_path: Path
) -> None:
    request = clip_request(photo, tmp_path)
    first = adapter.generate(request, cancel=CancelToken(), progress=ProgressLog())
    luma_emulator.fail("create", lose_response=True)
    second = adapter.generate(request, cancel=CancelToken(), progress=ProgressLog())
    newest = luma_emulator.created_jobs[-1].id
    assert len(luma_emulator.jobs) == 2
    assert second.remote_job_id == newest != first.remote_job_id


def test_a_lost_create_that_cannot_be_found_is_a_clear_error(
    adapter: LumaAdapter, luma_emulator: Any, photo: Path, tmp_path: Path
) -> None:
    luma_emulator.fail("create", lose_response=True)
    luma_emulator.fail("list", status=500, times=10)
    with pytest.raises(VideoStudioError) as caught:
        adapter.generate(
            clip_request(photo, tmp_path), cancel=CancelToken(), progress=ProgressLog()
        )
    assert not caught.value.retryable
    assert "dashboard" in caught.value.message
    assert len(luma_emulator.jobs) == 1 and luma_emulator.count("create") == 1
    assert_no_partial_files(tmp_path / "clips")


def test_cancel_mid_poll_deletes_the_generation(
    adapter: LumaAdapter, luma_emulator: Any, photo: Path, tmp_path: Path
) -> None:
    luma_emulator.set_outcome("stuck")
    token = CancelToken()
    request = clip_request(photo, tmp_path)
    thread, outcome = run_in_thread(
        lambda: adapter.generate(request, cancel=token, progress=ProgressLog())
    )
    cancelled_at = cancel_when_polled(luma_emulator, token, 3)
    thread.join(5)
    assert isinstance(outcome.get("error"), CancelledByUser)
    assert outcome["finished_at"] - cancelled_at < 0.5
    assert luma_emulator.count("cancel") == 1
    assert_no_partial_files(request.output_dir)


def test_resume_polls_an_existing_generation_without_a_new_one(
    adapter: LumaAdapter, luma_emulator: Any, image_host: Any, photo: Path, tmp_path: Path
) -> None:
    url = image_host.put("bottle.jpg", photo.read_bytes(), "image/jpeg")
    answer = httpx.post(
        f"{luma_emulator.base_url}/generations/video",
        headers={"Authorization": f"Bearer {luma_emulator.api_key}"},
        json={"model": "ray-2", "keyframes": {"frame0": {"type": "image", "url": url}}},
    )
    generation_id = answer.json()["id"]
    job = RemoteJob(model="luma", job_id=generation_id, scene_id="scene-1", request_image=photo)
    request = clip_request(photo, tmp_path)
    clip = adapter.resume(job, request, cancel=CancelToken(), progress=ProgressLog())
    assert_clip(clip, request.output_dir)
    assert clip.remote_job_id == generation_id
    assert luma_emulator.count("create") == 1


def test_an_expired_output_link_is_a_clear_error(
    adapter: LumaAdapter, luma_emulator: Any, photo: Path, tmp_path: Path
) -> None:
    luma_emulator.expire_outputs_after(0)
    request = clip_request(photo, tmp_path)
    with pytest.raises(VideoStudioError) as caught:
        adapter.generate(request, cancel=CancelToken(), progress=ProgressLog())
    assert "expired" in caught.value.message and "Luma" in caught.value.message
    assert luma_emulator.count("download") == 1  # Luma gives no fresh link
    assert_no_partial_files(request.output_dir)


def test_environment_variables_point_the_adapter_at_the_emulator(
    monkeypatch: pytest.MonkeyPatch,
    luma_emulator: Any,
    image_host: Any,
    photo: Path,
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("VIDEO_STUDIO_LUMA_BASE_URL", luma_emulator.base_url)
    monkeypatch.setenv("VIDEO_STUDIO_LUMA_API_KEY", luma_emulator.api_key)
    luma_emulator.polls_to_finish = 1  # the default 3 s poll interval never waits
    config = VideoStudioConfig.defaults()
    config.models["luma"].image_host_url = image_host.root_url + "/images"
    set_config(config)
    made = luma.create(get_model_config("luma"))
    request = clip_request(photo, tmp_path)
    clip = made.generate(request, cancel=CancelToken(), progress=ProgressLog())
    assert_clip(clip, request.output_dir)
    assert luma_emulator.count("create") == 1


def test_the_key_stays_out_of_errors_and_the_log(
    tmp_path: Path, luma_emulator: Any, image_host: Any, photo: Path
) -> None:
    config = emulator_config(
        tmp_path,
        "luma",
        base_url=luma_emulator.base_url,
        api_key=luma_emulator.api_key,
        image_host_url=image_host.root_url + "/images",
    )
    made = LumaAdapter(config.models["luma"], storage=config.storage, workflow=config.workflow)
    luma_emulator.fail("create", lose_response=True)
    luma_emulator.set_outcome("failed")
    with log_file(config, tmp_path) as path, pytest.raises(VideoStudioError) as caught:
        made.generate(clip_request(photo, tmp_path), cancel=CancelToken(), progress=ProgressLog())
    assert_key_hidden(caught.value, luma_emulator.api_key)
    text = path.read_text()
    assert "luma" in text
    assert luma_emulator.api_key not in text
