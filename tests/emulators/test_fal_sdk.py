"""The fal emulator driven by the official `fal_client` (proves it speaks the real protocol).

fal_client builds queue URLs from its module constant QUEUE_URL_FORMAT; pointing that at the
loopback server is the SDK's own configuration, the HTTP traffic is real.
"""

from __future__ import annotations

from collections.abc import Iterator

import fal_client
import fal_client.client
import httpx
import pytest

from tests.emulators import FalEmulator
from tests.emulators.media import data_uri, image_bytes, tiny_mp4

APP = "fal-ai/pika/v2.2/image-to-video"
INPUT = {"prompt": "the sneaker rotates", "image_url": data_uri(image_bytes())}


@pytest.fixture
def client(
    fal_emulator: FalEmulator, monkeypatch: pytest.MonkeyPatch
) -> Iterator[fal_client.SyncClient]:
    monkeypatch.setattr(fal_client.client, "QUEUE_URL_FORMAT", fal_emulator.base_url + "/")
    sdk = fal_client.SyncClient(key=fal_emulator.api_key)
    try:
        yield sdk
    finally:
        sdk._client.close()


def test_submit_status_result_round_trip(
    fal_emulator: FalEmulator, client: fal_client.SyncClient
) -> None:
    handle = client.submit(APP, arguments=INPUT)
    assert handle.request_id in fal_emulator.jobs
    assert handle.status_url.endswith(f"/fal-ai/pika/requests/{handle.request_id}/status")
    sent = fal_emulator.requests_to("create")[0]
    assert sent.headers["authorization"] == f"Key {fal_emulator.api_key}"
    assert sent.headers["user-agent"].startswith("fal-client/")
    queued = handle.status()
    assert isinstance(queued, fal_client.Queued) and queued.position == 0
    progress = handle.status(with_logs=True)
    assert isinstance(progress, fal_client.InProgress)
    assert progress.logs and progress.logs[0]["level"] == "INFO"
    done = handle.status(with_logs=True)
    assert isinstance(done, fal_client.Completed) and done.error is None
    assert "inference_time" in done.metrics
    result = handle.get()
    video = result["video"]
    assert video["content_type"] == "video/mp4" and video["file_size"] == len(tiny_mp4())
    assert httpx.get(video["url"]).content == tiny_mp4()
    assert fal_emulator.requests_to("poll")[1].query == {"logs": "true"}


def test_subscribe_with_a_short_poll(
    fal_emulator: FalEmulator, client: fal_client.SyncClient
) -> None:
    fal_emulator.long_queue(position=300, polls=3)
    updates: list[fal_client.Status] = []
    result = client.subscribe(
        APP, arguments=INPUT, interval=0.01, with_logs=True, on_queue_update=updates.append
    )
    assert result["video"]["file_name"] == "output.mp4"
    positions = [u.position for u in updates if isinstance(u, fal_client.Queued)]
    assert positions == sorted(positions, reverse=True) and positions[0] >= 100
    assert isinstance(updates[-1], fal_client.Completed)


def test_request_handle_from_id_uses_the_owner_alias_urls(
    fal_emulator: FalEmulator, client: fal_client.SyncClient
) -> None:
    request_id = client.submit(APP, arguments=INPUT).request_id
    handle = client.get_handle(APP, request_id)
    assert isinstance(handle.status(), fal_client.Queued)
    assert "/fal-ai/pika/requests/" in fal_emulator.requests_to("poll")[0].path


def test_cancel_a_queued_request(fal_emulator: FalEmulator, client: fal_client.SyncClient) -> None:
    handle = client.submit(APP, arguments=INPUT)
    handle.cancel()
    cancel = fal_emulator.requests_to("cancel")[0]
    assert cancel.method == "PUT"
    final = handle.status()
    assert isinstance(final, fal_client.Completed) and final.error_type == "client_cancelled"
    with pytest.raises(fal_client.client.FalClientHTTPError):
        handle.cancel()  # ALREADY_COMPLETED


