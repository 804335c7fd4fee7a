"""Where the product is in a photo: for the auto move (never cut the product off) and the
parallax move (the product travels apart from its background).

Everything runs on a copy downscaled to WORK_SIDE px on the longest side. Methods, in order:
the image's own alpha (cut-outs); separation from a smooth background fitted to the border
(studio shots on plain or gradient backgrounds); saliency from colour contrast and the spectral
residual (lifestyle scenes); else a centred box with low confidence. The full-size results
built on this (the soft subject mask, the parallax layers) are in video_studio.layers.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Final

import cv2
import numpy as np
from numpy.typing import NDArray

U8 = NDArray[np.uint8]
F32 = NDArray[np.float32]

WORK_SIDE: Final = 512
SALIENCY_SIDE: Final = 128
CENTER_BOX: Final = (0.1, 0.1, 0.8, 0.8)
DEFAULT_MARGIN: Final = 0.03  # of the box size, each side
MIN_CONFIDENCE: Final = 0.3  # below this the centre box is the better guess
# A border this consistent (robust spread in Lab units after a light blur, share of border
# pixels the surface explains) is a studio backdrop; anything busier is treated as a scene.
UNIFORM_SPREAD: Final = 4.0
UNIFORM_INLIERS: Final = 0.85
SHADOW_DEPTH: Final = 30.0  # darkest cast shadow, in L units, that is not taken for product
RESIDUAL_WEIGHT: Final = 0.3  # spectral residual's share next to colour contrast in saliency
SALIENT_LEVEL: Final = 0.85  # standard deviations above the mean that count as salient
RATIO_NONE, RATIO_SURE = 1.25, 1.65  # salient window vs the rest: no subject .. sure of it


@dataclass(frozen=True, slots=True)
class SubjectBox:
    """The product's box as fractions of the image (0..1), how sure we are, and how found."""

    x: float
    y: float
    w: float
    h: float
    confidence: float
    method: str  # "alpha", "background", "saliency" or "center"

    def with_margin(self, margin: float) -> SubjectBox:
        """Grown by `margin` of its own size on each side, kept inside the image."""
        x0, y0 = max(0.0, self.x - margin * self.w), max(0.0, self.y - margin * self.h)
        x1 = min(1.0, self.x + self.w * (1 + margin))
        y1 = min(1.0, self.y + self.h * (1 + margin))
        return replace(self, x=x0, y=y0, w=x1 - x0, h=y1 - y0)


@dataclass(frozen=True, slots=True)
class SubjectAnalysis:
    """What both modes need: the box (no margin), the product mask at work resolution (None
    when nothing stands out), the work copy and, for studio backgrounds, the fitted surface."""

    box: SubjectBox
    mask: U8 | None
    work: U8
    surface: U8 | None
    alpha: U8 | None  # the image's own alpha at full size, for cut-outs

    def framed(self, margin: float = DEFAULT_MARGIN) -> SubjectBox:
        """The box with `margin` around the product (the centre guess stays as it is)."""
        return self.box if self.box.method == "center" else self.box.with_margin(margin)


def find_subject(image: NDArray[np.uint8], margin: float = DEFAULT_MARGIN) -> SubjectBox:
    """The product's box with a small margin; see the module doc for the methods."""
    return analyse_subject(image).framed(margin)


def analyse_subject(image: NDArray[np.uint8]) -> SubjectAnalysis:
    """Everything find_subject and the layers module need, computed once."""
    _check_image(image)
    work = np.ascontiguousarray(_downscale(image, WORK_SIDE)[..., :3])
    if min(image.shape[:2]) < 8:  # too small to tell anything apart
        return SubjectAnalysis(SubjectBox(*CENTER_BOX, 0.0, "center"), None, work, None, None)
    # A light blur keeps grain from passing for structure in the backdrop test.
    sharp = _to_lab(work)
    lab = np.asarray(cv2.GaussianBlur(sharp, (0, 0), 1.0), np.float32)
    fitted = _fit_border_surface(lab)
    surface = None
    if fitted is not None and fitted[1] <= UNIFORM_SPREAD and fitted[2] >= UNIFORM_INLIERS:
        surface = fitted[0]
    surface_rgb = None if surface is None else _to_rgb(surface)
    if image.shape[2] == 4 and _has_transparency(image[..., 3]):
        return _from_alpha(image, work, surface_rgb)
    if surface is not None:
        mask, confidence = _separate_from_surface(work, sharp, surface)
        method = "background"
    else:
        mask, confidence = _salient_region(work)
        method = "saliency"
    if mask is None or confidence < MIN_CONFIDENCE:
        box = SubjectBox(*CENTER_BOX, confidence=min(confidence, 0.2), method="center")
        return SubjectAnalysis(box, None, work, surface_rgb, None)
    return SubjectAnalysis(_box_of(mask, confidence, method), mask, work, surface_rgb, None)


