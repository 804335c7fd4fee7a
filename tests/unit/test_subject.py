"""Finding the product and splitting it from its background, on synthetic but realistic product
photos drawn here: a shaded bottle or box with a label and small text, a soft cast shadow,
a gradient backdrop with grain; plus dark-on-white, white-on-grey, a cut-out with alpha, a
busy lifestyle scene, and noise with no product at all."""

from __future__ import annotations

import colorsys
import functools
import time
from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

from video_studio.layers import separate_layers, subject_mask
from video_studio.subject import CENTER_BOX, SubjectBox, find_subject

U8 = NDArray[np.uint8]
F32 = NDArray[np.float32]
Colour = tuple[float, float, float]
Box = tuple[int, int, int, int]  # x, y, w, h in pixels


@dataclass(frozen=True)
class Photo:
    image: U8
    clean: U8  # the same backdrop and grain, without the product or its shadow
    mask: NDArray[np.bool_]  # where the product is
    box: Box


@dataclass(frozen=True)
class Product:
    cx: float  # centre, fraction of the width
    bottom: float  # fraction of the height
    width: float  # fraction of the width
    height: float  # fraction of the height
    colour: Colour
    shape: str  # "bottle" or "box"


def _gradient(height: int, width: int, top: Colour, bottom: Colour) -> F32:
    t = np.linspace(0.0, 1.0, height, dtype=np.float32)[:, None, None]
    column = np.array(top, np.float32) * (1 - t) + np.array(bottom, np.float32) * t
    return np.broadcast_to(column, (height, width, 3)).copy()


