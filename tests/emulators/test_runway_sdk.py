"""The Runway emulator driven by the official `runwayml` SDK: it speaks the real protocol."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
import runwayml
from runwayml.lib import polling

from tests.emulators import RunwayEmulator
from tests.emulators.media import data_uri, image_bytes, tiny_mp4
from tests.emulators.runway import API_VERSION

IMAGE = data_uri(image_bytes(128, 72))


@pytest.fixture
def client(runway_emulator: RunwayEmulator) -> Iterator[runwayml.RunwayML]:
    with runwayml.RunwayML(
        api_key=runway_emulator.api_key, base_url=runway_emulator.base_url
    ) as sdk:
        yield sdk


def create(client: runwayml.RunwayML, prompt_text: str = "a product shot") -> str:
    task = client.image_to_video.create(
        model="gen4_turbo",
        prompt_image=IMAGE,
        ratio="1280:720",
        duration=5,
        prompt_text=prompt_text,
    )
    return str(task.id)


def test_create_poll_succeed_and_download(
    runway_emulator: RunwayEmulator, client: runwayml.RunwayML
) -> None:
    task_id = create(client, prompt_text="the bottle turns slowly")
    sent = runway_emulator.requests_to("create")[0]
    assert sent.headers["x-runway-version"] == API_VERSION
    assert sent.json is not None and sent.json["promptImage"] == IMAGE
    assert sent.json["promptText"] == "the bottle turns slowly"
    first = client.tasks.retrieve(task_id)
    assert first.status == "PENDING" and first.estimated_cost.credits == 25
    running = client.tasks.retrieve(task_id)
    assert running.status == "RUNNING" and 0 < running.progress < 1
    done = client.tasks.retrieve(task_id)
    assert done.status == "SUCCEEDED"
    assert done.created_at is not None and done.cost.credits == 25
    assert httpx.get(done.output[0]).content == tiny_mp4()


def test_wait_for_task_output_with_a_short_poll(
    runway_emulator: RunwayEmulator, client: runwayml.RunwayML, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(polling, "POLL_TIME", 0.01)
    monkeypatch.setattr(polling, "POLL_JITTER", 0)
    task = client.image_to_video.create(model="gen4_turbo", prompt_image=IMAGE, ratio="960:960")
    result = task.wait_for_task_output(timeout=5)
    assert result.status == "SUCCEEDED"
    assert runway_emulator.count("poll") == 3
    runway_emulator.set_outcome(
        "failed", reason="Output was bad.", code="INTERNAL.BAD_OUTPUT.CODE01"
    )
    failing = client.image_to_video.create(model="gen4_turbo", prompt_image=IMAGE, ratio="960:960")
    with pytest.raises(runwayml.TaskFailedError) as error:
        failing.wait_for_task_output(timeout=5)
    details = error.value.task_details
    assert details.status == "FAILED"
    assert details.failure == "Output was bad."
    assert details.failure_code == "INTERNAL.BAD_OUTPUT.CODE01"


def test_content_policy_failure(runway_emulator: RunwayEmulator, client: runwayml.RunwayML) -> None:
    runway_emulator.set_outcome("content_policy")
    runway_emulator.polls_to_finish = 1
    task = client.tasks.retrieve(create(client))
    assert task.status == "FAILED" and task.failure_code == "SAFETY.INPUT.IMAGE"


def test_cancel_active_then_delete_finished(
    runway_emulator: RunwayEmulator, client: runwayml.RunwayML
) -> None:
    active = create(client)
    client.tasks.delete(active)
    assert client.tasks.retrieve(active).status == "CANCELLED"
    runway_emulator.polls_to_finish = 1
    finished = create(client)
    assert client.tasks.retrieve(finished).status == "SUCCEEDED"
    client.tasks.delete(finished)
    with pytest.raises(runwayml.NotFoundError):
        client.tasks.retrieve(finished)
    runway_emulator.cancel_then = "not_found"
    another = create(client)
    client.tasks.delete(another)
    with pytest.raises(runwayml.NotFoundError):
        client.tasks.retrieve(another)


def test_upload_then_use_the_runway_uri(
    runway_emulator: RunwayEmulator, client: runwayml.RunwayML
) -> None:
    png = image_bytes(200, 120)
    uploaded = client.uploads.create_ephemeral(file=("product.png", png))
    assert uploaded.uri.startswith("runway://")
    stored = next(iter(runway_emulator.assets.uploads.values()))
    assert stored.data == png and stored.filename == "product.png"
    assert runway_emulator.count("upload") == 1 and runway_emulator.count("upload_sink") == 1
    task = client.image_to_video.create(
        model="gen4_turbo", prompt_image=uploaded.uri, ratio="1280:720"
    )
    assert task.id in runway_emulator.jobs
    with pytest.raises(runwayml.BadRequestError) as error:
        client.image_to_video.create(
            model="gen4_turbo", prompt_image="runway://uploads/unknown/x.png", ratio="1280:720"
        )
    assert "runway://" in str(error.value.body)


def test_validation_error_class_and_body(
    runway_emulator: RunwayEmulator, client: runwayml.RunwayML
) -> None:
    with pytest.raises(runwayml.BadRequestError) as error:
        client.image_to_video.create(
            model="gen4.5", prompt_image=IMAGE, ratio="1280:720", duration=12, prompt_text="a cup"
        )
    body = error.value.body
    assert isinstance(body, dict)
    assert body["issues"][0]["path"] == ["duration"]
    assert "duration" in body["error"]
    assert runway_emulator.count("create") == 1 and runway_emulator.jobs == {}


def test_wrong_key_is_401(runway_emulator: RunwayEmulator) -> None:
    key = "key_" + "f" * 128
    with (
        runwayml.RunwayML(api_key=key, base_url=runway_emulator.base_url) as sdk,
        pytest.raises(runwayml.AuthenticationError),
    ):
        sdk.tasks.retrieve("whatever")


def test_retries_429_and_503_with_retry_after_and_counts_them(
    runway_emulator: RunwayEmulator, client: runwayml.RunwayML
) -> None:
    runway_emulator.fail("create", status=429, retry_after="0.05")
    runway_emulator.fail("create", status=503, retry_after_ms="30")
    task_id = create(client)
    creates = runway_emulator.requests_to("create")
    assert [r.headers["x-stainless-retry-count"] for r in creates] == ["0", "1", "2"]
    assert creates[1].time - creates[0].time >= 0.05
    assert len(runway_emulator.jobs) == 1 and task_id in runway_emulator.jobs


def test_daily_quota_is_a_429_rate_limit_error(
    runway_emulator: RunwayEmulator, client: runwayml.RunwayML
) -> None:
    runway_emulator.daily_limit = 1
    create(client)
    with pytest.raises(runwayml.RateLimitError) as error:
        client.with_options(max_retries=0).image_to_video.create(
            model="gen4_turbo", prompt_image=IMAGE, ratio="1280:720"
        )
    assert "daily" in str(error.value.body)
    usage = client.organization.retrieve()
    assert usage.usage.models["gen4_turbo"].daily_generations == 1


def test_throttled_tasks_wait_their_turn(
    runway_emulator: RunwayEmulator, client: runwayml.RunwayML
) -> None:
    runway_emulator.concurrency = 1
    first, second = create(client), create(client)
    assert client.tasks.retrieve(second).status == "THROTTLED"
    assert client.tasks.retrieve(second).status == "THROTTLED"
    states = [client.tasks.retrieve(first).status for _ in range(3)]
    assert states == ["PENDING", "RUNNING", "SUCCEEDED"]
    later = [client.tasks.retrieve(second).status for _ in range(3)]
    assert later == ["PENDING", "RUNNING", "SUCCEEDED"]
    assert runway_emulator.jobs[second].polls == 5


def test_stuck_running_keeps_the_next_task_throttled(
    runway_emulator: RunwayEmulator, client: runwayml.RunwayML
) -> None:
    runway_emulator.concurrency = 1
    runway_emulator.set_outcome("stuck")
    stuck = create(client)
    runway_emulator.set_outcome("success")
    waiting = create(client)
    assert {client.tasks.retrieve(stuck).status for _ in range(8)} <= {"PENDING", "RUNNING"}
    assert client.tasks.retrieve(waiting).status == "THROTTLED"
    client.tasks.delete(stuck)
    assert client.tasks.retrieve(waiting).status == "PENDING"
