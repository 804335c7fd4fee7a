"""The Runway adapter against the loopback Runway emulator (real HTTP on 127.0.0.1)."""

from __future__ import annotations

import time
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
    noisy_photo,
    product_photo,
    run_in_thread,
)
from video_studio.adapters import runway
from video_studio.adapters.base import ModelAdapter, RemoteJob, RemoteState
from video_studio.adapters.runway import RunwayAdapter
from video_studio.config import VideoStudioConfig, get_model_config, set_config
from video_studio.error_types import (
    CancelledByUser,
    ContentPolicyError,
    VideoStudioError,
    VideoStudioErrorType,
)
from video_studio.jobs import CancelToken
from video_studio.media_formats import AspectRatio


def _adapter(
    tmp_path: Path, emulator: Any, *, api_key: str | None = None, **fields: Any
) -> RunwayAdapter:
    config = emulator_config(
        tmp_path,
        "runway",
        base_url=emulator.base_url,
        api_key=api_key or emulator.api_key,
        **fields,
    )
    return RunwayAdapter(config.models["runway"], storage=config.storage, workflow=config.workflow)


@pytest.fixture
def adapter(tmp_path: Path, runway_emulator: Any) -> Iterator[RunwayAdapter]:
    made = _adapter(tmp_path, runway_emulator)
    yield made
    made.close()


@pytest.fixture
def photo(tmp_path: Path) -> Path:
    return product_photo(tmp_path / "bottle.jpg")


def test_happy_path_makes_a_decodable_clip(
    adapter: RunwayAdapter, runway_emulator: Any, photo: Path, tmp_path: Path
) -> None:
    progress = ProgressLog()
    request = clip_request(photo, tmp_path)
    clip = adapter.generate(request, cancel=CancelToken(), progress=progress)

    assert_clip(clip, request.output_dir)
    (job_id,) = runway_emulator.jobs
    assert clip.remote_job_id == job_id and clip.model == "runway"
    queued = progress.first(RemoteState.QUEUED)
    assert queued.remote_job_id == job_id
    states = progress.states
    assert states[0] is RemoteState.SUBMITTING and states[-1] is RemoteState.DONE
    assert states.index(RemoteState.QUEUED) < states.index(RemoteState.RUNNING)
    assert RemoteState.DOWNLOADING in states
    running = progress.first(RemoteState.RUNNING)
    assert running.fraction is not None and 0 < running.fraction < 1

    create = runway_emulator.requests_to("create")[0]
    assert create.header("x-runway-version") == "2024-11-06"
    assert create.header("authorization") == f"Bearer {runway_emulator.api_key}"
    body = create.json
    assert body["model"] == "gen4_turbo"
    assert body["ratio"] == "1280:720"
    assert body["duration"] == 5
    assert body["promptText"] == "slow push-in on the bottle"
    assert body["promptImage"].startswith("data:image/jpeg;base64,")
    # the output link is public: the key is not sent there
    assert runway_emulator.requests_to("download")[0].header("authorization") is None


@pytest.mark.parametrize(
    ("aspect", "ratio"),
    [
        (AspectRatio.LANDSCAPE, "1280:720"),
        (AspectRatio.PORTRAIT, "720:1280"),
        (AspectRatio.SQUARE, "960:960"),
        (AspectRatio.PORTRAIT_4_5, "832:1104"),
    ],
)
def test_aspect_ratios_map_to_pixel_ratios(
    adapter: RunwayAdapter, photo: Path, tmp_path: Path, aspect: AspectRatio, ratio: str
) -> None:
    body = adapter.request_body(clip_request(photo, tmp_path, aspect=aspect), "data:x")
    assert body["ratio"] == ratio


def test_portrait_clip_with_ten_seconds_is_accepted(
    adapter: RunwayAdapter, runway_emulator: Any, photo: Path, tmp_path: Path
) -> None:
    request = clip_request(photo, tmp_path, aspect=AspectRatio.PORTRAIT_4_5, duration=9.0)
    adapter.generate(request, cancel=CancelToken(), progress=ProgressLog())
    body = runway_emulator.requests_to("create")[0].json
    assert (body["ratio"], body["duration"]) == ("832:1104", 10)


