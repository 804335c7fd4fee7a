"""The Pika adapter against the loopback fal queue emulator."""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

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
from video_studio.adapters import pika
from video_studio.adapters.base import RemoteJob, RemoteState
from video_studio.adapters.pika import PikaAdapter
from video_studio.config import VideoStudioConfig, get_model_config, set_config
from video_studio.error_types import (
    CancelledByUser,
    ContentPolicyError,
    VideoStudioError,
    VideoStudioErrorType,
)
from video_studio.jobs import CancelToken
from video_studio.media_formats import AspectRatio

SUBMIT_PATH = "/fal-ai/pika/v2.2/image-to-video"


def _adapter(
    tmp_path: Path, emulator: Any, *, api_key: str | None = None, **fields: Any
) -> PikaAdapter:
    config = emulator_config(
        tmp_path, "pika", base_url=emulator.base_url, api_key=api_key or emulator.api_key, **fields
    )
    return PikaAdapter(config.models["pika"], storage=config.storage, workflow=config.workflow)


@pytest.fixture
def adapter(tmp_path: Path, fal_emulator: Any) -> Iterator[PikaAdapter]:
    made = _adapter(tmp_path, fal_emulator)
    yield made
    made.close()


@pytest.fixture
def photo(tmp_path: Path) -> Path:
    return product_photo(tmp_path / "bottle.jpg", 800, 600)


def _sent_image(body: dict[str, Any]) -> Image.Image:
    header, encoded = body["image_url"].split(",", 1)
    assert header == "data:image/jpeg;base64"
    return Image.open(io.BytesIO(base64.b64decode(encoded)))


def test_happy_path_follows_the_queue_urls(
    adapter: PikaAdapter, fal_emulator: Any, photo: Path, tmp_path: Path
) -> None:
    progress = ProgressLog()
    request = clip_request(photo, tmp_path)
    clip = adapter.generate(request, cancel=CancelToken(), progress=progress)

    assert_clip(clip, request.output_dir)
    (request_id,) = fal_emulator.jobs
    queued = progress.first(RemoteState.QUEUED)
    assert queued.remote_job_id == request_id
    assert any(r.queue_position is not None for r in progress.reports)
    assert progress.states[-1] is RemoteState.DONE

    create = fal_emulator.requests_to("create")[0]
    assert create.url_path == SUBMIT_PATH
    assert create.header("authorization") == f"Key {fal_emulator.api_key}"
    body = create.json
    assert (body["duration"], body["resolution"]) == (5, "720p")
    assert body["prompt"] == "slow push-in on the bottle"
    assert "aspect_ratio" not in body
    sent = _sent_image(body)
    assert sent.width / sent.height == pytest.approx(16 / 9, abs=0.01)
    polls = fal_emulator.requests_to("poll")
    assert all(p.url_path == f"/fal-ai/pika/requests/{request_id}/status" for p in polls)
    assert fal_emulator.count("result") == 1


def test_the_image_takes_the_requested_shape(
    adapter: PikaAdapter, fal_emulator: Any, photo: Path, tmp_path: Path
) -> None:
    request = clip_request(
        photo, tmp_path, aspect=AspectRatio.PORTRAIT, duration=9, resolution="1080p"
    )
    adapter.generate(request, cancel=CancelToken(), progress=ProgressLog())
    body = fal_emulator.requests_to("create")[0].json
    assert (body["duration"], body["resolution"]) == (10, "1080p")
    sent = _sent_image(body)
    assert sent.width / sent.height == pytest.approx(9 / 16, abs=0.01)


def test_capabilities() -> None:
    config = VideoStudioConfig.defaults(environment=False)
    made = pika.create(config.models["pika"])
    caps = made.capabilities()
    assert caps.durations == (5.0, 10.0)
    assert caps.resolutions == ("720p", "1080p")
    assert "$0.20" in caps.cost_hint
    assert (made.name, made.display_name) == ("pika", "Pika")


def test_a_long_queue_reports_its_position(
    adapter: PikaAdapter, fal_emulator: Any, photo: Path, tmp_path: Path
) -> None:
    fal_emulator.long_queue(position=2500, polls=3)
    progress = ProgressLog()
    adapter.generate(clip_request(photo, tmp_path), cancel=CancelToken(), progress=progress)
    positions = [r.queue_position for r in progress.reports if r.queue_position is not None]
    assert len(positions) >= 2
    assert positions == sorted(positions, reverse=True) and positions[0] > 1000


