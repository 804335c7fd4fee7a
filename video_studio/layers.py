"""The found product at full size: its soft mask (for any mode), and the parallax move's two
layers, the product as an RGBA cut-out with a soft edge and the background with the product
taken out and the hole filled so that nothing shows through when the product slides across."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import cv2
import numpy as np
from numpy.typing import NDArray

from video_studio.subject import SubjectAnalysis, SubjectBox, analyse_subject

U8 = NDArray[np.uint8]
F32 = NDArray[np.float32]

FEATHER_SIGMA: Final = 1.2  # work pixels of soft edge on a found mask, before scaling up
HOLE_GROWTH: Final = 0.008  # of the work copy's longest side: covers the soft edge and fringe
HOLE_BLEND_SIGMA: Final = 1.0  # work pixels of ramp between the fill and the untouched photo
RIM_FADE: Final = 0.02  # of the work side: how far the rim's colour reaches into the hole
INPAINT_PIXELS: Final = 12_000  # holes are inpainted at a size where they have about this many
INPAINT_RADIUS: Final = 3


@dataclass(frozen=True, slots=True)
class LayerSplit:
    """The parallax move's layers and the product's box (with the find_subject margin)."""

    foreground: U8  # RGBA, straight alpha, the input's size
    background: U8  # RGB, the input's size, product removed
    subject: SubjectBox


def subject_mask(image: NDArray[np.uint8]) -> F32:
    """How much each pixel belongs to the product (0..1, float32, image size), soft-edged."""
    return soft_mask(analyse_subject(image), image.shape[0], image.shape[1])


def soft_mask(analysis: SubjectAnalysis, height: int, width: int) -> F32:
    """The analysis' mask at full size: the image's alpha, or the work mask feathered by a
    pixel or two and scaled up smoothly."""
    if analysis.alpha is not None:
        return analysis.alpha.astype(np.float32) / np.float32(255)
    if analysis.mask is None:
        return np.zeros((height, width), np.float32)
    soft = cv2.GaussianBlur(analysis.mask.astype(np.float32), (0, 0), FEATHER_SIGMA)
    soft = cv2.resize(soft, (width, height), interpolation=cv2.INTER_LINEAR)
    return np.clip(np.asarray(soft, np.float32), 0, 1)


def separate_layers(image: NDArray[np.uint8]) -> LayerSplit:
    """Split a photo into the product (its own alpha for cut-outs, else the found mask with a
    feathered edge) and the background with the product's place filled: with the fitted
    backdrop and matching grain on studio shots, by inpainting on scenes."""
    analysis = analyse_subject(image)
    height, width = image.shape[:2]
    rgb = image[..., :3]
    foreground = np.empty((height, width, 4), np.uint8)
    foreground[..., :3] = rgb
    foreground[..., 3] = np.rint(soft_mask(analysis, height, width) * 255)
    background = rgb.copy() if analysis.mask is None else _remove_subject(rgb, analysis)
    return LayerSplit(foreground, background, analysis.framed())


def _remove_subject(rgb: U8, analysis: SubjectAnalysis) -> U8:
    assert analysis.mask is not None
    work = analysis.work
    growth = max(2, round(HOLE_GROWTH * max(work.shape[:2])))
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * growth + 1, 2 * growth + 1))
    hole = np.asarray(cv2.dilate(analysis.mask, kernel), np.uint8)
    # Ramp outwards only: the hole itself is replaced in full, the photo beyond the ramp is kept.
    ramp = np.asarray(cv2.GaussianBlur(hole.astype(np.float32), (0, 0), HOLE_BLEND_SIGMA))
    weight = np.maximum(ramp, hole).astype(np.float32)
    if analysis.surface is not None:
        return _blend(rgb, _backdrop_fill(work, analysis.surface, hole), weight, _grain(rgb))
    return _blend(rgb, _inpaint(work, hole), weight, 0.0)


def _backdrop_fill(work: U8, surface: U8, hole: U8) -> F32:
    """The fitted backdrop, plus the photo's own slow departures from it (the edge of a
    shadow, light the surface misses) carried in from the hole's rim and fading towards its
    middle, so that no seam shows."""
    backdrop = surface.astype(np.float32)
    known = (hole == 0).astype(np.float32)
    departure = (work.astype(np.float32) - backdrop) * known[..., None]
    sigma = max(2.0, RIM_FADE * float(max(hole.shape[0], hole.shape[1])))
    spread = np.asarray(cv2.GaussianBlur(departure, (0, 0), sigma), np.float32)
    support = np.asarray(cv2.GaussianBlur(known, (0, 0), sigma), np.float32)
    depth = np.asarray(cv2.distanceTransform(hole, cv2.DIST_L2, 3), np.float32)
    fade = np.exp(-depth / sigma) / np.maximum(support, 1e-3)
    return np.asarray(backdrop + spread * fade[..., None], np.float32)


def _inpaint(work: U8, hole: U8) -> F32:
    """TELEA at a size where the hole is small enough to fill fast, scaled back to the work
    copy; large holes lose detail, which a moving background hides well."""
    area = float(hole.sum())
    factor = min(1.0, (INPAINT_PIXELS / max(area, 1.0)) ** 0.5)
    height, width = work.shape[:2]
    size = (max(8, round(width * factor)), max(8, round(height * factor)))
    small = cv2.resize(work, size, interpolation=cv2.INTER_AREA)
    small_hole = cv2.resize(hole, size, interpolation=cv2.INTER_AREA)
    small_hole = np.asarray(cv2.dilate(small_hole, np.ones((3, 3), np.uint8)), np.uint8)
    filled = cv2.inpaint(small, small_hole, INPAINT_RADIUS, cv2.INPAINT_TELEA)
    return np.asarray(
        cv2.resize(filled, (width, height), interpolation=cv2.INTER_LINEAR), np.float32
    )


def _grain(rgb: U8) -> float:
    """The photo's grain (sigma, levels) measured in its corners, which are backdrop."""
    height, width = rgb.shape[:2]
    side = min(64, height // 4, width // 4)
    if side < 4:
        return 0.0
    spreads = []
    for y in (0, height - side):
        for x in (0, width - side):
            patch = rgb[y : y + side, x : x + side].astype(np.float32)
            detail = patch - np.asarray(cv2.blur(patch, (3, 3)), np.float32)
            # Minus its 3x3 mean, white noise keeps sqrt(72/81) of its spread.
            spreads.append(1.4826 * float(np.median(np.abs(detail))) / (72 / 81) ** 0.5)
    return float(np.median(spreads))


def _blend(rgb: U8, fill: F32, weight: F32, grain: float) -> U8:
    """Lay the work-size fill over the full-size photo where weight > 0, scaling both up on
    the fly inside the affected box only (12 MP photos stay fast)."""
    height, width = rgb.shape[:2]
    work_h, work_w = weight.shape
    ys, xs = np.nonzero(weight > 0)
    scale_x, scale_y = width / work_w, height / work_h
    x0, x1 = int(xs.min() * scale_x), min(width, int(np.ceil((xs.max() + 1) * scale_x)))
    y0, y1 = int(ys.min() * scale_y), min(height, int(np.ceil((ys.max() + 1) * scale_y)))
    # Same sampling as cv2.resize (pixel centres), so the fill lines up with the soft mask.
    map_x = ((np.arange(x0, x1, dtype=np.float32) + 0.5) / scale_x - 0.5)[None, :]
    map_y = ((np.arange(y0, y1, dtype=np.float32) + 0.5) / scale_y - 0.5)[:, None]
    map_x, map_y = np.broadcast_arrays(map_x, map_y)
    maps = (np.ascontiguousarray(map_x), np.ascontiguousarray(map_y))
    up_weight = cv2.remap(weight, *maps, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    up_fill = cv2.remap(fill, *maps, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    if grain > 0:
        rng = np.random.default_rng(height * 7919 + width)
        up_fill = up_fill + rng.standard_normal(up_fill.shape, np.float32) * np.float32(grain)
    crop = rgb[y0:y1, x0:x1].astype(np.float32)
    mixed = crop + (up_fill - crop) * np.asarray(up_weight, np.float32)[..., None]
    background = rgb.copy()
    background[y0:y1, x0:x1] = np.clip(np.rint(mixed), 0, 255).astype(np.uint8)
    return background