def test_capabilities() -> None:
    config = VideoStudioConfig.defaults(environment=False)
    made = runway.create(config.models["runway"])
    caps = made.capabilities()
    assert set(caps.aspect_ratios) == set(AspectRatio)
    assert caps.durations == (5.0, 10.0)
    assert not caps.needs_public_image_url
    assert caps.max_image_bytes is not None and caps.cost_hint
    assert made.name == "runway" and made.display_name == "Runway"
    assert isinstance(made, ModelAdapter)


def test_flaky_service_still_gives_one_clip(
    adapter: RunwayAdapter, runway_emulator: Any, photo: Path, tmp_path: Path
) -> None:
    runway_emulator.fail("create", status=429, retry_after="1")
    runway_emulator.fail("poll", status=503)
    runway_emulator.fail("download", truncate=True)
    request = clip_request(photo, tmp_path)
    clip = adapter.generate(request, cancel=CancelToken(), progress=ProgressLog())

    assert_clip(clip, request.output_dir)
    assert len(runway_emulator.jobs) == 1
    first, second = runway_emulator.requests_to("create")
    assert second.time - first.time >= 0.95  # Retry-After: 1, not the 0.05 s backoff
    assert runway_emulator.count("download") == 2


def test_a_refused_key_is_not_retried(tmp_path: Path, runway_emulator: Any, photo: Path) -> None:
    wrong = "key_" + "f" * 128
    made = _adapter(tmp_path, runway_emulator, api_key=wrong)
    with pytest.raises(VideoStudioError) as caught:
        made.generate(clip_request(photo, tmp_path), cancel=CancelToken(), progress=ProgressLog())
    error = caught.value
    assert error.error_type is VideoStudioErrorType.AUTHENTICATION
    assert "Runway" in error.message and "Settings" in error.message
    assert not error.retryable
    assert len(runway_emulator.requests) == 1
    assert_key_hidden(error, wrong)
    assert_no_partial_files(tmp_path / "clips")


def test_a_missing_key_stops_before_any_request(
    tmp_path: Path, runway_emulator: Any, photo: Path
) -> None:
    config = emulator_config(tmp_path, "runway", base_url=runway_emulator.base_url, api_key="")
    made = RunwayAdapter(config.models["runway"], storage=config.storage, workflow=config.workflow)
    with pytest.raises(VideoStudioError) as caught:
        made.generate(clip_request(photo, tmp_path), cancel=CancelToken(), progress=ProgressLog())
    assert caught.value.error_type is VideoStudioErrorType.AUTHENTICATION
    assert runway_emulator.requests == []


def test_content_policy_failure_is_not_retried(
    adapter: RunwayAdapter, runway_emulator: Any, photo: Path, tmp_path: Path
) -> None:
    runway_emulator.set_outcome("content_policy")
    with pytest.raises(ContentPolicyError) as caught:
        adapter.generate(
            clip_request(photo, tmp_path), cancel=CancelToken(), progress=ProgressLog()
        )
    assert not caught.value.retryable
    assert "Runway" in caught.value.message
    assert runway_emulator.count("create") == 1
    assert_no_partial_files(tmp_path / "clips")


def test_a_failed_task_reports_the_reason(
    adapter: RunwayAdapter, runway_emulator: Any, photo: Path, tmp_path: Path
) -> None:
    runway_emulator.set_outcome("failed", reason="The GPU fell over.", code="INTERNAL")
    with pytest.raises(VideoStudioError) as caught:
        adapter.generate(
            clip_request(photo, tmp_path), cancel=CancelToken(), progress=ProgressLog()
        )
    assert caught.value.error_type is VideoStudioErrorType.MODEL_FAILURE
    assert "The GPU fell over" in caught.value.message
    assert runway_emulator.count("create") == 1


