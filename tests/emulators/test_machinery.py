"""Shared machinery over raw httpx: request log, fault injection, virtual clock, media (§5.1)."""

from __future__ import annotations

import contextlib
import io
import threading
import time
from collections.abc import Iterator

import httpx
import numpy as np
import pytest

from tests.emulators import LumaEmulator, RunwayEmulator
from tests.emulators.media import VIDEO_FPS, VIDEO_HEIGHT, VIDEO_WIDTH, tiny_mp4

GEN = {"model": "ray-2", "prompt": "a bottle on a table"}


@pytest.fixture
def luma(luma_emulator: LumaEmulator) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {luma_emulator.api_key}"}
    with httpx.Client(base_url=luma_emulator.base_url, headers=headers, timeout=5) as client:
        yield client


def create(client: httpx.Client) -> str:
    response = client.post("/generations/video", json=GEN)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def poll_until_done(client: httpx.Client, job_id: str, limit: int = 10) -> dict[str, object]:
    for _ in range(limit):
        body: dict[str, object] = client.get(f"/generations/{job_id}").json()
        if body["state"] in ("completed", "failed"):
            return body
    raise AssertionError("job did not finish")


def test_tiny_mp4_is_a_valid_moving_h264_clip() -> None:
    import av

    with av.open(io.BytesIO(tiny_mp4()), mode="r") as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert (stream.width, stream.height) == (VIDEO_WIDTH, VIDEO_HEIGHT)
        assert stream.average_rate == VIDEO_FPS
        frames = [f.to_ndarray(format="gray") for f in container.decode(video=0)]
    assert len(frames) == VIDEO_FPS
    assert np.abs(frames[0].astype(int) - frames[-1].astype(int)).mean() > 5  # it moves


def test_request_log_records_method_path_headers_body_and_json(
    luma_emulator: LumaEmulator, luma: httpx.Client
) -> None:
    luma.post("/generations/video?trace=1", json=GEN, headers={"X-Custom": "Yes"})
    luma.get("/ping")
    luma_emulator.wait_for_requests(2)
    first, second = luma_emulator.requests
    assert first.method == "POST"
    assert first.path == "/dream-machine/v1/generations/video?trace=1"
    assert first.headers["x-custom"] == "Yes"
    assert first.json == GEN
    assert b"a bottle" in first.body
    assert first.endpoint == "create"
    assert second.endpoint == "ping" and second.json is None
    assert first.time <= second.time
    assert luma_emulator.count("create") == 1


def test_wait_for_requests_waits_for_other_threads_and_times_out(
    luma_emulator: LumaEmulator, luma: httpx.Client
) -> None:
    thread = threading.Timer(0.1, lambda: luma.get("/ping"))
    thread.start()
    luma_emulator.wait_for_requests(1, timeout=3)
    thread.join()
    with pytest.raises(TimeoutError):
        luma_emulator.wait_for_requests(2, timeout=0.1)


def test_virtual_clock_advances_one_state_per_poll(
    luma_emulator: LumaEmulator, luma: httpx.Client
) -> None:
    job_id = create(luma)
    states = [luma.get(f"/generations/{job_id}").json()["state"] for _ in range(4)]
    assert states == ["queued", "dreaming", "completed", "completed"]
    luma_emulator.polls_to_finish = 1
    other = create(luma)
    assert luma.get(f"/generations/{other}").json()["state"] == "completed"
    assert luma_emulator.jobs[job_id].polls == 4


@pytest.mark.parametrize(
    ("retry_after", "retry_after_ms", "header", "value"),
    [
        ("2", None, "retry-after", "2"),
        ("Wed, 21 Oct 2037 07:28:00 GMT", None, "retry-after", "Wed, 21 Oct 2037"),
        (None, "150", "retry-after-ms", "150"),
        (None, None, "retry-after", None),
    ],
)
def test_429_with_and_without_retry_after_then_success(
    luma_emulator: LumaEmulator,
    luma: httpx.Client,
    retry_after: str | None,
    retry_after_ms: str | None,
    header: str,
    value: str | None,
) -> None:
    luma_emulator.fail(
        "create", status=429, times=2, retry_after=retry_after, retry_after_ms=retry_after_ms
    )
    for _ in range(2):
        response = luma.post("/generations/video", json=GEN)
        assert response.status_code == 429
        assert response.json() == {"detail": "Too Many Requests"}
        if value is None:
            assert header not in response.headers
        else:
            assert response.headers[header].startswith(value)
    assert luma.post("/generations/video", json=GEN).status_code == 201
    assert len(luma_emulator.jobs) == 1