def test_completed_with_error_raises_on_result(
    fal_emulator: FalEmulator, client: fal_client.SyncClient
) -> None:
    fal_emulator.set_outcome("failed")
    handle = client.submit(APP, arguments=INPUT)
    statuses = list(handle.iter_events(interval=0.0))
    final = statuses[-1]
    assert isinstance(final, fal_client.Completed)
    assert (final.error, final.error_type) == ("Runner disconnected", "runner_disconnected")
    with pytest.raises(fal_client.client.FalClientHTTPError) as error:
        handle.get(interval=0.0)
    assert error.value.status_code == 503
    assert error.value.error_type == "runner_disconnected"
    assert str(error.value) == "Runner disconnected"


def test_content_policy_is_a_422_with_categories(
    fal_emulator: FalEmulator, client: fal_client.SyncClient
) -> None:
    fal_emulator.set_outcome("content_policy")
    fal_emulator.polls_to_finish = 1
    with pytest.raises(fal_client.client.FalClientHTTPError) as error:
        client.subscribe(APP, arguments=INPUT, interval=0.0)
    assert error.value.status_code == 422
    assert error.value.response.headers["x-fal-retryable"] == "false"
    detail = error.value.response.json()["detail"][0]
    assert detail["type"] == "content_policy_violation" and detail["categories"]


def test_invalid_input_is_reported_through_the_result_as_422(
    fal_emulator: FalEmulator, client: fal_client.SyncClient
) -> None:
    handle = client.submit(APP, arguments={"image_url": INPUT["image_url"], "duration": 7})
    with pytest.raises(fal_client.client.FalClientHTTPError) as error:
        handle.get(interval=0.0)
    assert error.value.status_code == 422
    locs = [item["loc"] for item in error.value.response.json()["detail"]]
    assert locs == [["body", "prompt"], ["body", "duration"]]
    fal_emulator.validate_on_submit = True
    with pytest.raises(fal_client.client.FalClientHTTPError) as at_submit:
        client.submit(APP, arguments={"prompt": "x", "image_url": "data:image/png;base64,@@"})
    assert at_submit.value.status_code == 422
    assert len(fal_emulator.jobs) == 1


def test_ingress_502_is_retried_but_a_fal_502_is_not(
    fal_emulator: FalEmulator, client: fal_client.SyncClient
) -> None:
    fal_emulator.fail_ingress("create", times=2)
    handle = client.submit(APP, arguments=INPUT)
    assert fal_emulator.count("create") == 3 and handle.request_id in fal_emulator.jobs
    fal_emulator.fail("poll", status=502)
    with pytest.raises(fal_client.client.FalClientHTTPError) as error:
        handle.status()
    assert error.value.error_type == "runner_incomplete_response"
    assert fal_emulator.count("poll") == 1


def test_429_and_connection_resets_are_retried(
    fal_emulator: FalEmulator, client: fal_client.SyncClient
) -> None:
    fal_emulator.fail("poll", status=429)
    fal_emulator.fail("poll", reset=True)
    handle = client.submit(APP, arguments=INPUT)
    assert isinstance(handle.status(), fal_client.Queued)
    assert fal_emulator.count("poll") == 3


def test_unknown_status_makes_the_client_raise(
    fal_emulator: FalEmulator, client: fal_client.SyncClient
) -> None:
    handle = client.submit(APP, arguments=INPUT)
    fal_emulator.status_override = "PAUSED"
    with pytest.raises(ValueError, match="Unknown status: PAUSED"):
        handle.status()


def test_wrong_key_is_401(fal_emulator: FalEmulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fal_client.client, "QUEUE_URL_FORMAT", fal_emulator.base_url + "/")
    sdk = fal_client.SyncClient(key="nobody:nothing")
    try:
        with pytest.raises(fal_client.client.FalClientHTTPError) as error:
            sdk.submit(APP, arguments=INPUT)
    finally:
        sdk._client.close()
    assert error.value.status_code == 401
    assert error.value.response.headers["x-fal-request-id"]
