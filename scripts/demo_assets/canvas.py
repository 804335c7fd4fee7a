"""Shared drawing: colours, masks, blur, noise and grain, text, saving, and layers (RGBA tiles
drawn supersampled and placed on a canvas)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import cv2
import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw, ImageFont

F32 = NDArray[np.float32]
F64 = NDArray[np.float64]
U8 = NDArray[np.uint8]
Box = tuple[float, float, float, float]  # x, y, w, h as fractions of the image
Vec3 = tuple[F32, F32, F32]
Photo = tuple[F32, Box]  # an image and its product's box

SS: Final = 2  # supersampling factor for everything with a hard edge
SEED: Final = 20240611
JPEG_QUALITY: Final = 90
DEJAVU: Final = Path("/usr/share/fonts/truetype/dejavu")
NOTO: Final = Path("/usr/share/fonts/opentype/noto")
SERIF: Final = "NotoSerifCJK-Regular.ttc"
SANS: Final = "NotoSansCJK-Regular.ttc"


# --------------------------------------------------------------------------------------------
# Numbers and colours


def f32(value: object) -> F32:
    return np.asarray(value, dtype=np.float32)


def smoothstep(edge0: float, edge1: float, x: F32) -> F32:
    t = np.clip((x - edge0) / (edge1 - edge0), 0.0, 1.0)
    return f32(t * t * (3.0 - 2.0 * t))


def mix(a: F32, b: F32, t: F32 | float) -> F32:
    """a where t is 0, b where t is 1; a 2-D t applies to every colour channel."""
    if isinstance(t, np.ndarray) and t.ndim == 2:
        t = t[..., None]
    return f32(a + (b - a) * t)


def rgb(hex_colour: str) -> F32:
    """A colour as three floats 0..1 from '#rrggbb'."""
    value = hex_colour.lstrip("#")
    return f32([int(value[i : i + 2], 16) / 255.0 for i in (0, 2, 4)])


def rgb8(colour: F32) -> tuple[int, int, int]:
    r, g, b = (round(float(c) * 255) for c in colour)
    return (r, g, b)


# --------------------------------------------------------------------------------------------
# Masks, blur and shadows


def blur(image: F32, sigma: float) -> F32:
    """Gaussian blur; large sigmas run on a downscaled copy (same look, a fraction of the time)."""
    if sigma <= 0:
        return image
    factor = max(1, int(sigma // 6))
    if factor == 1:
        return f32(cv2.GaussianBlur(image, (0, 0), sigma))
    height, width = image.shape[:2]
    small = cv2.resize(
        image, (max(1, width // factor), max(1, height // factor)), interpolation=cv2.INTER_AREA
    )
    small = cv2.GaussianBlur(small, (0, 0), sigma / factor)
    return f32(cv2.resize(small, (width, height), interpolation=cv2.INTER_LINEAR))


def drop_shadow(mask: F32, sigma: float, dx: float, dy: float) -> F32:
    """`mask` blurred by `sigma` and moved by (dx, dy) rounded to whole pixels, wrapping round."""
    soft = blur(mask, sigma)
    return f32(np.roll(np.roll(soft, round(dy), 0), round(dx), 1))


def pixel_grid(
    width: int, height: int, box: tuple[int, int, int, int] | None = None, scale: int = 1
) -> tuple[F32, F32]:
    """Sample-centre coordinates (x, y) in image pixels of `box` (x0, y0, x1, y1), `scale`
    samples per pixel each way. Without a box, the whole image."""
    x0, y0, x1, y1 = box if box is not None else (0, 0, width, height)
    xs = f32(x0 + (np.arange((x1 - x0) * scale) + 0.5) / scale)
    ys = f32(y0 + (np.arange((y1 - y0) * scale) + 0.5) / scale)
    gx, gy = np.meshgrid(xs, ys)
    return f32(gx), f32(gy)


def ellipse_mask(
    size: tuple[int, int], centre: tuple[float, float], radii: tuple[float, float], sigma: float
) -> F32:
    """A filled ellipse (1 inside) on an image of `size` (w, h), blurred by `sigma` pixels."""
    width, height = size
    factor = max(1, min(8, int(sigma // 4)))
    canvas = np.zeros((max(1, height // factor), max(1, width // factor)), np.uint8)
    cv2.ellipse(
        canvas,
        (round(centre[0] / factor * 16), round(centre[1] / factor * 16)),
        (max(1, round(radii[0] / factor * 16)), max(1, round(radii[1] / factor * 16))),
        0,
        0,
        360,
        255,
        -1,
        cv2.LINE_AA,
        4,
    )
    mask = canvas.astype(np.float32) / 255.0
    if sigma > 0:
        mask = f32(cv2.GaussianBlur(mask, (0, 0), max(0.5, sigma / factor)))
    return f32(cv2.resize(mask, (width, height), interpolation=cv2.INTER_LINEAR))


def fill_polygon(mask: U8, points: list[tuple[float, float]] | F64, value: int = 255) -> None:
    """Fill an anti-aliased polygon (points in mask pixels) into a uint8 mask, in place."""
    cv2.fillPoly(mask, [np.rint(np.array(points) * 16).astype(np.int32)], value, cv2.LINE_AA, 4)


def polygon_mask(size: tuple[int, int], points: F64, sigma: float) -> F32:
    """A filled polygon (1 inside) on an image of `size` (w, h), blurred by `sigma` pixels."""
    mask = np.zeros((size[1], size[0]), np.uint8)
    fill_polygon(mask, points)
    return blur(unit(mask), sigma)


def disc(r: F32, radius: float, per_unit: float) -> F32:
    """1 where the distance `r` is inside `radius`, with a one-sample anti-aliased edge
    (`per_unit` samples per unit of r)."""
    return smoothstep(radius + 0.5 / per_unit, radius - 0.5 / per_unit, r)


def darken(canvas: F32, mask: F32, strength: float) -> F32:
    """Multiply a shadow in: `strength` of darkening where `mask` is 1."""
    return f32(canvas * (1.0 - strength * mask[..., None]))


def add_light(canvas: F32, mask: F32, colour: F32, strength: float) -> F32:
    return f32(canvas + strength * mask[..., None] * colour)


# --------------------------------------------------------------------------------------------
# Noise and grain


def value_noise(shape: tuple[int, int], cell: tuple[float, float], rng: np.random.Generator) -> F32:
    """Smooth noise of about unit spread with features about `cell` (cy, cx) pixels across."""
    height, width = shape
    small = rng.standard_normal(
        (max(2, round(height / cell[0]) + 2), max(2, round(width / cell[1]) + 2))
    ).astype(np.float32)
    return f32(cv2.resize(small, (width, height), interpolation=cv2.INTER_CUBIC))


def soft_noise(shape: tuple[int, int], sigma: float, rng: np.random.Generator) -> F32:
    """White noise of unit spread, blurred by `sigma` pixels."""
    return blur(f32(rng.standard_normal(shape)), sigma)


def grain(canvas: F32, rng: np.random.Generator, amount: float) -> F32:
    """Fine, slightly soft luminance grain plus a touch of chroma noise (amount in 0..1 units)."""
    height, width = canvas.shape[:2]
    luma = rng.standard_normal((height, width), dtype=np.float32)
    luma = cv2.GaussianBlur(luma, (0, 0), 0.6) * 1.6
    chroma = rng.standard_normal((height // 4 + 1, width // 4 + 1, 3), dtype=np.float32)
    chroma = cv2.resize(chroma, (width, height), interpolation=cv2.INTER_LINEAR) * 0.25
    # Grain is a little stronger in the mid tones, like film.
    lum = canvas.mean(axis=2, keepdims=True)
    weight = 0.6 + 1.6 * lum * (1.0 - lum)
    return f32(canvas + amount * weight * (luma[..., None] + chroma))


# --------------------------------------------------------------------------------------------
# Pixels in and out


def unit(image: Image.Image | U8) -> F32:
    """A Pillow image or uint8 array as floats 0..1."""
    return f32(np.asarray(image, np.float32) / 255.0)


def to_u8(image: F32) -> U8:
    return np.asarray(np.clip(image * 255.0 + 0.5, 0, 255), np.uint8)


def save_jpeg(path: Path, image: F32) -> None:
    Image.fromarray(to_u8(image), "RGB").save(
        path, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True, subsampling=2
    )


def save_png(path: Path, image: F32) -> None:
    mode = "RGBA" if image.shape[2] == 4 else "RGB"
    Image.fromarray(to_u8(image), mode).save(path, "PNG", optimize=True)


# --------------------------------------------------------------------------------------------
# Text


def font(name: str, size: int) -> ImageFont.FreeTypeFont:
    path = NOTO / name if name.endswith(".ttc") else DEJAVU / name
    return ImageFont.truetype(str(path), size)


def track_text(
    draw: ImageDraw.ImageDraw,
    centre: tuple[float, float],
    text: str,
    face: ImageFont.FreeTypeFont,
    *,
    tracking: float,
    fill: tuple[int, ...] | int,
) -> None:
    """Draw `text` centred at `centre` with extra letter spacing (`tracking`, in em)."""
    advances = [face.getlength(ch) for ch in text]
    extra = tracking * face.size
    x = centre[0] - (sum(advances) + extra * (len(text) - 1)) / 2
    for ch, advance in zip(text, advances, strict=True):
        draw.text((x, centre[1]), ch, font=face, fill=fill, anchor="lm")
        x += advance + extra


# --------------------------------------------------------------------------------------------
# Layers: premultiplied RGBA tiles drawn at SS x and placed on a canvas


@dataclass
class Layer:
    """A premultiplied RGBA tile at 1x, its top-left corner at (x0, y0) of the canvas."""

    rgb: F32  # premultiplied
    alpha: F32
    x0: int
    y0: int

    @staticmethod
    def from_supersampled(colour: F32, alpha: F32, origin: tuple[int, int], scale: int) -> Layer:
        """From straight `colour` and `alpha` drawn at `scale` x, reduced to 1x."""
        return Layer.from_premultiplied(colour * alpha[..., None], alpha, origin, scale)

    @staticmethod
    def from_premultiplied(premul: F32, alpha: F32, origin: tuple[int, int], scale: int) -> Layer:
        size = (alpha.shape[1] // scale, alpha.shape[0] // scale)
        small_rgb = cv2.resize(premul, size, interpolation=cv2.INTER_AREA)
        small_a = cv2.resize(alpha, size, interpolation=cv2.INTER_AREA)
        return Layer(f32(small_rgb), f32(small_a), origin[0], origin[1])

    def over(self, canvas: F32) -> F32:
        out = canvas.copy()
        height, width = self.alpha.shape
        region = out[self.y0 : self.y0 + height, self.x0 : self.x0 + width]
        region[...] = self.rgb + region * (1.0 - self.alpha[..., None])
        return out

    def _on_canvas(self, tile: F32, width: int, height: int) -> F32:
        """`tile` (the layer's size) placed on a width x height canvas of zeros."""
        full = np.zeros((height, width, *tile.shape[2:]), np.float32)
        h, w = self.alpha.shape
        full[self.y0 : self.y0 + h, self.x0 : self.x0 + w] = tile
        return full

    def full_alpha(self, width: int, height: int) -> F32:
        return self._on_canvas(self.alpha, width, height)

    def full_colour(self, width: int, height: int) -> F32:
        """The straight (not premultiplied) colour on a width x height canvas, black outside."""
        straight = f32(self.rgb / np.maximum(self.alpha, 1e-4)[..., None])
        return self._on_canvas(straight, width, height)

    def box(self, width: int, height: int) -> Box:
        """The opaque part's bounds as fractions of a width x height image."""
        ys, xs = np.nonzero(self.alpha > 0.5)
        return (
            (self.x0 + int(xs.min())) / width,
            (self.y0 + int(ys.min())) / height,
            (int(xs.max()) - int(xs.min()) + 1) / width,
            (int(ys.max()) - int(ys.min()) + 1) / height,
        )


def place_rotated(
    colour: F32,
    alpha: F32,
    *,
    angle: float,
    centre: tuple[float, float],
    canvas_size: tuple[int, int],
    scale: int,
) -> Layer:
    """Rotate a supersampled tile about its centre by `angle` degrees (counter-clockwise) and
    place its centre at `centre` (image pixels), as a layer."""
    width, height = canvas_size
    tile_h, tile_w = alpha.shape
    ca, sa = abs(math.cos(math.radians(angle))), abs(math.sin(math.radians(angle)))
    reach_x = (tile_w * ca + tile_h * sa) / scale / 2
    reach_y = (tile_w * sa + tile_h * ca) / scale / 2
    x0, y0 = max(0, math.floor(centre[0] - reach_x)), max(0, math.floor(centre[1] - reach_y))
    x1 = min(width, math.ceil(centre[0] + reach_x))
    y1 = min(height, math.ceil(centre[1] + reach_y))
    matrix = cv2.getRotationMatrix2D((tile_w / 2, tile_h / 2), angle, 1.0)
    matrix[0, 2] += (centre[0] - x0) * scale - tile_w / 2
    matrix[1, 2] += (centre[1] - y0) * scale - tile_h / 2
    size = ((x1 - x0) * scale, (y1 - y0) * scale)
    turned_c = cv2.warpAffine(colour * alpha[..., None], matrix, size, flags=cv2.INTER_LINEAR)
    turned_a = cv2.warpAffine(alpha, matrix, size, flags=cv2.INTER_LINEAR)
    return Layer.from_premultiplied(f32(turned_c), f32(turned_a), (x0, y0), scale)
