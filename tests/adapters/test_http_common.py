"""The shared HTTP plumbing of the cloud adapters: retries through RetryPolicy, creates that are
never sent twice, best-effort calls, and the clip download (size cap, truncation, PyAV check,
atomic placement), against real loopback servers."""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.adapters.cloud_helpers import assert_no_partial_files, emulator_config, run_in_thread
from tests.emulators.media import image_bytes, tiny_mp4
from video_studio.adapters.clip_download import (
    ClipDownloader,
    OutputExpiredError,
    clip_file_name,
)
from video_studio.adapters.http_common import JsonObject, ServiceHttp, json_object
from video_studio.error_types import CancelledByUser, VideoStudioError, VideoStudioErrorType
from video_studio.jobs import CancelToken


def _http(tmp_path: Path, base_url: str, **fields: Any) -> ServiceHttp:
    config = emulator_config(
        tmp_path, "runway", base_url=base_url, api_key="key_test_123456", **fields
    )
    return ServiceHttp(
        "runway",
        config.models["runway"],
        config.workflow,
        auth_headers=lambda key: {"Authorization": f"Bearer {key}"},
    )


@pytest.fixture
def http(tmp_path: Path, image_host: Any) -> Iterator[ServiceHttp]:
    made = _http(tmp_path, image_host.root_url, max_retries=2)
    yield made
    made.close()


def _closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def _parse(response: Any) -> JsonObject:
    return json_object(response, "runway")


# --- requests ---------------------------------------------------------------------------------


def test_idempotent_calls_are_retried_until_they_succeed(
    http: ServiceHttp, image_host: Any
) -> None:
    image_host.put("a.json", b'{"ok": true}', "application/json")
    image_host.fail("download", status=503)
    image_host.fail("download", reset=True)
    answer = http.call("GET", "/images/a.json", cancel=CancelToken(), parse=_parse)
    assert answer == {"ok": True}
    assert image_host.count("download") == 3


def test_retry_after_is_honoured(http: ServiceHttp, image_host: Any) -> None:
    image_host.put("a.json", b"{}", "application/json")
    image_host.fail("download", status=429, retry_after_ms="500")
    http.call("GET", "/images/a.json", cancel=CancelToken(), parse=_parse)
    first, second = image_host.requests_to("download")
    assert second.time - first.time >= 0.48


def test_attempts_are_max_retries_plus_one(http: ServiceHttp, image_host: Any) -> None:
    image_host.fail("download", status=503, times=5)
    with pytest.raises(VideoStudioError) as caught:
        http.call("GET", "/images/a.json", cancel=CancelToken(), parse=_parse)
    assert caught.value.error_type is VideoStudioErrorType.SERVICE_UNAVAILABLE
    assert caught.value.retryable
    assert image_host.count("download") == 3  # max_retries=2


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
def test_client_errors_are_never_retried(http: ServiceHttp, image_host: Any, status: int) -> None:
    image_host.fail("download", status=status)
    with pytest.raises(VideoStudioError) as caught:
        http.call("GET", "/images/a.json", cancel=CancelToken(), parse=_parse)
    assert not caught.value.retryable
    assert image_host.count("download") == 1


def test_a_cancel_interrupts_a_retry_wait(http: ServiceHttp, image_host: Any) -> None:
    image_host.fail("download", status=429, retry_after="30")
    token = CancelToken()
    thread, outcome = run_in_thread(
        lambda: http.call("GET", "/images/a.json", cancel=token, parse=_parse)
    )
    image_host.wait_for_requests(1)
    time.sleep(0.05)
    cancelled_at = time.monotonic()
    token.cancel()
    thread.join(5)
    assert isinstance(outcome.get("error"), CancelledByUser)
    assert outcome["finished_at"] - cancelled_at < 0.5


def test_an_unreadable_answer_is_retried(http: ServiceHttp, image_host: Any) -> None:
    image_host.put("a.json", b'{"ok": 1}', "application/json")
    image_host.fail("download", truncate=True)
    assert http.call("GET", "/images/a.json", cancel=CancelToken(), parse=_parse) == {"ok": 1}