@pytest.mark.parametrize("status", [408, 409, 500, 502, 503, 504])
def test_error_statuses_use_the_service_error_shape(
    luma_emulator: LumaEmulator, luma: httpx.Client, status: int
) -> None:
    luma_emulator.fail("poll", status=status, headers={"x-should-retry": "false"})
    response = luma.get("/generations/nope")
    assert response.status_code == status
    assert isinstance(response.json()["detail"], str)
    assert response.headers["x-should-retry"] == "false"
    assert luma.get("/generations/nope").status_code == 404  # behaves again


def test_custom_body_wrong_content_type_and_invalid_json(
    luma_emulator: LumaEmulator, luma: httpx.Client
) -> None:
    luma_emulator.fail("ping", status=200, body="not json at all")
    response = luma.get("/ping")
    assert response.headers["content-type"].startswith("text/html")
    with pytest.raises(ValueError):
        response.json()
    luma_emulator.fail("ping", status=418, body={"detail": "teapot"})
    assert luma.get("/ping").json() == {"detail": "teapot"}


def test_reset_closes_the_connection_without_a_response(
    luma_emulator: LumaEmulator, luma: httpx.Client
) -> None:
    luma_emulator.fail("any", reset=True)
    with pytest.raises(httpx.TransportError):
        luma.get("/ping")
    assert luma.get("/ping").json() == {"message": "pong"}


def test_slow_response_beyond_the_read_timeout(
    luma_emulator: LumaEmulator, luma: httpx.Client
) -> None:
    luma_emulator.fail("credits", delay=0.6)
    started = time.monotonic()
    with pytest.raises(httpx.ReadTimeout):
        luma.get("/credits", timeout=0.2)
    assert time.monotonic() - started < 0.5
    luma_emulator.fail("credits", delay=0.2)
    slow = time.monotonic()
    assert luma.get("/credits").status_code == 200
    assert time.monotonic() - slow >= 0.2


def test_lost_create_makes_the_job_but_drops_the_answer(
    luma_emulator: LumaEmulator, luma: httpx.Client
) -> None:
    luma_emulator.fail("create", lose_response=True)
    with pytest.raises(httpx.TransportError):
        luma.post("/generations/video", json=GEN)
    assert len(luma_emulator.jobs) == 1
    luma_emulator.fail("create", lose_response=True, status=502)
    assert luma.post("/generations/video", json=GEN).status_code == 502
    assert len(luma_emulator.jobs) == 2
    listed = luma.get("/generations").json()
    assert listed["count"] == 2  # an adapter can find the lost jobs again


def test_truncated_json_body(luma_emulator: LumaEmulator, luma: httpx.Client) -> None:
    luma_emulator.fail("ping", truncate=True)
    with pytest.raises(httpx.RemoteProtocolError):
        luma.get("/ping")
    assert luma.get("/ping").status_code == 200


def test_download_plain_truncated_slow_and_ranged(
    luma_emulator: LumaEmulator, luma: httpx.Client
) -> None:
    luma_emulator.polls_to_finish = 1
    url = str(poll_until_done(luma, create(luma))["assets"]["video"])  # type: ignore[index]
    with httpx.Client(timeout=5) as cdn:
        full = cdn.get(url)
        assert full.status_code == 200 and full.content == tiny_mp4()
        assert full.headers["content-type"] == "video/mp4"
        assert cdn.head(url).headers["content-length"] == str(len(tiny_mp4()))
        luma_emulator.fail("download", truncate=True)
        with pytest.raises(httpx.RemoteProtocolError):
            cdn.get(url)
        ranged = cdn.get(url, headers={"Range": "bytes=100-"})
        assert ranged.status_code == 206 and ranged.content == tiny_mp4()[100:]
        luma_emulator.download_bytes_per_second = 10_000
        started = time.monotonic()
        assert cdn.get(url).content == tiny_mp4()
        assert time.monotonic() - started > 0.3
        assert cdn.get(url.replace("/_media/", "/_media/x")).status_code == 404