def _outline(product: Product, height: int, width: int) -> tuple[U8, U8]:
    """Coverage of the product (a bottle with its cap on a small gap, or a box in slight
    perspective) and, for a box, its lit top (1) and shaded side (2)."""
    pw, ph = product.width * width, product.height * height
    x0, x1 = round(product.cx * width - pw / 2), round(product.cx * width + pw / 2)
    y1 = round(product.bottom * height)
    y0 = round(y1 - ph)
    cover, faces = np.zeros((height, width), np.uint8), np.zeros((height, width), np.uint8)
    if product.shape == "bottle":
        shoulder, cx, neck = y0 + round(0.3 * ph), (x0 + x1) // 2, round(0.18 * pw)
        cv2.rectangle(cover, (x0, shoulder), (x1, y1), 1, cv2.FILLED)
        half = ((x1 - x0) // 2, round(0.1 * ph))
        cv2.ellipse(cover, (cx, shoulder), half, 0, 180, 360, 1, cv2.FILLED)
        cv2.rectangle(cover, (cx - neck, y0 + round(0.1 * ph)), (cx + neck, shoulder), 1, -1)
        cap_bottom = y0 + round(0.1 * ph) - max(2, round(0.01 * ph))
        cv2.rectangle(cover, (cx - neck - 2, y0), (cx + neck + 2, cap_bottom), 1, cv2.FILLED)
    else:
        d = round(0.12 * pw)
        top = np.array([[x0, y0 + d], [x0 + d, y0], [x1, y0], [x1 - d, y0 + d]], np.int32)
        side = np.array([[x1 - d, y0 + d], [x1, y0], [x1, y1 - d], [x1 - d, y1]], np.int32)
        cv2.rectangle(cover, (x0, y0 + d), (x1 - d, y1), 1, cv2.FILLED)
        cv2.fillPoly(cover, [top, side], 1)
        cv2.fillPoly(faces, [top], 1)
        cv2.fillPoly(faces, [side], 2)
    return cover, faces


def _product_layer(product: Product, height: int, width: int, label: Colour) -> tuple[F32, F32]:
    """The product's colours (cylinder shading, a label with small text) and its
    anti-aliased coverage."""
    cover, faces = _outline(product, height, width)
    ys, xs = np.nonzero(cover)
    pw = xs.max() - xs.min() + 1
    across = (np.arange(width) - product.cx * width) / (pw / 2)
    shade = (0.6 + 0.4 * np.cos(np.clip(across, -1, 1) * np.pi / 2.2) ** 2).astype(np.float32)
    colours = np.array(product.colour, np.float32)[None, None, :] * shade[None, :, None]
    colours = np.broadcast_to(colours, (height, width, 3)).copy()
    colours[faces == 1] = np.minimum(colours[faces == 1] * 1.25, 255)
    colours[faces == 2] *= 0.7
    ph = ys.max() - ys.min() + 1
    ly0, ly1 = ys.min() + round(0.5 * ph), ys.min() + round(0.8 * ph)
    lx0, lx1 = xs.min() + round(0.08 * pw), xs.max() - round(0.2 * pw)
    colours[ly0:ly1, lx0:lx1] = label
    letters = np.zeros((height, width), np.uint8)  # putText draws on 8-bit images only
    scale = max(0.3, pw / 400)
    where = (lx0 + 4, (ly0 + ly1) // 2)
    cv2.putText(letters, "BRAND 250ml", where, cv2.FONT_HERSHEY_SIMPLEX, scale, 255, 2)
    colours[letters > 0] = (40.0, 40.0, 60.0) if sum(label) < 720 else (160.0, 160.0, 168.0)
    return colours, _blur(cover.astype(np.float32), 0.8)


def _u8(values: F32) -> U8:
    return np.asarray(np.clip(values + 0.5, 0, 255), np.uint8)


def _blur(values: F32, sigma: float) -> F32:
    return np.asarray(cv2.GaussianBlur(values, (0, 0), sigma), np.float32)


def _photo(image: F32, clean: F32, cover: F32) -> Photo:
    mask = cover > 0.5
    ys, xs = np.nonzero(mask)
    box = (int(xs.min()), int(ys.min()), int(np.ptp(xs)) + 1, int(np.ptp(ys)) + 1)
    return Photo(_u8(image), _u8(clean), mask, box)


def render(
    product: Product,
    seed: int,
    size: tuple[int, int] = (1200, 1600),
    backdrop: tuple[Colour, Colour] = ((244, 244, 248), (214, 216, 224)),
    label: Colour = (246, 242, 230),
    shadow: float = 0.3,
    beside: Product | None = None,
) -> Photo:
    """A studio shot: gradient backdrop, grain, soft contact shadows, the product (and a
    second piece `beside` it, part of the same shot)."""
    height, width = size
    noise = 3 * np.random.default_rng(seed).standard_normal((height, width, 3), np.float32)
    backdrop_rgb = _gradient(height, width, *backdrop)
    image, total = backdrop_rgb.copy(), np.zeros((height, width), np.float32)
    for piece in (product,) if beside is None else (product, beside):
        colours, cover = _product_layer(piece, height, width, label)
        # The shadow is drawn and blurred at a quarter of the size: it is soft anyway.
        darkening = np.zeros((height // 4, width // 4), np.float32)
        pw, ph = piece.width * width / 4, piece.height * height / 4
        centre = (round(piece.cx * width / 4 + 0.1 * pw), round(piece.bottom * height / 4))
        axes = (round(0.6 * pw), max(1, round(0.04 * ph)))
        cv2.ellipse(darkening, centre, axes, 0, 0, 360, 1, cv2.FILLED)
        darkening = _blur(darkening, max(1.0, 0.08 * pw))
        darkening = np.asarray(cv2.resize(darkening, (width, height)), np.float32)
        image *= (1 - shadow * darkening * (1 - total))[..., None]
        image = image * (1 - cover[..., None]) + colours * cover[..., None]
        total = np.maximum(total, cover)
    return _photo(image + noise, backdrop_rgb + noise, total)


def lifestyle(seed: int, product: Product, size: tuple[int, int] = (1200, 1600)) -> Photo:
    """A room in muted colours (a wall with frames and shelves, a plant, a wooden table) and
    the product on the table in a vivid colour."""
    height, width = size
    rng = np.random.default_rng(seed)
    scene = _gradient(height, width, (188, 176, 160), (170, 160, 146))
    muted = [(120, 100, 80), (90, 110, 90), (150, 140, 130), (70, 70, 75), (200, 190, 170)]
    for _ in range(14):
        x, y = int(rng.integers(0, width)), int(rng.integers(0, height * 2 // 3))
        w, h = (
            int(rng.integers(width // 20, width // 4)),
            int(rng.integers(height // 20, height // 4)),
        )
        colour = tuple(float(c) for c in muted[int(rng.integers(len(muted)))])
        cv2.rectangle(scene, (x, y), (x + w, y + h), colour, cv2.FILLED)
        cv2.rectangle(scene, (x, y), (x + w, y + h), (60.0, 50.0, 40.0), max(2, width // 300))
    for _ in range(40):
        leaf = (int(rng.integers(0, width // 5)), int(rng.integers(height // 4, height * 2 // 3)))
        angle = float(rng.uniform(0, 180))
        cv2.ellipse(scene, leaf, (width // 40, height // 90), angle, 0, 360, (70, 95, 60), -1)
    table = round(0.62 * height)
    wood = 12 * np.sin(np.arange(width) / 9.0 + rng.uniform(0, 6))[None, :, None]
    scene[table:] = np.array([140.0, 100.0, 70.0], np.float32) + wood
    colours, cover = _product_layer(product, height, width, (250, 250, 250))
    image = scene * (1 - cover[..., None]) + colours * cover[..., None]
    return _photo(image + 4 * rng.standard_normal((height, width, 3), np.float32), scene, cover)


def _hsv(hue: float, saturation: float, value: float) -> Colour:
    r, g, b = colorsys.hsv_to_rgb(hue, saturation, value)
    return (255 * r, 255 * g, 255 * b)


def box_iou(found: SubjectBox, truth: Box, size: tuple[int, int]) -> float:
    height, width = size
    tx, ty = truth[0] / width, truth[1] / height
    tw, th = truth[2] / width, truth[3] / height
    ix = max(0.0, min(found.x + found.w, tx + tw) - max(found.x, tx))
    iy = max(0.0, min(found.y + found.h, ty + th) - max(found.y, ty))
    return ix * iy / (found.w * found.h + tw * th - ix * iy)


def contains(found: SubjectBox, truth: Box, size: tuple[int, int], slack: float = 0.003) -> bool:
    height, width = size
    return (
        found.x <= truth[0] / width + slack
        and found.y <= truth[1] / height + slack
        and found.x + found.w >= (truth[0] + truth[2]) / width - slack
        and found.y + found.h >= (truth[1] + truth[3]) / height - slack
    )


def mask_iou(a: NDArray[np.bool_], b: NDArray[np.bool_]) -> float:
    return float((a & b).sum() / max(1, (a | b).sum()))


vivid = st.builds(_hsv, st.floats(0, 1), st.floats(0.65, 1.0), st.floats(0.45, 0.85))
dark = st.builds(_hsv, st.floats(0, 1), st.floats(0, 0.4), st.floats(0.08, 0.25))


@st.composite
def products(draw: st.DrawFn, colour: st.SearchStrategy[Colour] = vivid) -> Product:
    """Anywhere in the frame (clear of the edges), small to large, a bottle or a box."""
    width, height = draw(st.floats(0.12, 0.4)), draw(st.floats(0.3, 0.75))
    cx = draw(st.floats(0.06 + width / 2, 0.94 - width / 2))
    bottom = draw(st.floats(0.06 + height, 0.9))
    return Product(
        cx, bottom, width, height, draw(colour), draw(st.sampled_from(["bottle", "box"]))
    )


seeds = st.integers(0, 2**16)
STUDIO = Product(0.45, 0.85, 0.3, 0.6, (30.0, 90.0, 210.0), "bottle")


@settings(max_examples=12, deadline=None)
@given(product=products(), seed=seeds)
def test_finds_a_product_on_a_gradient_backdrop(product: Product, seed: int) -> None:
    photo = render(product, seed)
    found = find_subject(photo.image)
    assert found.method == "background"
    assert found.confidence >= 0.5
    assert box_iou(found, photo.box, photo.mask.shape) >= 0.8
    assert contains(found, photo.box, photo.mask.shape)  # the auto move never cuts it off


@settings(max_examples=8, deadline=None)
@given(product=products(dark), seed=seeds)
def test_finds_a_dark_product_on_white(product: Product, seed: int) -> None:
    photo = render(product, seed, backdrop=((250, 250, 250), (245, 245, 245)))
    found = find_subject(photo.image)
    assert box_iou(found, photo.box, photo.mask.shape) >= 0.8
    assert contains(found, photo.box, photo.mask.shape)


@settings(max_examples=8, deadline=None)
@given(product=products(st.just((250.0, 250.0, 250.0))), seed=seeds)
def test_finds_a_white_product_on_light_grey(product: Product, seed: int) -> None:
    backdrop = ((226.0, 226.0, 228.0), (214.0, 214.0, 218.0))
    photo = render(product, seed, backdrop=backdrop, label=(240, 240, 236), shadow=0.15)
    found = find_subject(photo.image)
    assert found.method == "background"
    assert box_iou(found, photo.box, photo.mask.shape) >= 0.6


@settings(max_examples=6, deadline=None)
@given(product=products(st.just((205.0, 205.0, 208.0))), seed=seeds)
def test_a_grey_product_is_not_taken_for_its_own_shadow(product: Product, seed: int) -> None:
    photo = render(product, seed, backdrop=((250, 250, 250), (244, 244, 246)))
    found = find_subject(photo.image)
    assert contains(found, photo.box, photo.mask.shape)
    assert box_iou(found, photo.box, photo.mask.shape) >= 0.6  # low contrast, like white on grey
    alpha = separate_layers(photo.image).foreground[..., 3]
    assert mask_iou(alpha > 127, photo.mask) >= 0.8


def test_a_product_in_two_pieces_is_framed_whole() -> None:
    """A bottle with its cap set down beside it: the box holds both, as the auto move must
    not cut either off; a lone speck of dust far away does not count."""
    cap = Product(0.66, 0.85, 0.05, 0.12, (230.0, 190.0, 40.0), "box")
    photo = render(Product(0.5, 0.85, 0.2, 0.6, (30.0, 90.0, 210.0), "bottle"), 8, beside=cap)
    image = photo.image.copy()
    cv2.circle(image, (60, 1100), 3, (40, 40, 40), cv2.FILLED)
    found = find_subject(image)
    assert contains(found, photo.box, photo.mask.shape)
    assert box_iou(found, photo.box, photo.mask.shape) >= 0.8


def test_a_cut_out_is_framed_by_its_own_alpha() -> None:
    photo = render(STUDIO, 3)
    cover = _outline(STUDIO, *photo.mask.shape)[0].astype(np.float32)
    alpha = _u8(255 * _blur(cover, 1.0))
    cut_out = np.dstack([photo.image, alpha])
    cut_out[..., :3][alpha == 0] = 0  # cut-outs often hold black where they are transparent
    solid_ys, solid_xs = np.nonzero(alpha > 127)
    height, width = alpha.shape
    tight = find_subject(cut_out, margin=0.0)
    assert tight.method == "alpha"
    assert abs(tight.x * width - solid_xs.min()) <= 2
    assert abs(tight.y * height - solid_ys.min()) <= 2
    assert abs((tight.x + tight.w) * width - (solid_xs.max() + 1)) <= 2
    assert abs((tight.y + tight.h) * height - (solid_ys.max() + 1)) <= 2
    framed = find_subject(cut_out)
    assert framed.w > tight.w and framed.h > tight.h and framed.x < tight.x


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_finds_a_vivid_product_in_a_busy_room(seed: int) -> None:
    hue = [0.6, 0.9, 0.0, 0.5][seed]
    product = Product(
        0.3 + 0.13 * seed, 0.8 + 0.03 * seed, 0.22, 0.5, _hsv(hue, 0.9, 0.8), "bottle"
    )
    photo = lifestyle(seed, product)
    found = find_subject(photo.image)
    assert found.method == "saliency"
    assert found.confidence >= 0.5
    assert box_iou(found, photo.box, photo.mask.shape) >= 0.6


@functools.cache
def _noise_images() -> dict[str, U8]:
    rng = np.random.default_rng(7)
    grey = 128 + 25 * rng.standard_normal((900, 1200, 3), np.float32)
    return {
        "grain on grey": _u8(grey),
        "uniform noise": rng.integers(0, 256, (900, 1200, 3), dtype=np.uint8),
        "empty backdrop": render(STUDIO, 1).clean,
    }


@pytest.mark.parametrize("name", list(_noise_images()))
def test_nothing_standing_out_gives_the_centre_with_low_confidence(name: str) -> None:
    found = find_subject(_noise_images()[name])
    assert found.method == "center"
    assert found.confidence < 0.3
    assert (found.x, found.y, found.w, found.h) == pytest.approx(CENTER_BOX)
    assert not subject_mask(_noise_images()[name]).any()


@settings(max_examples=6, deadline=None)
@given(product=products(), seed=seeds)
def test_layers_split_product_and_refill_the_backdrop(product: Product, seed: int) -> None:
    photo = render(product, seed)
    split = separate_layers(photo.image)
    alpha = split.foreground[..., 3]
    assert mask_iou(alpha > 127, photo.mask) >= 0.85
    assert np.array_equal(split.foreground[..., :3], photo.image)  # straight alpha
    edge = cv2.morphologyEx(photo.mask.astype(np.uint8), cv2.MORPH_GRADIENT, np.ones((5, 5)))
    soft = (alpha > 0) & (alpha < 255)
    assert soft[edge > 0].mean() > 0.5  # anti-aliased all round, not a hard cut
    hole = photo.mask
    difference = np.abs(split.background.astype(int) - photo.clean.astype(int))
    assert difference[hole].mean() < 12  # the backdrop as it would be without the product
    reach = round(0.04 * max(hole.shape))
    untouched = cv2.dilate(hole.astype(np.uint8), np.ones((2 * reach + 1,) * 2, np.uint8)) == 0
    assert np.array_equal(split.background[untouched], photo.image[untouched])
    assert split.subject == find_subject(photo.image)


def test_layers_of_a_cut_out_keep_its_alpha() -> None:
    photo = render(STUDIO, 5)
    alpha = _u8(255 * _blur(photo.mask.astype(np.float32), 1.5))
    cut_out = np.dstack([photo.image, alpha])
    split = separate_layers(cut_out)
    assert np.array_equal(split.foreground, cut_out)
    inside = photo.mask
    difference = np.abs(split.background.astype(int) - photo.clean.astype(int))
    assert difference[inside].mean() < 12
    assert split.subject.method == "alpha"


def test_subject_mask_is_soft_and_covers_the_product() -> None:
    photo = render(STUDIO, 2)
    mask = subject_mask(photo.image)
    assert mask.dtype == np.float32 and mask.shape == photo.mask.shape
    assert mask.min() >= 0.0 and mask.max() <= 1.0
    core = cv2.erode(photo.mask.astype(np.uint8), np.ones((15, 15), np.uint8)) > 0
    away = cv2.dilate(photo.mask.astype(np.uint8), np.ones((31, 31), np.uint8)) == 0
    assert mask[core].mean() > 0.98
    assert mask[away].mean() < 0.01


def test_twelve_megapixels_stay_well_under_the_time_bound() -> None:
    small = render(STUDIO, 4).image
    large = np.asarray(cv2.resize(small, (4000, 3000), interpolation=cv2.INTER_LINEAR), np.uint8)
    scene = lifestyle(0, STUDIO).image
    scene_large = np.asarray(cv2.resize(scene, (4000, 3000)), np.uint8)
    steps: tuple[Callable[[U8], object], ...] = (find_subject, subject_mask, separate_layers)
    for image in (large, scene_large):
        for step in steps:
            started = time.perf_counter()
            step(image)
            assert time.perf_counter() - started < 2.0, step.__name__


@pytest.mark.parametrize(
    ("name", "size"), [("very wide", (500, 4000)), ("tiny", (30, 40)), ("greyscale", (1200, 1600))]
)
def test_unusual_shapes_work(name: str, size: tuple[int, int]) -> None:
    product = Product(0.5, 0.85, 0.1 if name == "very wide" else 0.3, 0.6, (200, 40, 60), "box")
    photo = render(product, 6, size=size if name != "tiny" else (1200, 1600))
    image = photo.image
    if name == "tiny":
        image = np.asarray(cv2.resize(image, (40, 30), interpolation=cv2.INTER_AREA))
    if name == "greyscale":
        image = np.repeat(cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)[..., None], 3, axis=2)
    found = find_subject(image)
    split = separate_layers(image)
    assert split.foreground.shape == (*image.shape[:2], 4)
    assert split.background.shape == image.shape
    assert subject_mask(image).shape == image.shape[:2]
    assert box_iou(found, photo.box, photo.mask.shape) >= 0.7


@pytest.mark.parametrize(
    "image",
    [
        np.zeros((10, 10), np.uint8),
        np.zeros((10, 10, 3), np.float32),
        np.zeros((10, 10, 2), np.uint8),
    ],
)
def test_rejects_what_is_not_an_rgb_or_rgba_photo(image: NDArray[np.generic]) -> None:
    with pytest.raises(ValueError, match="uint8 RGB or RGBA"):
        find_subject(image)  # type: ignore[arg-type]
