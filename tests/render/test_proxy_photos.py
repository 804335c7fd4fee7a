"""The preview's photos come from the project's proxies when they are big enough."""

from __future__ import annotations

from pathlib import Path

import cv2

from tests.render.conftest import textured_image
from video_studio.asset_cache import AssetCache
from video_studio.render.compositor import Compositor
from video_studio.render.proxy_photos import PROXY_SIDE, proxy_photos
from video_studio.storyboard import Storyboard


def big_photo(folder: Path) -> Path:
    path = folder / "big.jpg"
    pixels = cv2.cvtColor(textured_image(3000, 2000, seed=2), cv2.COLOR_RGB2BGR)
    assert cv2.imwrite(str(path), pixels)
    return path


def test_sides_up_to_the_proxy_come_from_it(tmp_path: Path) -> None:
    photo = big_photo(tmp_path)
    cache = AssetCache(tmp_path / "cache")
    load = proxy_photos(cache)
    small = load(photo, 1000)
    assert max(small.shape[:2]) == PROXY_SIDE  # the proxy: big enough for 1000
    assert list((tmp_path / "cache").rglob("*.jpg"))  # and kept for the next session
    assert max(load(photo, 2500).shape[:2]) >= 2500  # deeper zoom: the original
    assert load(photo, None).shape[:2] == (2000, 3000)


def test_the_preview_compositor_draws_from_proxies(tmp_path: Path) -> None:
    photo = big_photo(tmp_path)
    board = Storyboard.model_validate({"scenes": [{"image": str(photo), "duration": 2.0}]})
    cache = AssetCache(tmp_path / "cache")
    frame = Compositor(board, size=(480, 270), photos=proxy_photos(cache)).frame_rgb(1.0)
    assert frame.shape == (270, 480, 3)
    assert list((tmp_path / "cache").rglob("*.jpg"))
    exported = Compositor(board, size=(480, 270)).frame_rgb(1.0)
    # Same framing, nearly the same pixels: the proxy is a q95 JPEG of the photo, resampled
    # once more, on a texture made to show resampling (another motion differs by ~11).
    assert abs(frame.astype(int) - exported.astype(int)).mean() < 4.0