def test_output_urls_expire(luma_emulator: LumaEmulator, luma: httpx.Client) -> None:
    luma_emulator.polls_to_finish = 1
    url = str(poll_until_done(luma, create(luma))["assets"]["video"])  # type: ignore[index]
    with httpx.Client() as cdn:
        assert cdn.get(url).status_code == 200
        luma_emulator.expire_outputs_after(0)
        expired = cdn.get(url)
        assert expired.status_code == 403 and b"AccessDenied" in expired.content
        luma_emulator.expire_outputs_after(None)
        assert cdn.get(url).status_code == 200


def test_stuck_job_never_finishes(luma_emulator: LumaEmulator, luma: httpx.Client) -> None:
    luma_emulator.set_outcome("stuck")
    job_id = create(luma)
    states = {luma.get(f"/generations/{job_id}").json()["state"] for _ in range(12)}
    assert states == {"queued", "dreaming"}
    luma_emulator.set_outcome("stuck_queued")
    other = create(luma)
    assert {luma.get(f"/generations/{other}").json()["state"] for _ in range(5)} == {"queued"}


def test_fault_arguments_are_checked(luma_emulator: LumaEmulator) -> None:
    with pytest.raises(ValueError, match="unknown endpoint"):
        luma_emulator.fail("result")  # Luma has no result endpoint: the poll carries it
    with pytest.raises(ValueError):
        luma_emulator.fail("create", times=0)
    with pytest.raises(ValueError):
        luma_emulator.set_outcome("exploded")
    luma_emulator.fail("create", times=3)
    assert luma_emulator.pending_faults[0].times == 3
    luma_emulator.clear_faults()
    assert luma_emulator.pending_faults == []


def test_faults_are_consumed_in_order_and_specific_before_any(
    luma_emulator: LumaEmulator, luma: httpx.Client
) -> None:
    luma_emulator.fail("any", status=503)
    luma_emulator.fail("ping", status=500)
    luma_emulator.fail("ping", status=502)
    assert [luma.get("/ping").status_code for _ in range(4)] == [500, 502, 503, 200]


def test_stop_joins_threads_even_with_open_and_sleeping_connections() -> None:
    emulator = RunwayEmulator().start()
    idle = httpx.Client(base_url=emulator.base_url)
    idle.get("/v1/tasks/x")  # leaves a keep-alive connection open on the server
    emulator.fail("poll", delay=30)
    sleeper = threading.Thread(target=lambda: _swallow(idle, "/v1/tasks/y"))
    sleeper.start()
    emulator.wait_for_requests(2)
    started = time.monotonic()
    emulator.stop()
    assert time.monotonic() - started < 2
    sleeper.join(5)
    idle.close()
    assert not any(t.name.startswith("emu-runway") for t in threading.enumerate())
    emulator.stop()  # stopping twice is harmless


def _swallow(client: httpx.Client, path: str) -> None:
    with contextlib.suppress(httpx.HTTPError):
        client.get(path, timeout=10)


def test_parallel_clients_are_served_concurrently(runway_emulator: RunwayEmulator) -> None:
    from tests.emulators.media import data_uri, image_bytes

    runway_emulator.concurrency = 50
    headers = {
        "Authorization": f"Bearer {runway_emulator.api_key}",
        "X-Runway-Version": "2024-11-06",
    }
    payload = {"model": "gen4_turbo", "promptImage": data_uri(image_bytes()), "ratio": "960:960"}
    results: list[str] = []

    def one_job() -> None:
        with httpx.Client(base_url=runway_emulator.base_url, headers=headers) as client:
            task_id = client.post("/v1/image_to_video", json=payload).json()["id"]
            for _ in range(3):
                status = client.get(f"/v1/tasks/{task_id}").json()["status"]
            results.append(status)

    threads = [threading.Thread(target=one_job) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert results == ["SUCCEEDED"] * 16
    assert len(runway_emulator.jobs) == 16 and runway_emulator.count("poll") == 48


def test_a_bug_inside_the_emulator_is_a_500_and_is_recorded(
    luma_emulator: LumaEmulator, luma: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(request: object) -> None:
        raise RuntimeError("emulator bug")

    monkeypatch.setattr(luma_emulator, "_ping", broken)
    response = luma.get("/ping")
    assert response.status_code == 500 and "emulator bug" in response.text
    assert [str(e) for e in luma_emulator.errors] == ["emulator bug"]
    luma_emulator.clear_errors()  # the fixture would fail the test at teardown otherwise
