"""Image delivery: the picture each service accepts (as-is when possible, else reshaped and
re-encoded to fit), the image host upload for Luma and Runway's upload flow."""

from __future__ import annotations

import base64
import hashlib
import io
import logging
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from PIL import Image

from tests.adapters.cloud_helpers import emulator_config, noisy_photo, product_photo
from video_studio.adapters.http_common import ServiceHttp
from video_studio.adapters.image_delivery import (
    DATA_URI_LIMIT,
    ImageRules,
    PreparedImage,
    data_uri_length,
    fit_to_ratio,
    prepare_image,
    runway_upload,
    upload_to_image_host,
)
from video_studio.error_types import VideoStudioError, VideoStudioErrorType
from video_studio.jobs import CancelToken

RUNWAY_RULES = ImageRules(
    service="Runway", data_uri_limit=DATA_URI_LIMIT, min_ratio=0.5, max_ratio=2.0, max_side=8000
)


def _decoded(prepared: PreparedImage) -> Image.Image:
    image = Image.open(io.BytesIO(prepared.data))
    image.load()
    return image


def test_an_acceptable_photo_is_sent_unchanged(tmp_path: Path) -> None:
    photo = product_photo(tmp_path / "bottle.jpg", 640, 480)
    prepared = prepare_image(photo, RUNWAY_RULES)
    assert prepared.data == photo.read_bytes()
    assert prepared.mime == "image/jpeg"
    assert (prepared.width, prepared.height) == (640, 480)
    assert prepared.notes == ()
    uri = prepared.data_uri()
    assert uri.startswith("data:image/jpeg;base64,")
    assert base64.b64decode(uri.split(",", 1)[1]) == photo.read_bytes()
    assert len(uri) == data_uri_length(len(prepared.data), prepared.mime)