def _check_image(image: NDArray[np.uint8]) -> None:
    ok = image.dtype == np.uint8 and image.ndim == 3 and image.shape[2] in (3, 4)
    if not ok or image.shape[0] < 1 or image.shape[1] < 1:
        raise ValueError(f"expected uint8 RGB or RGBA (H, W, 3|4), got {image.dtype} {image.shape}")


def _downscale(image: U8, side: int) -> U8:
    height, width = image.shape[:2]
    factor = side / max(height, width)
    if factor >= 1:
        return image
    size = (max(1, round(width * factor)), max(1, round(height * factor)))
    return np.asarray(cv2.resize(image, size, interpolation=cv2.INTER_AREA), np.uint8)


def _to_lab(rgb: U8) -> F32:
    lab = cv2.cvtColor(rgb.astype(np.float32) / np.float32(255), cv2.COLOR_RGB2Lab)
    return np.asarray(lab, np.float32)


def _to_rgb(lab: F32) -> U8:
    rgb = cv2.cvtColor(lab, cv2.COLOR_Lab2RGB)
    return np.asarray(np.clip(rgb * 255 + 0.5, 0, 255), np.uint8)


def _has_transparency(alpha: U8) -> bool:
    # A sample is enough to tell a cut-out from an opaque image saved as RGBA.
    step = max(1, max(alpha.shape) // WORK_SIDE)
    return float(np.mean(alpha[::step, ::step] < 250)) >= 0.005


def _from_alpha(image: U8, work: U8, surface_rgb: U8 | None) -> SubjectAnalysis:
    alpha = np.ascontiguousarray(image[..., 3])
    box = _box_of((alpha > 127).astype(np.uint8), 1.0, "alpha")
    small = cv2.resize(alpha, (work.shape[1], work.shape[0]), interpolation=cv2.INTER_AREA)
    mask = (np.asarray(small) > 127).astype(np.uint8)
    if box.w == 0 or not mask.any():
        box = SubjectBox(*CENTER_BOX, confidence=0.0, method="center")
        return SubjectAnalysis(box, None, work, surface_rgb, None)
    return SubjectAnalysis(box, mask, work, surface_rgb, alpha)


def _quadratic_design(height: int, width: int) -> F32:
    v, u = (np.mgrid[0:height, 0:width].astype(np.float32) + 0.5) / [[[height]], [[width]]]
    u, v = 2 * u - 1, 2 * v - 1
    terms = [np.ones_like(u), u, v, u * u, u * v, v * v]
    return np.stack([t.ravel() for t in terms], axis=1)


def _border(height: int, width: int) -> NDArray[np.bool_]:
    band = max(1, round(0.02 * max(height, width)))
    border = np.zeros((height, width), bool)
    border[:band], border[-band:], border[:, :band], border[:, -band:] = True, True, True, True
    return border


def _fit_border_surface(lab: F32) -> tuple[F32, float, float] | None:
    """A quadratic colour surface per Lab channel, fitted robustly to a band along the border
    (a plain, gradient or vignetted backdrop), its spread and the share of border it explains."""
    height, width = lab.shape[:2]
    border = _border(height, width)
    design = _quadratic_design(height, width)
    index = np.flatnonzero(border.ravel())
    if index.size < 12:
        return None
    values, rows = lab.reshape(-1, 3)[index], design[index]
    keep = np.ones(index.size, bool)
    spread = np.zeros(3)
    for _ in range(4):
        coef = np.linalg.lstsq(rows[keep], values[keep], rcond=None)[0]
        residual = values - rows @ coef
        centred = residual[keep] - np.median(residual[keep], axis=0)
        spread = 1.4826 * np.median(np.abs(centred), axis=0)
        keep = np.all(np.abs(residual) <= np.maximum(3 * spread, 1.5), axis=1)
        if keep.sum() < 12:
            return None
    surface = (design @ coef).reshape(height, width, 3).astype(np.float32)
    return surface, float(np.linalg.norm(spread)), float(keep.mean())


def _separate_from_surface(work: U8, lab: F32, surface: F32) -> tuple[U8 | None, float]:
    """Pixels far (in Lab) from the fitted backdrop, with hysteresis so faint parts of the
    product join the clear ones; thresholds follow the grain (the typical distance along the
    border). Shadow-coloured pixels (darker, same hue, not too dark) are settled separately."""
    diff = lab - surface
    dark = -diff[..., 0]
    chroma = np.hypot(diff[..., 1], diff[..., 2])
    distance = np.hypot(diff[..., 0], chroma)
    shadow = (dark > 0) & (dark < SHADOW_DEPTH) & (chroma < 3 + 0.25 * dark)
    grain = float(np.median(distance[_border(*distance.shape)]))
    low, high = max(4.0, 2.5 * grain), max(8.0, 5 * grain)
    weak = ((distance > low) & ~shadow).astype(np.uint8)
    strong = (distance > high) & ~shadow
    count, labels = cv2.connectedComponents(weak, connectivity=8)
    linked = np.zeros(count, bool)
    linked[np.unique(labels[strong])] = True
    linked[0] = False
    product = linked[labels].astype(np.uint8)
    if product.any():
        product = _settle_shadows(work, product, distance <= low)
    # Pixels hugging the product are its anti-aliased edge, not a separate grey part.
    near = (cv2.dilate(product, _disk(2)) > 0).astype(np.uint8)
    product |= _outlined(lab[..., 0], shadow & (distance > low) & (near == 0), dark, near)
    mask = _select_groups(_clean(product))
    if mask is None:
        return None, 0.0
    contrast = float(np.median(distance[mask > 0])) / low
    confidence = 0.4 + 0.6 * min(1.0, max(0.0, (contrast - 1) / 3))
    if mask.mean() > 0.8:  # "everything is product" usually means the backdrop was misread
        confidence *= 0.5
    return mask, confidence


def _settle_shadows(work: U8, product: U8, plain: NDArray[np.bool_]) -> U8:
    """Shadow-coloured pixels are cast shadow or a pale product's shaded side: a watershed gives
    them to the side that reaches them without crossing a sharp edge. Only backdrop joined to
    the border seeds it, as a product's shading can pass through the backdrop's colour."""
    plain = cv2.erode(plain.astype(np.uint8), _disk(_radius(product, 0.02))) > 0
    count, parts = cv2.connectedComponents(plain.astype(np.uint8), connectivity=4)
    outside = np.zeros(count, bool)
    outside[np.unique(parts[_border(*parts.shape) & plain])] = True
    outside[0] = False
    markers = np.where(outside[parts], 1, 0).astype(np.int32)
    markers[cv2.dilate(product, _disk(2)) > 0] = 0
    markers[product > 0] = 2
    cv2.watershed(np.ascontiguousarray(work), markers)
    settled = (markers == 2) | ((markers == -1) & (product > 0))
    return np.asarray(settled, np.uint8)


def _outlined(lightness: F32, candidates: NDArray[np.bool_], dark: F32, product: U8) -> U8:
    """Shadow-coloured runs of a row that end in a sharp step (a third of their darkening)
    where they meet the backdrop are grey product (a cap, a white bottle's shaded side); a cast
    shadow fades out. Row by row, a side touching the shadow at the base is still told apart."""
    height, width = candidates.shape
    gx = cv2.Sobel(lightness, cv2.CV_32F, 1, 0, ksize=3) / 4  # a 1-px step of h reads as h
    change = np.diff(np.pad(candidates, ((0, 0), (1, 1))).astype(np.int8), axis=1)
    rows, starts = np.nonzero(change == 1)
    stops = np.nonzero(change == -1)[1]  # one past each run, paired with starts in order
    summed = np.pad(np.cumsum(dark * candidates, axis=1), ((0, 0), (1, 0)))
    depth = (summed[rows, stops] - summed[rows, starts]) / (stops - starts)
    # Ends at the image border or at the product say nothing; at least one must be sharp.
    no_soft_end, a_sharp_end = np.ones(rows.size, bool), np.zeros(rows.size, bool)
    for inner, beyond in ((starts, starts - 1), (stops - 1, stops)):
        outer = np.clip(beyond, 0, width - 1)
        sharp = np.maximum(np.abs(gx[rows, outer]), np.abs(gx[rows, inner])) > depth / 3
        meets_backdrop = (beyond == outer) & (product[rows, outer] == 0)
        no_soft_end &= ~meets_backdrop | sharp
        a_sharp_end |= meets_backdrop & sharp
    kept = no_soft_end & a_sharp_end
    marks = np.zeros((height, width + 1), np.int32)
    np.add.at(marks, (rows[kept], starts[kept]), 1)
    np.add.at(marks, (rows[kept], stops[kept]), -1)
    return np.asarray(np.cumsum(marks, axis=1)[:, :width] > 0, np.uint8)


def _radius(mask: U8, fraction: float) -> int:
    return max(1, round(fraction * int(max(mask.shape[0], mask.shape[1]))))


def _disk(radius: int) -> U8:
    size = (2 * radius + 1, 2 * radius + 1)
    return np.asarray(cv2.getStructuringElement(cv2.MORPH_ELLIPSE, size), np.uint8)


def _clean(mask: U8) -> U8:
    """Drop specks of grain, close small gaps, and fill what the outline encloses (a label
    close to the backdrop's colour is still product)."""
    if min(mask.shape) >= 16:
        mask = np.asarray(cv2.morphologyEx(mask, cv2.MORPH_OPEN, _disk(1)), np.uint8)
    mask = np.asarray(cv2.morphologyEx(mask, cv2.MORPH_CLOSE, _disk(_radius(mask, 0.01))))
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    filled = np.zeros_like(mask)
    cv2.drawContours(filled, contours, -1, 1, thickness=cv2.FILLED)
    return filled


def _select_groups(mask: U8) -> U8 | None:
    """Parts near each other (a cap above a bottle) form one group; the largest group is the
    product, with any other group at least a fifth of its size (a set of products)."""
    min_area = max(4.0, 0.0005 * mask.size)
    near = cv2.dilate(mask, _disk(_radius(mask, 0.03)))
    count, groups = cv2.connectedComponents(np.asarray(near, np.uint8), connectivity=8)
    areas = np.bincount(groups[mask > 0], minlength=count).astype(np.float64)
    areas[0] = 0
    if count <= 1 or areas.max() < min_area:
        return None
    chosen = areas >= max(min_area, 0.2 * areas.max())
    return np.asarray(chosen[groups] & (mask > 0), np.uint8)


def _box_of(mask: U8, confidence: float, method: str) -> SubjectBox:
    height, width = mask.shape
    x, y, w, h = cv2.boundingRect(mask)
    return SubjectBox(x / width, y / height, w / width, h / height, confidence, method)


def _spectral_residual(channel: F32) -> F32:
    """Hou & Zhang's spectral residual: what is left of the log amplitude spectrum after its
    local average is removed marks the parts of the image that are not 'more of the same'."""
    spectrum = np.fft.fft2(channel)
    log_amplitude = np.log(np.abs(spectrum) + 1e-9).astype(np.float32)
    residual = log_amplitude - cv2.blur(log_amplitude, (3, 3))
    back = np.fft.ifft2(np.exp(residual + 1j * np.angle(spectrum)))
    energy = (np.abs(back) ** 2).astype(np.float32)
    sigma = max(1.0, 0.025 * max(channel.shape))
    return np.asarray(cv2.GaussianBlur(energy, (0, 0), sigma), np.float32)


def _colour_contrast(rgb: U8) -> F32:
    """Global colour contrast (Cheng et al.'s histogram contrast): how far each pixel's colour
    is, in Lab, from the colours of the rest of the image weighted by how common they are."""
    levels = 12
    bins = (rgb.astype(np.int32) * levels) // 256
    codes = ((bins[..., 0] * levels + bins[..., 1]) * levels + bins[..., 2]).ravel()
    counts = np.bincount(codes, minlength=levels**3)
    present = np.flatnonzero(counts)
    lab = _to_lab(rgb).reshape(-1, 3)
    sums = [np.bincount(codes, lab[:, c], minlength=levels**3)[present] for c in range(3)]
    means = np.stack(sums, axis=1) / counts[present, None]
    distances = np.linalg.norm(means[:, None, :] - means[None, :, :], axis=2)
    lookup = np.zeros(levels**3, np.float32)
    lookup[present] = distances @ (counts[present] / codes.size)
    values = lookup[codes].reshape(rgb.shape[:2])
    sigma = max(1.0, 0.01 * max(rgb.shape[:2]))
    return np.asarray(cv2.GaussianBlur(values, (0, 0), sigma), np.float32)


def _saliency_parts(small: U8) -> tuple[F32, F32]:
    """Spectral residual (per Lab channel, weighted by the channel's contrast since the
    residual itself ignores contrast) and colour contrast."""
    lab = _to_lab(small)
    residual = np.zeros(small.shape[:2], np.float32)
    for channel in range(3):
        plane = np.ascontiguousarray(lab[..., channel])
        energy = _spectral_residual(plane)
        residual += float(plane.std()) * energy / max(float(energy.mean()), 1e-12)
    return residual, _colour_contrast(small)


def _normalise(values: F32) -> F32:
    low, high = float(values.min()), float(values.max())
    return ((values - low) / max(high - low, 1e-12)).astype(np.float32)


def _ratio(values: F32, inside: NDArray[np.bool_]) -> float:
    return float(values[inside].mean()) / max(float(values[~inside].mean()), 1e-12)


def _best_window(score: F32) -> tuple[int, int, int, int]:
    """The rectangle (x, y, w, h) with the largest sum of `score`: every row pair's column
    sums at once, then the best run of columns by prefix sums minus their running minimum."""
    height, width = score.shape
    rows = np.vstack([np.zeros((1, width)), np.cumsum(score, axis=0, dtype=np.float64)])
    top, bottom = np.triu_indices(height + 1, k=1)
    strips = rows[bottom] - rows[top]
    prefix = np.hstack([np.zeros((strips.shape[0], 1)), np.cumsum(strips, axis=1)])
    gains = prefix[:, 1:] - np.minimum.accumulate(prefix, axis=1)[:, :-1]
    pair, end = np.unravel_index(int(np.argmax(gains)), gains.shape)
    left = int(np.argmin(prefix[pair, : end + 1]))
    return left, int(top[pair]), int(end) + 1 - left, int(bottom[pair] - top[pair])


def _salient_region(work: U8) -> tuple[U8 | None, float]:
    """The window holding the most saliency above the salient level, cut out by grabCut
    (salient pixels in it probable product, the rest of it and a rim probable backdrop,
    beyond that sure backdrop); confident when the window clearly stands out."""
    small = _downscale(work, SALIENCY_SIDE)
    residual, contrast = _saliency_parts(small)
    saliency = RESIDUAL_WEIGHT * _normalise(residual) + _normalise(contrast)
    level = float(saliency.mean() + SALIENT_LEVEL * saliency.std())
    x, y, w, h = _best_window(saliency - level)
    window = np.zeros(saliency.shape, np.uint8)
    window[y : y + h, x : x + w] = 1
    if window.all() or window.mean() < 0.005:
        return None, 0.0
    inside = window > 0
    # On the raw maps, whose ratios mean something: how much more salient the window is.
    ratio = RESIDUAL_WEIGHT * _ratio(residual, inside) + _ratio(contrast, inside)
    ratio /= RESIDUAL_WEIGHT + 1
    confidence = min(1.0, max(0.0, (ratio - RATIO_NONE) / (RATIO_SURE - RATIO_NONE)))
    rim = np.zeros_like(window)
    pad_x, pad_y = max(1, w // 20), max(1, h // 20)
    rim[max(0, y - pad_y) : y + h + pad_y, max(0, x - pad_x) : x + w + pad_x] = 1
    state = np.where(rim > 0, cv2.GC_PR_BGD, cv2.GC_BGD).astype(np.uint8)
    state[inside & (saliency > level)] = cv2.GC_PR_FGD
    size = (work.shape[1], work.shape[0])
    state = np.asarray(cv2.resize(state, size, interpolation=cv2.INTER_NEAREST), np.uint8)
    seed = np.asarray(cv2.resize(window, size, interpolation=cv2.INTER_NEAREST), np.uint8)
    if min(size) < 16 or (state != cv2.GC_BGD).all() or (state != cv2.GC_PR_FGD).all():
        return seed, confidence
    models = (np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64))
    cv2.grabCut(work, state, (0, 0, 0, 0), *models, 3, cv2.GC_INIT_WITH_MASK)
    product = ((state == cv2.GC_FGD) | (state == cv2.GC_PR_FGD)).astype(np.uint8)
    refined = _select_groups(_clean(product))
    return (refined if refined is not None else seed), confidence
