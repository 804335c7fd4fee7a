"""Luma emulator over raw httpx: exact status codes, Generation shape, paths (§1, §5.2)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.emulators import LumaEmulator

GEN = {"model": "ray-2", "prompt": "a bottle on a table", "aspect_ratio": "9:16"}


@pytest.fixture
def api(luma_emulator: LumaEmulator) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {luma_emulator.api_key}"}
    with httpx.Client(base_url=luma_emulator.base_url, headers=headers, timeout=5) as client:
        yield client


def test_base_url_and_create_answer(luma_emulator: LumaEmulator, api: httpx.Client) -> None:
    assert luma_emulator.base_url.endswith("/dream-machine/v1")
    response = api.post("/generations/video", json=GEN)
    assert response.status_code == 201
    generation = response.json()
    assert set(generation) == {
        "id",
        "generation_type",
        "state",
        "failure_reason",
        "created_at",
        "assets",
        "model",
        "request",
    }
    assert generation["state"] == "queued" and generation["assets"] is None
    assert generation["request"]["aspect_ratio"] == "9:16"
    assert generation["created_at"].endswith("Z")
    assert luma_emulator.jobs[generation["id"]].request == GEN


def test_delete_is_204_then_404(api: httpx.Client) -> None:
    job_id = api.post("/generations/video", json=GEN).json()["id"]
    deleted = api.delete(f"/generations/{job_id}")
    assert deleted.status_code == 204 and deleted.content == b""
    missing = api.get(f"/generations/{job_id}")
    assert missing.status_code == 404 and missing.json() == {"detail": "Generation not found"}
    assert api.delete(f"/generations/{job_id}").status_code == 404


def test_unknown_paths_methods_and_auth(luma_emulator: LumaEmulator, api: httpx.Client) -> None:
    assert api.get("/nothing").json() == {"detail": "Not Found"}
    assert api.put("/generations/video", json=GEN).status_code == 405
    luma_emulator.accept_legacy_create_path = False
    assert api.post("/generations", json=GEN).status_code == 405
    with httpx.Client(base_url=luma_emulator.base_url) as bare:
        assert bare.get("/ping").status_code == 401


def test_validation_status_is_selectable(luma_emulator: LumaEmulator, api: httpx.Client) -> None:
    loop_both = {
        **GEN,
        "loop": True,
        "keyframes": {
            "frame0": {"type": "image", "url": "https://cdn.example.com/a.png"},
            "frame1": {"type": "image", "url": "https://cdn.example.com/b.png"},
        },
    }
    first = api.post("/generations/video", json=loop_both)
    assert first.status_code == 400
    assert first.json() == {"detail": "Loop is not supported for keyframes"}
    luma_emulator.validation_status = 422
    assert api.post("/generations/video", json=loop_both).status_code == 422
    unknown = {**GEN, "keyframes": {"frame0": {"type": "video", "url": "x"}}}
    assert "Unknown keyframe type" in api.post("/generations/video", json=unknown).text


def test_generation_keyframe_must_exist(api: httpx.Client) -> None:
    source = api.post("/generations/video", json=GEN).json()["id"]
    extend = {**GEN, "keyframes": {"frame0": {"type": "generation", "id": source}}}
    assert api.post("/generations/video", json=extend).status_code == 201
    bogus = {**GEN, "keyframes": {"frame0": {"type": "generation", "id": "nope"}}}
    assert api.post("/generations/video", json=bogus).status_code == 400


def test_progress_video_while_dreaming(luma_emulator: LumaEmulator, api: httpx.Client) -> None:
    luma_emulator.progress_video = True
    job_id = api.post("/generations/video", json=GEN).json()["id"]
    api.get(f"/generations/{job_id}")
    dreaming = api.get(f"/generations/{job_id}").json()
    assert dreaming["state"] == "dreaming"
    assert set(dreaming["assets"]) == {"progress_video"}


def test_list_pages_and_credits_refund(luma_emulator: LumaEmulator, api: httpx.Client) -> None:
    luma_emulator.polls_to_finish = 1
    start = luma_emulator.credit_balance
    ids = [api.post("/generations/video", json=GEN).json()["id"] for _ in range(3)]
    page = api.get("/generations", params={"limit": 2, "offset": 1}).json()
    assert [g["id"] for g in page["generations"]] == [ids[1], ids[0]]
    assert (page["count"], page["limit"], page["offset"], page["has_more"]) == (2, 2, 1, False)
    assert api.get("/generations/concepts/list").json()[0] == "dolly_zoom"
    luma_emulator.set_outcome("failed")
    failed = api.post("/generations/video", json=GEN).json()["id"]
    assert api.get(f"/generations/{failed}").json()["state"] == "failed"
    spent = start - api.get("/credits").json()["credit_balance"]
    assert spent == 3 * luma_emulator.cost_per_generation  # the failed one was refunded
