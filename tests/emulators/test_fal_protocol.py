"""fal emulator over raw httpx: queue URLs, statuses, error shapes and headers (§3, §5.4)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.emulators import FalEmulator, ImageHost
from tests.emulators.media import data_uri, image_bytes

SUBMIT = "/fal-ai/pika/v2.2/image-to-video"
INPUT = {"prompt": "a perfume bottle sparkles", "image_url": data_uri(image_bytes())}


@pytest.fixture
def api(fal_emulator: FalEmulator) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Key {fal_emulator.api_key}"}
    with httpx.Client(base_url=fal_emulator.base_url, headers=headers, timeout=5) as client:
        yield client


def submit(api: httpx.Client, payload: dict[str, Any] | None = None, **headers: str) -> Any:
    response = api.post(SUBMIT, json=payload or INPUT, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def finish(api: httpx.Client, answer: dict[str, Any]) -> dict[str, Any]:
    for _ in range(10):
        status: dict[str, Any] = api.get(answer["status_url"]).json()
        if status["status"] == "COMPLETED":
            return status
    raise AssertionError("not completed")


def test_submit_answer_and_owner_alias_urls(fal_emulator: FalEmulator, api: httpx.Client) -> None:
    response = api.post(SUBMIT, json=INPUT)
    answer = response.json()
    request_id = answer["request_id"]
    assert response.headers["x-fal-request-id"] == request_id
    base = f"{fal_emulator.base_url}/fal-ai/pika/requests/{request_id}"
    assert answer == {
        "status": "IN_QUEUE",
        "request_id": request_id,
        "response_url": base,
        "status_url": base + "/status",
        "cancel_url": base + "/cancel",
        "queue_position": 1,
    }


def test_full_path_status_urls_are_404_unless_lenient(
    fal_emulator: FalEmulator, api: httpx.Client
) -> None:
    request_id = submit(api)["request_id"]
    wrong = f"{SUBMIT}/requests/{request_id}/status"
    missing = api.get(wrong)
    assert missing.status_code == 404 and "x-fal-request-id" in missing.headers
    fal_emulator.lenient_paths = True
    assert api.get(wrong).json()["status"] == "IN_QUEUE"


def test_states_logs_and_metrics(api: httpx.Client) -> None:
    answer = submit(api)
    first = api.get(answer["status_url"], params={"logs": "1"}).json()
    assert first["status"] == "IN_QUEUE" and first["queue_position"] == 0
    second = api.get(answer["status_url"], params={"logs": "0"}).json()
    assert second["status"] == "IN_PROGRESS" and second["logs"] is None
    third = api.get(answer["status_url"], params={"logs": "1"}).json()
    assert third["status"] == "COMPLETED" and third["metrics"]["inference_time"] > 0
    assert {"message", "level", "source", "timestamp"} <= set(third["logs"][0])
    assert "error" not in third
    assert set(api.get(answer["response_url"]).json()["video"]) == {
        "url",
        "content_type",
        "file_name",
        "file_size",
    }


def test_long_queue_positions_fall(fal_emulator: FalEmulator, api: httpx.Client) -> None:
    fal_emulator.long_queue(position=4000, polls=4)
    answer = submit(api)
    assert answer["queue_position"] == 4000
    positions = []
    for _ in range(4):
        status = api.get(answer["status_url"]).json()
        positions.append(status["queue_position"])
    assert positions == [3000, 2000, 1000, 0]
    assert api.get(answer["status_url"]).json()["status"] == "IN_PROGRESS"


def test_result_before_completion_and_unknown_requests(api: httpx.Client) -> None:
    answer = submit(api)
    early = api.get(answer["response_url"])
    assert early.status_code == 400 and "in progress" in early.json()["detail"]
    unknown = "/fal-ai/pika/requests/00000000-0000-0000-0000-000000000000"
    assert api.get(unknown + "/status").status_code == 404
    cancel = api.put(unknown + "/cancel")
    assert cancel.status_code == 404 and cancel.json() == {"status": "NOT_FOUND"}


def test_cancel_in_progress_is_202_then_completed_with_error(api: httpx.Client) -> None:
    answer = submit(api)
    api.get(answer["status_url"])
    cancel = api.put(answer["cancel_url"])
    assert cancel.status_code == 202 and cancel.json() == {"status": "CANCELLATION_REQUESTED"}
    final = finish(api, answer)
    assert final["error_type"] == "client_cancelled"
    again = api.put(answer["cancel_url"])
    assert again.status_code == 400 and again.json() == {"status": "ALREADY_COMPLETED"}
    assert api.get(answer["response_url"]).status_code == 499


@pytest.mark.parametrize(
    ("code", "status"),
    [("runner_disconnected", 503), ("request_timeout", 504), ("internal_error", 500)],
)
def test_failed_requests_complete_with_error_and_the_result_is_an_error(
    fal_emulator: FalEmulator, api: httpx.Client, code: str, status: int
) -> None:
    fal_emulator.set_outcome("failed", code=code)
    answer = submit(api)
    final = finish(api, answer)
    assert final["status"] == "COMPLETED" and final["error_type"] == code and final["error"]
    result = api.get(answer["response_url"])
    assert result.status_code == status
    assert result.json() == {"detail": final["error"], "error_type": code}
    assert result.headers["x-fal-error-type"] == code


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_injected_infrastructure_errors(
    fal_emulator: FalEmulator, api: httpx.Client, status: int
) -> None:
    fal_emulator.fail("create", status=status)
    response = api.post(SUBMIT, json=INPUT)
    assert response.status_code == status
    assert response.json()["error_type"] == response.headers["x-fal-error-type"]
    assert "x-fal-request-id" in response.headers


def test_ingress_error_has_no_request_id(fal_emulator: FalEmulator, api: httpx.Client) -> None:
    fal_emulator.fail_ingress("poll", status=503)
    answer = submit(api)
    response = api.get(answer["status_url"])
    assert response.status_code == 503 and "nginx" in response.text
    assert "x-fal-request-id" not in response.headers


@pytest.mark.parametrize(
    ("payload", "kind"),
    [
        ({"prompt": "p", "image_url": INPUT["image_url"], "resolution": "4k"}, "literal_error"),
        ({"prompt": "p"}, "missing"),
        ({"prompt": "p", "image_url": data_uri(image_bytes(300, 20))}, "image_too_large"),
        ({"prompt": "p", "image_url": "data:image/png;base64,@@"}, "invalid_data_uri"),
    ],
)
def test_validation_detail_items(
    fal_emulator: FalEmulator, api: httpx.Client, payload: dict[str, Any], kind: str
) -> None:
    fal_emulator.max_image_side = 256
    fal_emulator.validate_on_submit = True
    response = api.post(SUBMIT, json=payload)
    assert response.status_code == 422 and response.headers["x-fal-retryable"] == "false"
    item = response.json()["detail"][0]
    assert {"loc", "msg", "type", "url"} <= set(item) and item["type"] == kind
    assert item["url"].endswith("#" + kind)
    if kind == "image_too_large":
        assert item["ctx"] == {"max_height": 256, "max_width": 256}


def test_image_urls_are_fetched_from_loopback_hosts(
    fal_emulator: FalEmulator, image_host: ImageHost, api: httpx.Client
) -> None:
    url = image_host.put("p.png", image_bytes())
    assert "error" not in finish(api, submit(api, {"prompt": "p", "image_url": url}))
    bad = submit(api, {"prompt": "p", "image_url": image_host.url_for("none.png")})
    assert finish(api, bad)["error_type"] == "file_download_error"
    assert api.get(bad["response_url"]).status_code == 422


def test_request_timeout_header_expires_a_queued_request(
    fal_emulator: FalEmulator, api: httpx.Client
) -> None:
    fal_emulator.queue_steps = 5
    fal_emulator.polls_to_finish = 8
    answer = submit(api, None, **{"X-Fal-Request-Timeout": "0.1"})
    time.sleep(0.15)
    final = finish(api, answer)
    assert final["error_type"] == "request_timeout"
    result = api.get(answer["response_url"])
    assert result.status_code == 504 and result.headers["x-fal-request-timeout-type"] == "user"


def test_output_lifecycle_and_expiry(fal_emulator: FalEmulator, api: httpx.Client) -> None:
    fal_emulator.polls_to_finish = 1
    lifecycle = '{"expiration_duration_seconds": 0}'
    answer = submit(api, None, **{"X-Fal-Object-Lifecycle-Preference": lifecycle})
    finish(api, answer)
    short_lived = api.get(answer["response_url"]).json()["video"]["url"]
    normal = submit(api)
    finish(api, normal)
    url = api.get(normal["response_url"]).json()["video"]["url"]
    with httpx.Client() as cdn:
        assert cdn.get(short_lived).status_code == 404
        assert cdn.get(url).status_code == 200
        fal_emulator.expire_outputs_after(0)
        assert cdn.get(url).status_code == 404


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (None, "Missing authorization header"),
        ("Bearer {key}", "Invalid credentials"),
        ("Key wrong:key", "No user found for Key ID and Secret"),
    ],
)
def test_auth_needs_the_key_scheme(
    fal_emulator: FalEmulator, header: str | None, message: str
) -> None:
    headers = {"Authorization": header.format(key=fal_emulator.api_key)} if header else {}
    with httpx.Client(base_url=fal_emulator.base_url, headers=headers) as bare:
        response = bare.post(SUBMIT, json=INPUT)
    assert response.status_code == 401 and response.json() == {"detail": message}
    assert fal_emulator.jobs == {}