def test_a_tall_photo_is_padded_to_runways_narrowest_ratio(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    photo = product_photo(tmp_path / "tall.png", 300, 900, fmt="PNG")
    with caplog.at_level(logging.INFO, logger="video_studio.adapters.images"):
        prepared = prepare_image(photo, RUNWAY_RULES)
    image = _decoded(prepared)
    assert image.width / image.height == pytest.approx(0.5, abs=0.01)
    assert image.height == 900  # padded, nothing cut away
    assert prepared.mime == "image/jpeg"
    assert any("padded" in note for note in prepared.notes)
    assert "padded the tall picture" in caplog.text


def test_a_wide_photo_is_padded_to_runways_widest_ratio(tmp_path: Path) -> None:
    photo = product_photo(tmp_path / "wide.jpg", 1500, 500)
    image = _decoded(prepare_image(photo, RUNWAY_RULES))
    assert image.width / image.height == pytest.approx(2.0, abs=0.01)
    assert image.width == 1500


def test_padding_uses_the_background_colour(tmp_path: Path) -> None:
    photo = product_photo(tmp_path / "tall.png", 200, 800, fmt="PNG")
    image = np.asarray(_decoded(prepare_image(photo, RUNWAY_RULES)).convert("RGB"))
    corner = image[5, 5].astype(int)
    assert np.all(np.abs(corner - 235) < 20)  # the photo's light background, not black


def test_a_big_photo_is_reencoded_to_fit_the_data_uri_limit(tmp_path: Path) -> None:
    photo = noisy_photo(tmp_path / "huge.png", 2400, 1800)
    assert photo.stat().st_size > DATA_URI_LIMIT
    prepared = prepare_image(photo, RUNWAY_RULES)
    assert len(prepared.data_uri()) <= DATA_URI_LIMIT
    assert prepared.mime == "image/jpeg"
    image = _decoded(prepared)
    assert image.width / image.height == pytest.approx(2400 / 1800, rel=0.01)


def test_sides_over_the_limit_are_scaled_down(tmp_path: Path) -> None:
    photo = product_photo(tmp_path / "big.jpg", 1600, 1200)
    rules = ImageRules(service="Test", max_side=1000)
    image = _decoded(prepare_image(photo, rules))
    assert (image.width, image.height) == (1000, 750)


@pytest.mark.parametrize(
    ("size", "ratio", "expected", "how"),
    [
        ((640, 400), 16 / 9, (640, 360), "cropped"),  # 10 % lost: crop
        ((640, 480), 16 / 9, (853, 480), "padded"),  # 25 % would be lost: pad instead
        ((640, 480), 1.0, (640, 640), "padded"),
        ((500, 480), 1.0, (480, 480), "cropped"),
    ],
)
def test_fit_to_ratio_crops_a_little_or_pads(
    size: tuple[int, int], ratio: float, expected: tuple[int, int], how: str
) -> None:
    pixels = np.full((size[1], size[0], 3), 200, dtype=np.uint8)
    fitted, note = fit_to_ratio(pixels, ratio)
    assert (fitted.shape[1], fitted.shape[0]) == expected
    assert how in note


def test_pika_rules_give_the_clip_shape(tmp_path: Path) -> None:
    photo = product_photo(tmp_path / "photo.jpg", 800, 600)
    rules = ImageRules(service="Pika", data_uri_limit=DATA_URI_LIMIT, target_ratio=9 / 16)
    image = _decoded(prepare_image(photo, rules))
    assert image.width / image.height == pytest.approx(9 / 16, abs=0.01)


def test_exif_rotated_photos_are_sent_upright(tmp_path: Path) -> None:
    pixels = np.full((300, 600, 3), 220, dtype=np.uint8)
    exif = Image.Exif()
    exif[0x0112] = 6  # stored sideways: displays rotated 90 degrees
    path = tmp_path / "rotated.jpg"
    Image.fromarray(pixels).save(path, "JPEG", exif=exif)
    image = _decoded(prepare_image(path, RUNWAY_RULES))
    assert (image.width, image.height) == (300, 600)


def test_transparent_png_is_flattened_when_reencoded(tmp_path: Path) -> None:
    pixels = np.zeros((400, 400, 4), dtype=np.uint8)
    pixels[100:300, 100:300] = (200, 30, 30, 255)
    path = tmp_path / "cutout.png"
    Image.fromarray(pixels, "RGBA").save(path)
    rules = ImageRules(service="Pika", data_uri_limit=DATA_URI_LIMIT, target_ratio=16 / 9)
    prepared = prepare_image(path, rules)
    image = np.asarray(_decoded(prepared).convert("RGB"))
    assert prepared.mime == "image/jpeg"
    assert image[5, 5].min() > 240  # transparency became white


def test_a_damaged_image_is_a_plain_input_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.jpg"
    path.write_bytes(b"\xff\xd8\xff not really a jpeg")
    with pytest.raises(VideoStudioError) as caught:
        prepare_image(path, RUNWAY_RULES)
    assert caught.value.error_type is VideoStudioErrorType.INVALID_INPUT
    assert "broken.jpg" in caught.value.message


# --- delivery ---------------------------------------------------------------------------------


def _http(tmp_path: Path, model: str, base_url: str, api_key: str) -> ServiceHttp:
    config = emulator_config(tmp_path, model, base_url=base_url, api_key=api_key)
    return ServiceHttp(
        model,
        config.models[model],
        config.workflow,
        auth_headers=lambda key: {"Authorization": f"Bearer {key}"},
        extra_headers={"X-Runway-Version": "2024-11-06"} if model == "runway" else None,
    )


def test_image_host_upload_puts_the_image_at_its_hash(tmp_path: Path, image_host: Any) -> None:
    photo = product_photo(tmp_path / "bottle.jpg")
    prepared = prepare_image(photo, ImageRules(service="Luma"))
    image_host.fail("upload", status=503)  # one failure: PUT is idempotent, so it is retried
    http = _http(tmp_path, "luma", "https://luma.invalid/dream-machine/v1", "luma-key-123456")
    try:
        url = upload_to_image_host(
            http, prepared, image_host.root_url + "/images", cancel=CancelToken()
        )
    finally:
        http.close()
    digest = hashlib.sha256(photo.read_bytes()).hexdigest()
    assert url == f"{image_host.root_url}/images/{digest}.jpg"
    uploads = image_host.requests_to("upload")
    assert len(uploads) == 2
    assert uploads[-1].header("content-type") == "image/jpeg"
    assert uploads[-1].header("authorization") is None  # the API key never goes to the host
    fetched = httpx.get(url)
    assert fetched.content == photo.read_bytes()


def test_runway_upload_flow_gives_a_runway_uri(tmp_path: Path, runway_emulator: Any) -> None:
    photo = product_photo(tmp_path / "bottle.png", fmt="PNG")
    prepared = prepare_image(photo, RUNWAY_RULES)
    http = _http(tmp_path, "runway", runway_emulator.base_url, runway_emulator.api_key)
    try:
        uri = runway_upload(http, prepared, "bottle.png", cancel=CancelToken())
    finally:
        http.close()
    assert uri.startswith("runway://")
    slot = runway_emulator.requests_to("upload")[0]
    assert slot.json == {"filename": "bottle.png", "type": "ephemeral"}
    sink = runway_emulator.requests_to("upload_sink")[0]
    assert sink.header("authorization") is None
    stored = next(iter(runway_emulator.assets.uploads.values()))
    assert stored.data == photo.read_bytes()