@pytest.mark.parametrize(
    "fault",
    [
        {"lose_response": True},  # created, then the connection was reset
        {"lose_response": True, "status": 502},  # created, then a 5xx
        {"truncate": True},  # created, answer cut short
    ],
    ids=["reset", "502", "truncated"],
)
def test_a_lost_create_is_never_sent_twice(
    adapter: RunwayAdapter,
    runway_emulator: Any,
    photo: Path,
    tmp_path: Path,
    fault: dict[str, Any],
) -> None:
    runway_emulator.fail("create", **fault)
    with pytest.raises(VideoStudioError) as caught:
        adapter.generate(
            clip_request(photo, tmp_path), cancel=CancelToken(), progress=ProgressLog()
        )
    error = caught.value
    assert error.error_type is VideoStudioErrorType.SERVICE_UNAVAILABLE
    assert not error.retryable
    assert "dashboard" in error.message and "Runway" in error.message
    assert len(runway_emulator.jobs) == 1
    assert runway_emulator.count("create") == 1
    assert_no_partial_files(tmp_path / "clips")


def test_a_create_refused_with_a_reset_before_any_job_is_not_resent(
    adapter: RunwayAdapter, runway_emulator: Any, photo: Path, tmp_path: Path
) -> None:
    # The service read the request and reset: whether it made a job cannot be known.
    runway_emulator.fail("create", reset=True)
    with pytest.raises(VideoStudioError):
        adapter.generate(
            clip_request(photo, tmp_path), cancel=CancelToken(), progress=ProgressLog()
        )
    assert runway_emulator.count("create") == 1


def test_cancel_mid_poll_cancels_the_task(
    adapter: RunwayAdapter, runway_emulator: Any, photo: Path, tmp_path: Path
) -> None:
    runway_emulator.set_outcome("stuck")
    token = CancelToken()
    request = clip_request(photo, tmp_path)
    thread, outcome = run_in_thread(
        lambda: adapter.generate(request, cancel=token, progress=ProgressLog())
    )
    cancelled_at = cancel_when_polled(runway_emulator, token, 3)
    thread.join(5)
    assert isinstance(outcome.get("error"), CancelledByUser)
    assert outcome["finished_at"] - cancelled_at < 0.5
    assert runway_emulator.count("cancel") == 1
    (job,) = runway_emulator.jobs.values()
    assert job.state == "CANCELLED"
    assert_no_partial_files(request.output_dir)


def test_resume_polls_an_existing_task_without_a_new_one(
    adapter: RunwayAdapter, runway_emulator: Any, photo: Path, tmp_path: Path
) -> None:
    from tests.emulators.media import data_uri, image_bytes

    answer = httpx.post(
        f"{runway_emulator.base_url}/v1/image_to_video",
        headers={
            "Authorization": f"Bearer {runway_emulator.api_key}",
            "X-Runway-Version": "2024-11-06",
        },
        json={"model": "gen4_turbo", "promptImage": data_uri(image_bytes()), "ratio": "960:960"},
    )
    task_id = answer.json()["id"]
    job = RemoteJob(model="runway", job_id=task_id, scene_id="scene-1", request_image=photo)
    progress = ProgressLog()
    request = clip_request(photo, tmp_path)
    clip = adapter.resume(job, request, cancel=CancelToken(), progress=progress)

    assert_clip(clip, request.output_dir)
    assert clip.remote_job_id == task_id
    assert runway_emulator.count("create") == 1
    assert progress.states[-1] is RemoteState.DONE


def test_an_expired_output_link_is_fetched_again(
    adapter: RunwayAdapter, runway_emulator: Any, photo: Path, tmp_path: Path
) -> None:
    runway_emulator.expire_outputs_after(0.3)
    runway_emulator.fail("download", delay=0.4)  # the first link expires while we wait
    request = clip_request(photo, tmp_path)
    clip = adapter.generate(request, cancel=CancelToken(), progress=ProgressLog())
    assert_clip(clip, request.output_dir)
    first, second = runway_emulator.requests_to("download")
    assert first.path != second.path  # a fresh presigned link from GET /v1/tasks/{id}