def test_a_create_is_retried_when_the_connection_was_refused(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    made = _http(tmp_path, _closed_port_url(), max_retries=2)
    with caplog.at_level(logging.INFO), pytest.raises(VideoStudioError) as caught:
        made.create("/v1/image_to_video", cancel=CancelToken(), json={}, parse=dict)
    assert caught.value.error_type is VideoStudioErrorType.NETWORK
    assert caplog.text.count("Retrying") == 2  # nothing was sent, so trying again is safe


def test_a_create_answered_429_is_retried_and_400_is_not(
    tmp_path: Path, runway_emulator: Any
) -> None:
    made = _http(tmp_path, runway_emulator.base_url)
    runway_emulator.fail("create", status=429)
    runway_emulator.fail("create", status=400, body={"error": "Bad ratio."})
    with pytest.raises(VideoStudioError) as caught:
        made.create("/v1/image_to_video", cancel=CancelToken(), json={}, parse=dict)
    assert caught.value.error_type is VideoStudioErrorType.INVALID_INPUT
    assert "Bad ratio" in caught.value.message
    assert runway_emulator.count("create") == 2


def test_a_lost_create_asks_the_recovery_hook(tmp_path: Path, image_host: Any) -> None:
    made = _http(tmp_path, image_host.root_url)
    image_host.fail("any", lose_response=True)
    asked: list[bool] = []

    def recover() -> str | None:
        asked.append(True)
        return "found-it"

    found = made.create("/images/x", cancel=CancelToken(), json={}, parse=str, recover=recover)
    assert found == "found-it" and asked == [True]
    assert len(image_host.requests) == 1


def test_best_effort_calls_never_raise(tmp_path: Path, image_host: Any) -> None:
    assert not _http(tmp_path, _closed_port_url()).best_effort("DELETE", "/v1/x", what="cancel")
    made = _http(tmp_path, image_host.root_url)
    assert not made.best_effort("DELETE", "/images/none", what="cancel")  # 405: fine


def test_a_missing_key_is_a_plain_error(tmp_path: Path, image_host: Any) -> None:
    config = emulator_config(tmp_path, "pika", base_url=image_host.root_url, api_key="")
    made = ServiceHttp(
        "pika", config.models["pika"], config.workflow, auth_headers=lambda k: {"Authorization": k}
    )
    with pytest.raises(VideoStudioError) as caught:
        made.get_json("/images/a.json", cancel=None)
    assert caught.value.error_type is VideoStudioErrorType.AUTHENTICATION
    assert "Pika" in caught.value.message and "Settings" in caught.value.message
    assert image_host.requests == []


# --- downloads --------------------------------------------------------------------------------


@pytest.fixture
def clip_url(image_host: Any) -> str:
    return str(image_host.put("clip.mp4", tiny_mp4(), "video/mp4"))


def test_clip_file_names_are_safe() -> None:
    assert clip_file_name("scene 1/../x", "luma", "abc:def") == "scene_1_.._x-luma-abc_def.mp4"
    assert clip_file_name("", "pika", "") == "clip-pika-job.mp4"


def test_a_download_lands_atomically(http: ServiceHttp, clip_url: str, tmp_path: Path) -> None:
    target = tmp_path / "clips" / "scene-runway-1.mp4"
    seen: list[tuple[int, int | None]] = []
    facts = ClipDownloader(http, max_bytes=10_000_000).download(
        clip_url,
        target,
        cancel=CancelToken(),
        on_bytes=lambda got, total: seen.append((got, total)),
    )
    assert target.read_bytes() == tiny_mp4()
    assert facts.frames == 24
    assert seen[-1] == (len(tiny_mp4()), len(tiny_mp4()))
    assert_no_partial_files(target.parent, allowed={target.name})


def test_a_truncated_download_is_fetched_once_more(
    http: ServiceHttp, image_host: Any, clip_url: str, tmp_path: Path
) -> None:
    image_host.fail("download", truncate=True)
    image_host.fail("download", reset=True)  # before any byte: an ordinary retry
    target = tmp_path / "clips" / "a.mp4"
    ClipDownloader(http, max_bytes=10_000_000).download(clip_url, target, cancel=CancelToken())
    assert target.read_bytes() == tiny_mp4()
    assert image_host.count("download") == 3


def test_truncated_twice_is_an_error_without_a_file(
    http: ServiceHttp, image_host: Any, clip_url: str, tmp_path: Path
) -> None:
    image_host.fail("download", truncate=True, times=2)
    target = tmp_path / "clips" / "a.mp4"
    with pytest.raises(VideoStudioError) as caught:
        ClipDownloader(http, max_bytes=10_000_000).download(clip_url, target, cancel=CancelToken())
    assert "intact" in caught.value.message
    assert_no_partial_files(target.parent)


def test_a_file_that_is_not_a_video_is_refused(
    http: ServiceHttp, image_host: Any, tmp_path: Path
) -> None:
    url = image_host.put("fake.mp4", image_bytes(), "video/mp4")
    target = tmp_path / "clips" / "a.mp4"
    with pytest.raises(VideoStudioError) as caught:
        ClipDownloader(http, max_bytes=10_000_000).download(url, target, cancel=CancelToken())
    assert "playable" in caught.value.message
    assert image_host.count("download") == 2
    assert_no_partial_files(target.parent)


def test_the_size_cap_stops_a_huge_clip(http: ServiceHttp, clip_url: str, tmp_path: Path) -> None:
    target = tmp_path / "clips" / "a.mp4"
    with pytest.raises(VideoStudioError) as caught:
        ClipDownloader(http, max_bytes=1000).download(clip_url, target, cancel=CancelToken())
    assert caught.value.error_type is VideoStudioErrorType.CONFIGURATION
    assert "limit" in caught.value.message
    assert_no_partial_files(target.parent)


def test_an_expired_link_is_refreshed_once(
    http: ServiceHttp, image_host: Any, clip_url: str, tmp_path: Path
) -> None:
    gone = image_host.url_for("gone.mp4")
    target = tmp_path / "clips" / "a.mp4"
    downloader = ClipDownloader(http, max_bytes=10_000_000)
    with pytest.raises(OutputExpiredError):
        downloader.download(gone, target, cancel=CancelToken())
    downloader.download(gone, target, cancel=CancelToken(), refresh_url=lambda: clip_url)
    assert target.read_bytes() == tiny_mp4()


def test_a_cancelled_download_leaves_nothing(
    http: ServiceHttp, clip_url: str, tmp_path: Path
) -> None:
    token = CancelToken()
    token.cancel()
    target = tmp_path / "clips" / "a.mp4"
    with pytest.raises(CancelledByUser):
        ClipDownloader(http, max_bytes=10_000_000).download(clip_url, target, cancel=token)
    assert_no_partial_files(target.parent)


def test_the_key_only_goes_to_the_configured_service(tmp_path: Path, image_host: Any) -> None:
    made = _http(tmp_path, "https://api.example.invalid")
    with pytest.raises(VideoStudioError) as caught:
        made.get_json(image_host.url_for("a.json"), cancel=None)
    assert not caught.value.retryable
    assert image_host.requests == []
