"""The Luma emulator driven by the official `lumaai` SDK (proves it speaks the real protocol)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import httpx
import lumaai
import pytest
from lumaai.types import Generation

from tests.emulators import ImageHost, LumaEmulator
from tests.emulators.luma import FAILURE_REASONS
from tests.emulators.media import image_bytes, tiny_mp4


@pytest.fixture
def client(luma_emulator: LumaEmulator) -> Iterator[lumaai.LumaAI]:
    with lumaai.LumaAI(auth_token=luma_emulator.api_key, base_url=luma_emulator.base_url) as sdk:
        yield sdk


def wait(client: lumaai.LumaAI, generation_id: str) -> Generation:
    for _ in range(10):
        generation = client.generations.get(generation_id)
        if generation.state in ("completed", "failed"):
            return generation
    raise AssertionError("generation did not finish")


def test_image_to_video_round_trip(
    luma_emulator: LumaEmulator, image_host: ImageHost, client: lumaai.LumaAI
) -> None:
    url = image_host.put("bottle.png", image_bytes(96, 64))
    created = client.generations.video.create(
        model="ray-2",
        prompt="slow push-in on the bottle",
        aspect_ratio="16:9",
        duration="5s",
        resolution="720p",
        keyframes={"frame0": {"type": "image", "url": url}},
    )
    assert created.state == "queued" and created.id is not None
    assert created.generation_type == "video" and created.failure_reason is None
    assert created.created_at is not None and created.model == "ray-2"
    seen = [client.generations.get(created.id).state for _ in range(3)]
    assert seen == ["queued", "dreaming", "completed"]
    done = client.generations.get(created.id)
    assert done.assets is not None and done.assets.video is not None
    assert done.assets.image is not None
    assert httpx.get(done.assets.video).content == tiny_mp4()
    sent = luma_emulator.requests_to("create")[0]
    assert sent.headers["authorization"] == f"Bearer {luma_emulator.api_key}"
    assert sent.headers["x-stainless-retry-count"] == "0"
    assert sent.json is not None and sent.json["keyframes"]["frame0"]["url"] == url


def test_legacy_create_list_delete_credits_ping(
    luma_emulator: LumaEmulator, client: lumaai.LumaAI
) -> None:
    first = client.generations.create(model="ray-flash-2", prompt="orbit the perfume bottle")
    second = client.generations.create(model="ray-2", prompt="pan across the sneakers")
    assert first.id is not None and second.id is not None
    listed = client.generations.list(limit=1, offset=0)
    assert [g.id for g in listed.generations] == [second.id]
    assert listed.has_more is True and listed.count == 1
    client.generations.delete(first.id)
    with pytest.raises(lumaai.NotFoundError) as missing:
        client.generations.get(first.id)
    assert missing.value.body == {"detail": "Generation not found"}
    assert [g.id for g in client.generations.list().generations] == [second.id]
    assert client.credits.get().credit_balance == luma_emulator.credit_balance
    assert client.ping.check().message == "pong"
    assert len(luma_emulator.jobs) == 2 and luma_emulator.jobs[first.id].deleted


@pytest.mark.parametrize(
    ("outcome", "reason", "expected"),
    [
        ("failed", None, "Prompt processing failed"),
        ("failed", "Contains blacklisted words", "Contains blacklisted words"),
        ("content_policy", None, "Advanced prompt moderation failed"),
    ],
)
def test_failed_generations_carry_a_documented_reason(
    luma_emulator: LumaEmulator,
    client: lumaai.LumaAI,
    outcome: str,
    reason: str | None,
    expected: str,
) -> None:
    luma_emulator.set_outcome(outcome, reason=reason)
    created = client.generations.video.create(model="ray-2", prompt="a watch on a wrist")
    assert created.id is not None
    final = wait(client, created.id)
    assert final.state == "failed"
    assert final.failure_reason == expected and expected in FAILURE_REASONS
    assert final.assets is None


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"model": "ray-2", "prompt": "hi"}, "Prompt is too short, minimum length is 3 characters"),
        ({"model": "ray-2", "prompt": "x" * 5001}, "Prompt is too long"),
        ({"model": "ray-2"}, "Prompt is required"),
        ({"model": "ray-9", "prompt": "a cup"}, "Invalid model"),
        ({"model": "ray-2", "prompt": "a cup", "keyframes": {}}, "No keyframes provided"),
        (
            {
                "model": "ray-2",
                "prompt": "a cup",
                "loop": True,
                "keyframes": {"frame1": {"type": "image", "url": "https://x.test/a.png"}},
            },
            "Loop is not supported for end frame",
        ),
        ({"model": "ray-2", "prompt": "a cup", "duration": 5}, "Invalid duration"),
        ({"model": "ray-2", "prompt": "a cup", "aspect_ratio": "2:1"}, "Invalid aspect_ratio"),
    ],
)
def test_validation_errors_are_400_with_detail(
    luma_emulator: LumaEmulator, client: lumaai.LumaAI, body: dict[str, object], message: str
) -> None:
    with pytest.raises(lumaai.BadRequestError) as error:
        client.post("/generations/video", body=body, cast_to=Generation)
    assert isinstance(error.value.body, dict)
    assert str(error.value.body["detail"]).startswith(message)
    assert luma_emulator.count("create") == 1  # 400 is not retried
    assert luma_emulator.jobs == {}


def test_wrong_key_is_401(luma_emulator: LumaEmulator) -> None:
    with (
        lumaai.LumaAI(auth_token="luma-wrong", base_url=luma_emulator.base_url) as sdk,
        pytest.raises(lumaai.AuthenticationError) as error,
    ):
        sdk.ping.check()
    assert error.value.body == {"detail": "Invalid API key is provided"}


def test_sdk_retries_429_and_503_honouring_retry_after(
    luma_emulator: LumaEmulator, client: lumaai.LumaAI
) -> None:
    luma_emulator.fail("create", status=429, retry_after="0.05")
    luma_emulator.fail("create", status=503, retry_after_ms="50")
    created = client.generations.video.create(model="ray-2", prompt="a lamp glowing")
    assert created.id in luma_emulator.jobs
    counts = [r.headers["x-stainless-retry-count"] for r in luma_emulator.requests_to("create")]
    assert counts == ["0", "1", "2"]
    times = [r.time for r in luma_emulator.requests_to("create")]
    assert all(later - earlier >= 0.04 for earlier, later in itertools.pairwise(times))


def test_sdk_gives_up_after_its_retries_and_respects_x_should_retry(
    luma_emulator: LumaEmulator, client: lumaai.LumaAI
) -> None:
    luma_emulator.fail("poll", status=429, times=3, retry_after="0.01")
    with pytest.raises(lumaai.RateLimitError):
        client.generations.get("some-id")
    assert luma_emulator.count("poll") == 3
    luma_emulator.fail("poll", status=503, headers={"x-should-retry": "false"})
    with pytest.raises(lumaai.InternalServerError):
        client.generations.get("some-id")
    assert luma_emulator.count("poll") == 4


def test_lost_create_is_retried_by_the_sdk_and_makes_a_duplicate_job(
    luma_emulator: LumaEmulator, client: lumaai.LumaAI
) -> None:
    luma_emulator.fail("create", lose_response=True)
    created = client.generations.video.create(model="ray-2", prompt="a chair turning")
    assert len(luma_emulator.jobs) == 2  # what an adapter must guard against
    assert created.id in luma_emulator.jobs


def test_connection_reset_and_timeout_surface_as_sdk_errors(luma_emulator: LumaEmulator) -> None:
    with lumaai.LumaAI(
        auth_token=luma_emulator.api_key,
        base_url=luma_emulator.base_url,
        max_retries=0,
        timeout=0.2,
    ) as sdk:
        luma_emulator.fail("ping", reset=True)
        with pytest.raises(lumaai.APIConnectionError):
            sdk.ping.check()
        luma_emulator.fail("ping", delay=0.5)
        with pytest.raises(lumaai.APITimeoutError):
            sdk.ping.check()
        assert sdk.ping.check().message == "pong"


def test_rate_limits_concurrency_and_per_minute(
    luma_emulator: LumaEmulator, client: lumaai.LumaAI
) -> None:
    luma_emulator.max_concurrent = 2
    luma_emulator.rate_limit_retry_after = "7"
    sdk = client.with_options(max_retries=0)
    for _ in range(2):
        sdk.generations.video.create(model="ray-2", prompt="a mug of tea")
    with pytest.raises(lumaai.RateLimitError) as error:
        sdk.generations.video.create(model="ray-2", prompt="a mug of tea")
    assert error.value.response.headers["retry-after"] == "7"
    luma_emulator.max_concurrent = 10
    luma_emulator.max_creates_per_minute = 2
    with pytest.raises(lumaai.RateLimitError):
        sdk.generations.video.create(model="ray-2", prompt="a mug of tea")
    assert len(luma_emulator.jobs) == 2