def test_an_output_that_stays_expired_is_a_clear_error(
    adapter: RunwayAdapter, runway_emulator: Any, photo: Path, tmp_path: Path
) -> None:
    runway_emulator.expire_outputs_after(0)
    request = clip_request(photo, tmp_path)
    with pytest.raises(VideoStudioError) as caught:
        adapter.generate(request, cancel=CancelToken(), progress=ProgressLog())
    assert "expired" in caught.value.message
    assert runway_emulator.count("download") == 2  # the link, then one fresh link
    assert_no_partial_files(request.output_dir)


def test_running_out_of_time_cancels_the_task(
    tmp_path: Path, runway_emulator: Any, photo: Path
) -> None:
    runway_emulator.set_outcome("stuck")
    made = _adapter(tmp_path, runway_emulator, timeout=0.3)
    with pytest.raises(VideoStudioError) as caught:
        made.generate(clip_request(photo, tmp_path), cancel=CancelToken(), progress=ProgressLog())
    assert caught.value.error_type is VideoStudioErrorType.TIMEOUT
    assert runway_emulator.count("cancel") == 1


def test_a_big_photo_goes_through_the_upload_flow(
    adapter: RunwayAdapter, runway_emulator: Any, tmp_path: Path
) -> None:
    big = noisy_photo(tmp_path / "huge.png", 2400, 1800)
    adapter.generate(clip_request(big, tmp_path), cancel=CancelToken(), progress=ProgressLog())
    body = runway_emulator.requests_to("create")[0].json
    assert body["promptImage"].startswith("runway://")
    assert runway_emulator.count("upload_sink") == 1


def test_a_tall_photo_is_padded_so_runway_accepts_it(
    adapter: RunwayAdapter, runway_emulator: Any, tmp_path: Path
) -> None:
    tall = product_photo(tmp_path / "tall.jpg", 300, 900)
    request = clip_request(tall, tmp_path)
    clip = adapter.generate(request, cancel=CancelToken(), progress=ProgressLog())
    assert_clip(clip, request.output_dir)


def test_environment_variables_point_the_adapter_at_the_emulator(
    monkeypatch: pytest.MonkeyPatch, runway_emulator: Any, photo: Path, tmp_path: Path
) -> None:
    monkeypatch.setenv("VIDEO_STUDIO_RUNWAY_BASE_URL", runway_emulator.base_url)
    monkeypatch.setenv("VIDEO_STUDIO_RUNWAY_API_KEY", runway_emulator.api_key)
    runway_emulator.polls_to_finish = 1  # the default 5 s poll interval never waits
    set_config(VideoStudioConfig.defaults())
    made = runway.create(get_model_config("runway"))
    request = clip_request(photo, tmp_path)
    clip = made.generate(request, cancel=CancelToken(), progress=ProgressLog())
    assert_clip(clip, request.output_dir)
    assert runway_emulator.count("create") == 1


def test_the_key_stays_out_of_errors_and_the_log(
    tmp_path: Path, runway_emulator: Any, photo: Path
) -> None:
    config = emulator_config(
        tmp_path, "runway", base_url=runway_emulator.base_url, api_key=runway_emulator.api_key
    )
    made = RunwayAdapter(config.models["runway"], storage=config.storage, workflow=config.workflow)
    runway_emulator.fail("poll", status=503, times=2)
    runway_emulator.set_outcome("failed")
    with log_file(config, tmp_path) as path:
        with pytest.raises(VideoStudioError) as caught:
            made.generate(
                clip_request(photo, tmp_path), cancel=CancelToken(), progress=ProgressLog()
            )
        time.sleep(0.05)
    assert_key_hidden(caught.value, runway_emulator.api_key)
    text = path.read_text()
    assert "runway" in text
    assert runway_emulator.api_key not in text


def test_a_job_of_another_service_is_not_resumed(adapter: RunwayAdapter, photo: Path) -> None:
    job = RemoteJob(model="luma", job_id="abc", scene_id="s", request_image=photo)
    with pytest.raises(VideoStudioError) as caught:
        adapter.resume(
            job, clip_request(photo, photo.parent), cancel=CancelToken(), progress=ProgressLog()
        )
    assert "Luma" in caught.value.message
