"""The fake public image host, and Luma reading keyframes from it (or failing to)."""

from __future__ import annotations

import httpx
import pytest

from tests.emulators import ImageHost, LumaEmulator
from tests.emulators.luma import UNREADABLE
from tests.emulators.media import data_uri, image_bytes


def test_put_get_head_with_type_and_length(image_host: ImageHost) -> None:
    png = image_bytes()
    with httpx.Client() as client:
        put = client.put(
            image_host.url_for("front shot.png"), content=png, headers={"Content-Type": "image/png"}
        )
        assert put.status_code == 201
        url = put.json()["url"]
        assert url == put.headers["location"] == image_host.url_for("front shot.png")
        assert "%20" in url
        got = client.get(url)
        assert got.content == png
        assert got.headers["content-type"] == "image/png"
        assert got.headers["content-length"] == str(len(png))
        head = client.head(url)
        assert head.status_code == 200 and head.content == b""
        assert head.headers["content-length"] == str(len(png))
        assert (
            client.put(url, content=png, headers={"Content-Type": "image/png"}).status_code == 200
        )
        assert client.get(image_host.url_for("missing.png")).status_code == 404
        assert client.delete(url).status_code == 405
    assert image_host.count("upload") == 2
    assert len(image_host.fetches_of("front shot.png")) == 2


def test_direct_put_redirect_and_faults(image_host: ImageHost) -> None:
    url = image_host.put("a.jpg", image_bytes(fmt="JPEG"), "image/jpeg")
    moved = image_host.redirect("old.jpg", url)
    with httpx.Client() as client:
        assert client.get(url).headers["content-type"] == "image/jpeg"
        redirect = client.get(moved)
        assert redirect.status_code == 302 and redirect.headers["location"] == url
        image_host.fail("download", status=503)
        assert client.get(url).status_code == 503
        assert client.get(url).status_code == 200


def _create_with_frame(luma: LumaEmulator, client: httpx.Client, url: str) -> httpx.Response:
    body = {"model": "ray-2", "keyframes": {"frame0": {"type": "image", "url": url}}}
    return client.post("/generations/video", json=body)


def _final(client: httpx.Client, job_id: str) -> dict[str, object]:
    for _ in range(5):
        body: dict[str, object] = client.get(f"/generations/{job_id}").json()
        if body["state"] in ("completed", "failed"):
            return body
    raise AssertionError("not finished")


@pytest.fixture
def luma_client(luma_emulator: LumaEmulator) -> httpx.Client:
    return httpx.Client(
        base_url=luma_emulator.base_url,
        headers={"Authorization": f"Bearer {luma_emulator.api_key}"},
    )


def test_luma_reads_the_keyframe_from_the_image_host(
    luma_emulator: LumaEmulator, image_host: ImageHost, luma_client: httpx.Client
) -> None:
    url = image_host.put("p.png", image_bytes())
    with luma_client:
        created = _create_with_frame(luma_emulator, luma_client, url)
        assert created.status_code == 201
        assert created.json()["request"]["keyframes"]["frame0"]["url"] == url
        assert _final(luma_client, created.json()["id"])["state"] == "completed"
    assert len(image_host.fetches_of("p.png")) == 1


@pytest.mark.parametrize("problem", ["missing", "wrong_type", "not_an_image", "host_down"])
def test_luma_fails_later_when_it_cannot_read_the_frame(
    luma_emulator: LumaEmulator, image_host: ImageHost, luma_client: httpx.Client, problem: str
) -> None:
    if problem == "missing":
        url = image_host.url_for("nothing.png")
    elif problem == "wrong_type":
        url = image_host.put("p.png", image_bytes(), "text/plain")
    elif problem == "not_an_image":
        url = image_host.put("p.png", b"<html>", "image/png")
    else:
        url = image_host.put("p.png", image_bytes())
        image_host.stop()
    with luma_client:
        created = _create_with_frame(luma_emulator, luma_client, url)
        assert created.status_code == 201
        final = _final(luma_client, created.json()["id"])
    assert final["state"] == "failed"
    assert final["failure_reason"] == UNREADABLE == "Failed to read user input frames"


def test_luma_data_uri_keyframe_fails_later_or_is_rejected(
    luma_emulator: LumaEmulator, luma_client: httpx.Client
) -> None:
    uri = data_uri(image_bytes())
    with luma_client:
        created = _create_with_frame(luma_emulator, luma_client, uri)
        assert created.status_code == 201
        assert _final(luma_client, created.json()["id"])["failure_reason"] == UNREADABLE
        luma_emulator.data_uri_mode = "reject"
        rejected = _create_with_frame(luma_emulator, luma_client, uri)
    assert rejected.status_code == 400
    assert "public" in rejected.json()["detail"]
    assert len(luma_emulator.jobs) == 1


def test_external_image_urls_are_not_fetched(
    luma_emulator: LumaEmulator, luma_client: httpx.Client
) -> None:
    with luma_client:
        created = _create_with_frame(luma_emulator, luma_client, "https://cdn.example.com/p.png")
        assert _final(luma_client, created.json()["id"])["state"] == "completed"
        luma_emulator.external_urls_reachable = False
        again = _create_with_frame(luma_emulator, luma_client, "https://cdn.example.com/p.png")
        assert _final(luma_client, again.json()["id"])["failure_reason"] == UNREADABLE