def test_flaky_service_still_gives_one_clip(
    adapter: PikaAdapter, fal_emulator: Any, photo: Path, tmp_path: Path
) -> None:
    fal_emulator.fail("create", status=429, retry_after="1")
    fal_emulator.fail("poll", status=503)
    fal_emulator.fail("result", status=504)
    fal_emulator.fail("download", truncate=True)
    request = clip_request(photo, tmp_path)
    clip = adapter.generate(request, cancel=CancelToken(), progress=ProgressLog())

    assert_clip(clip, request.output_dir)
    assert len(fal_emulator.jobs) == 1
    first, second = fal_emulator.requests_to("create")
    assert second.time - first.time >= 0.95
    assert fal_emulator.count("download") == 2


def test_an_ingress_error_on_submit_is_safely_resent(
    adapter: PikaAdapter, fal_emulator: Any, photo: Path, tmp_path: Path
) -> None:
    # fal's nginx answered, not the queue: nothing was created, so sending again is safe.
    fal_emulator.fail_ingress("create", status=502)
    request = clip_request(photo, tmp_path)
    clip = adapter.generate(request, cancel=CancelToken(), progress=ProgressLog())
    assert_clip(clip, request.output_dir)
    assert fal_emulator.count("create") == 2 and len(fal_emulator.jobs) == 1


def test_a_refused_key_is_not_retried(tmp_path: Path, fal_emulator: Any, photo: Path) -> None:
    wrong = "fal-key-id:wrong-secret-123"
    made = _adapter(tmp_path, fal_emulator, api_key=wrong)
    with pytest.raises(VideoStudioError) as caught:
        made.generate(clip_request(photo, tmp_path), cancel=CancelToken(), progress=ProgressLog())
    error = caught.value
    assert error.error_type is VideoStudioErrorType.AUTHENTICATION
    assert "Pika" in error.message and "Settings" in error.message
    assert len(fal_emulator.requests) == 1
    assert_key_hidden(error, wrong)


def test_content_policy_failure_is_not_retried(
    adapter: PikaAdapter, fal_emulator: Any, photo: Path, tmp_path: Path
) -> None:
    fal_emulator.set_outcome("content_policy")
    with pytest.raises(ContentPolicyError) as caught:
        adapter.generate(
            clip_request(photo, tmp_path), cancel=CancelToken(), progress=ProgressLog()
        )
    assert "Pika" in caught.value.message and not caught.value.retryable
    assert fal_emulator.count("create") == 1
    assert_no_partial_files(tmp_path / "clips")


def test_a_runner_failure_is_reported_as_worth_retrying(
    adapter: PikaAdapter, fal_emulator: Any, photo: Path, tmp_path: Path
) -> None:
    fal_emulator.set_outcome("failed", code="runner_disconnected")
    with pytest.raises(VideoStudioError) as caught:
        adapter.generate(
            clip_request(photo, tmp_path), cancel=CancelToken(), progress=ProgressLog()
        )
    assert caught.value.error_type is VideoStudioErrorType.MODEL_FAILURE
    assert caught.value.retryable
    assert "Runner disconnected" in caught.value.message
    assert fal_emulator.count("create") == 1


def test_an_unknown_status_is_a_clear_error(
    adapter: PikaAdapter, fal_emulator: Any, photo: Path, tmp_path: Path
) -> None:
    fal_emulator.status_override = "SOMETHING_NEW"
    with pytest.raises(VideoStudioError) as caught:
        adapter.generate(
            clip_request(photo, tmp_path), cancel=CancelToken(), progress=ProgressLog()
        )
    assert "SOMETHING_NEW" in caught.value.message
    assert fal_emulator.count("poll") == 1


@pytest.mark.parametrize(
    "fault",
    [{"lose_response": True}, {"lose_response": True, "status": 502}, {"truncate": True}],
    ids=["reset", "502", "truncated"],
)
def test_a_lost_submit_is_never_sent_twice(
    adapter: PikaAdapter,
    fal_emulator: Any,
    photo: Path,
    tmp_path: Path,
    fault: dict[str, Any],
) -> None:
    fal_emulator.fail("create", **fault)
    with pytest.raises(VideoStudioError) as caught:
        adapter.generate(
            clip_request(photo, tmp_path), cancel=CancelToken(), progress=ProgressLog()
        )
    assert not caught.value.retryable
    assert "dashboard" in caught.value.message and "Pika" in caught.value.message
    assert len(fal_emulator.jobs) == 1 and fal_emulator.count("create") == 1
    assert_no_partial_files(tmp_path / "clips")


