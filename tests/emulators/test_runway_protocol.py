"""Runway emulator over raw httpx: version header, per-model validation, asset rules, URLs."""

from __future__ import annotations

import struct
import time
import zlib
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.emulators import ImageHost, RunwayEmulator
from tests.emulators.media import data_uri, image_bytes
from tests.emulators.runway import API_VERSION
from tests.emulators.runway_assets import RunwayAssets
from tests.emulators.runway_inputs import validate_body

IMAGE = data_uri(image_bytes(128, 72))


@pytest.fixture
def api(runway_emulator: RunwayEmulator) -> Iterator[httpx.Client]:
    headers = {
        "Authorization": f"Bearer {runway_emulator.api_key}",
        "X-Runway-Version": API_VERSION,
    }
    with httpx.Client(base_url=runway_emulator.base_url, headers=headers, timeout=5) as client:
        yield client


def body(**fields: Any) -> dict[str, Any]:
    return {"model": "gen4_turbo", "promptImage": IMAGE, "ratio": "1280:720", **fields}


def error_of(response: httpx.Response) -> str:
    assert response.status_code == 400, response.text
    payload = response.json()
    assert set(payload) == {"error", "issues"}
    return str(payload["issues"][0]["message"])


def png_header(width: int, height: int) -> bytes:
    """A PNG that only declares its size (enough for the dimension check)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        payload = kind + data
        return struct.pack(">I", len(data)) + payload + struct.pack(">I", zlib.crc32(payload))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", b"") + chunk(b"IEND", b"")


@pytest.mark.parametrize("version", [None, "2023-01-01"])
def test_version_header_is_required(
    runway_emulator: RunwayEmulator, api: httpx.Client, version: str | None
) -> None:
    headers = {"Authorization": f"Bearer {runway_emulator.api_key}"}
    if version:
        headers["X-Runway-Version"] = version
    with httpx.Client(base_url=runway_emulator.base_url, headers=headers) as bare:
        response = bare.get("/v1/tasks/x")
    assert response.status_code == 400
    assert "X-Runway-Version" in response.json()["error"]
    runway_emulator.require_version = False
    with httpx.Client(base_url=runway_emulator.base_url, headers=headers) as bare:
        assert bare.get("/v1/tasks/x").status_code == 404


def test_missing_key_is_401(runway_emulator: RunwayEmulator) -> None:
    with httpx.Client(base_url=runway_emulator.base_url) as bare:
        response = bare.post("/v1/image_to_video", json=body())
    assert response.status_code == 401 and "error" in response.json()


@pytest.mark.parametrize(
    ("fields", "path", "fragment"),
    [
        ({"ratio": "16:9"}, ["ratio"], "Invalid enum value"),
        ({"ratio": None}, ["ratio"], "Required"),
        ({"duration": 11}, ["duration"], "between 2 and 10"),
        ({"duration": "5"}, ["duration"], "Expected integer"),
        ({"model": "gen3a_turbo"}, ["model"], "Invalid enum value"),
        ({"promptText": "x" * 1001}, ["promptText"], "at most 1000"),
        ({"seed": -1}, ["seed"], "integer"),
        ({"promptImage": [{"uri": IMAGE, "position": "last"}]}, ["promptImage", 0, "position"], ""),
        ({"model": "gen4.5", "duration": 5}, ["promptText"], "Required"),
        ({"model": "gen4.5", "promptText": "a cup"}, ["duration"], "Required"),
        ({"model": "veo3.1", "ratio": "1280:720", "duration": 5}, ["duration"], "4, 6, 8"),
        ({"model": "veo3.1", "ratio": "960:960"}, ["ratio"], "Invalid enum value"),
        ({"model": "veo3", "ratio": "1920:1080", "duration": 6}, ["duration"], "8"),
    ],
)
def test_per_model_validation(
    runway_emulator: RunwayEmulator,
    api: httpx.Client,
    fields: dict[str, Any],
    path: list[Any],
    fragment: str,
) -> None:
    payload = {k: v for k, v in body(**fields).items() if v is not None}
    response = api.post("/v1/image_to_video", json=payload)
    assert response.status_code == 400
    issue = response.json()["issues"][0]
    assert issue["path"] == path and fragment in issue["message"]
    assert runway_emulator.jobs == {}


def test_valid_bodies_for_each_model(runway_emulator: RunwayEmulator, api: httpx.Client) -> None:
    frames = [{"uri": IMAGE, "position": "first"}, {"uri": IMAGE, "position": "last"}]
    valid = [
        body(duration=2),
        body(model="gen4.5", duration=10, promptText="a cup of coffee", ratio="1584:672"),
        body(model="veo3.1", ratio="1080:1920", duration=4, promptImage=frames, audio=False),
        body(model="veo3.1_fast", ratio="1920:1080"),
        body(model="veo3", ratio="720:1280", duration=8),
        body(contentModeration={"publicFigureThreshold": "low"}, seed=42),
    ]
    for payload in valid:
        response = api.post("/v1/image_to_video", json=payload)
        assert response.status_code == 200, response.text
        assert set(response.json()) == {"id"}
    assert len(runway_emulator.jobs) == len(valid)


@pytest.mark.parametrize(
    ("uri", "message"),
    [
        ("data:image/png,abc", "Invalid data URI."),
        ("data:image/png;base64,@@@", "Invalid data URI."),
        (data_uri(image_bytes(fmt="GIF"), "image/gif"), "Unsupported asset type."),
        (data_uri(b"not an image"), "Unsupported asset type."),
        ("http://cdn.example.com/a.png", "Only HTTPS URLs are allowed."),
        ("https://203.0.113.9/a.png", "URLs must be hosted on a domain."),
        ("https://cdn.example.com/" + "a" * 2048, "at most 2048"),
        ("ftp:/nowhere", "Invalid URL"),
        (data_uri(image_bytes(130, 60)), "Invalid asset aspect ratio. width / height ratio must"),
        (data_uri(image_bytes(60, 130)), "must be at least 0.5. Got 0.462."),
        (data_uri(png_header(9000, 5000)), "Invalid asset dimensions"),
    ],
)
def test_prompt_image_rules(api: httpx.Client, uri: str, message: str) -> None:
    assert message in error_of(api.post("/v1/image_to_video", json=body(promptImage=uri)))


def test_https_domain_urls_are_accepted_without_fetching(api: httpx.Client) -> None:
    response = api.post(
        "/v1/image_to_video", json=body(promptImage="https://cdn.example.com/a.png")
    )
    assert response.status_code == 200


def test_oversized_data_uri_is_400_or_413(
    runway_emulator: RunwayEmulator, api: httpx.Client
) -> None:
    huge = "data:image/png;base64," + "A" * (5 * 1024 * 1024)
    assert "5MB" in error_of(api.post("/v1/image_to_video", json=body(promptImage=huge)))
    runway_emulator.data_uri_too_large_status = 413
    response = api.post("/v1/image_to_video", json=body(promptImage=huge))
    assert response.status_code == 413 and b"Request Entity Too Large" in response.content


def test_loopback_urls_are_fetched_from_the_image_host(
    runway_emulator: RunwayEmulator, image_host: ImageHost, api: httpx.Client
) -> None:
    runway_emulator.assets.allow_loopback_urls = True
    runway_emulator.assets.fetch_timeout = 0.3
    good = image_host.put("ok.jpg", image_bytes(fmt="JPEG"), "image/jpeg")
    assert api.post("/v1/image_to_video", json=body(promptImage=good)).status_code == 200
    fetched = image_host.fetches_of("ok.jpg")
    assert [r.method for r in fetched] == ["HEAD", "GET"]
    assert fetched[0].headers["user-agent"].startswith("RunwayML API/")
    octet = image_host.put("raw.png", image_bytes(), "application/octet-stream")
    cases = {
        octet: "Unsupported asset type.",
        image_host.url_for("gone.png"): "Failed to fetch asset. Received HTTP response code 404.",
        image_host.redirect("moved.png", good): "Received HTTP response code 302.",
    }
    for url, message in cases.items():
        assert message in error_of(api.post("/v1/image_to_video", json=body(promptImage=url)))
    image_host.fail("download", delay=1.0)
    slow = api.post("/v1/image_to_video", json=body(promptImage=good))
    assert error_of(slow) == "Timeout while fetching asset."


def test_insufficient_credits(runway_emulator: RunwayEmulator, api: httpx.Client) -> None:
    runway_emulator.credit_balance = 10
    response = api.post("/v1/image_to_video", json=body(duration=5))
    assert response.status_code == 400 and "not have enough credits" in response.json()["error"]


@pytest.mark.parametrize("status", [502, 503, 504])
def test_load_shedding_statuses(
    runway_emulator: RunwayEmulator, api: httpx.Client, status: int
) -> None:
    runway_emulator.fail("create", status=status)
    response = api.post("/v1/image_to_video", json=body())
    assert response.status_code == status and "error" in response.json()
    assert api.post("/v1/image_to_video", json=body()).status_code == 200


def test_expired_output_urls_are_refreshed_by_a_new_get(
    runway_emulator: RunwayEmulator, api: httpx.Client
) -> None:
    runway_emulator.polls_to_finish = 1
    runway_emulator.expire_outputs_after(0.2)
    task_id = api.post("/v1/image_to_video", json=body()).json()["id"]
    old = api.get(f"/v1/tasks/{task_id}").json()["output"][0]
    time.sleep(0.25)
    with httpx.Client() as cdn:
        assert cdn.get(old).status_code == 403
        fresh = api.get(f"/v1/tasks/{task_id}").json()["output"][0]
        assert fresh != old and "_jwt=" in fresh
        assert cdn.get(fresh).status_code == 200


def test_upload_sink_checks_the_signed_fields(
    runway_emulator: RunwayEmulator, api: httpx.Client
) -> None:
    bad = api.post("/v1/uploads", json={"filename": "a.png", "type": "permanent"})
    assert bad.status_code == 400 and bad.json()["issues"][0]["path"] == ["type"]
    ticket = api.post("/v1/uploads", json={"filename": "a.png", "type": "ephemeral"}).json()
    with httpx.Client() as s3:
        forged = {**ticket["fields"], "policy": "forged"}
        files = {"file": ("a.png", image_bytes(), "image/png")}
        assert s3.post(ticket["uploadUrl"], data=forged, files=files).status_code == 403
        no_file = {"other": ("a.png", image_bytes(), "image/png")}
        assert s3.post(ticket["uploadUrl"], data=ticket["fields"], files=no_file).status_code == 400
        ok = s3.post(ticket["uploadUrl"], data=ticket["fields"], files=files)
        assert ok.status_code == 204
    response = api.post("/v1/image_to_video", json=body(promptImage=ticket["runwayUri"]))
    assert response.status_code == 200


@given(duration=st.integers(min_value=-5, max_value=20))
def test_gen4_turbo_duration_range_property(duration: int) -> None:
    issues = validate_body(body(duration=duration), RunwayAssets().check)
    assert (issues == []) == (2 <= duration <= 10)
