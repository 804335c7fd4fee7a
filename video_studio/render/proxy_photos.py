"""The preview draws photos from preview proxies, not from the originals.

A 12-megapixel JPEG takes 40-70 ms to decode even at reduced scale, and an RGBA cut-out's
area reduction as much again; the preview pays that on the first frame of every scene, in
every session. The AssetCache keeps each photo's proxy (longest side PROXY_SIDE, JPEG q95,
or PNG with alpha) by content hash in the project's cache folder: after the first time it
decodes in ~10 ms. Exports and the analysis (product box, parallax layers) keep using the
originals, so a preview frame has the export's framing, at preview sharpness.
"""

from __future__ import annotations

from pathlib import Path

from video_studio.asset_cache import AssetCache
from video_studio.image_pixels import ImageArray
from video_studio.render.scenes import PhotoLoader, load_original

PROXY_SIDE = 1920  # enough for a 960x540 preview zoomed in 2x on a landscape photo


def proxy_photos(cache: AssetCache, proxy_side: int = PROXY_SIDE) -> PhotoLoader:
    """A PhotoLoader that answers from `cache`'s proxies when they are big enough."""

    def load(path: Path, side: int | None) -> ImageArray:
        if side is None or side > proxy_side:  # deeper than the proxy holds: the original
            return load_original(path, side)
        return cache.proxy(path, proxy_side)

    return load