def test_cancel_mid_poll_cancels_the_request(
    adapter: PikaAdapter, fal_emulator: Any, photo: Path, tmp_path: Path
) -> None:
    fal_emulator.set_outcome("stuck")
    token = CancelToken()
    request = clip_request(photo, tmp_path)
    thread, outcome = run_in_thread(
        lambda: adapter.generate(request, cancel=token, progress=ProgressLog())
    )
    cancelled_at = cancel_when_polled(fal_emulator, token, 3)
    thread.join(5)
    assert isinstance(outcome.get("error"), CancelledByUser)
    assert outcome["finished_at"] - cancelled_at < 0.5
    (cancel_call,) = fal_emulator.requests_to("cancel")
    assert cancel_call.method == "PUT"
    (job,) = fal_emulator.jobs.values()
    assert job.cancelled
    assert_no_partial_files(request.output_dir)


@pytest.mark.parametrize("with_urls", [True, False])
def test_resume_follows_an_existing_request(
    adapter: PikaAdapter, fal_emulator: Any, photo: Path, tmp_path: Path, with_urls: bool
) -> None:
    from tests.emulators.media import data_uri, image_bytes

    answer = httpx.post(
        fal_emulator.base_url + SUBMIT_PATH,
        headers={"Authorization": f"Key {fal_emulator.api_key}"},
        json={"prompt": "a bottle", "image_url": data_uri(image_bytes())},
    ).json()
    job = RemoteJob(
        model="pika",
        job_id=answer["request_id"],
        scene_id="scene-1",
        request_image=photo,
        status_url=answer["status_url"] if with_urls else None,
        result_url=answer["response_url"] if with_urls else None,
        cancel_url=answer["cancel_url"] if with_urls else None,
    )
    request = clip_request(photo, tmp_path)
    clip = adapter.resume(job, request, cancel=CancelToken(), progress=ProgressLog())
    assert_clip(clip, request.output_dir)
    assert fal_emulator.count("create") == 1


def test_an_expired_output_link_is_a_clear_error(
    adapter: PikaAdapter, fal_emulator: Any, photo: Path, tmp_path: Path
) -> None:
    fal_emulator.expire_outputs_after(0)
    request = clip_request(photo, tmp_path)
    with pytest.raises(VideoStudioError) as caught:
        adapter.generate(request, cancel=CancelToken(), progress=ProgressLog())
    assert "expired" in caught.value.message
    assert_no_partial_files(request.output_dir)


def test_environment_variables_point_the_adapter_at_the_emulator(
    monkeypatch: pytest.MonkeyPatch, fal_emulator: Any, photo: Path, tmp_path: Path
) -> None:
    monkeypatch.setenv("VIDEO_STUDIO_PIKA_BASE_URL", fal_emulator.base_url)
    monkeypatch.setenv("VIDEO_STUDIO_PIKA_API_KEY", fal_emulator.api_key)
    fal_emulator.polls_to_finish = 1  # the default 2 s poll interval never waits
    set_config(VideoStudioConfig.defaults())
    made = pika.create(get_model_config("pika"))
    request = clip_request(photo, tmp_path)
    clip = made.generate(request, cancel=CancelToken(), progress=ProgressLog())
    assert_clip(clip, request.output_dir)


def test_the_key_stays_out_of_errors_and_the_log(
    tmp_path: Path, fal_emulator: Any, photo: Path
) -> None:
    config = emulator_config(
        tmp_path, "pika", base_url=fal_emulator.base_url, api_key=fal_emulator.api_key
    )
    made = PikaAdapter(config.models["pika"], storage=config.storage, workflow=config.workflow)
    fal_emulator.fail("poll", status=503)
    fal_emulator.set_outcome("content_policy")
    with log_file(config, tmp_path) as path, pytest.raises(VideoStudioError) as caught:
        made.generate(clip_request(photo, tmp_path), cancel=CancelToken(), progress=ProgressLog())
    assert_key_hidden(caught.value, fal_emulator.api_key)
    text = path.read_text()
    assert "pika" in text
    assert fal_emulator.api_key not in text
