"""The ceramic mug: speckled cream glaze over a bare stoneware foot."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

import cv2
import numpy as np

from .canvas import (
    F32,
    SEED,
    SS,
    Layer,
    Photo,
    Vec3,
    darken,
    disc,
    ellipse_mask,
    f32,
    grain,
    mix,
    pixel_grid,
    rgb,
    smoothstep,
    unit,
)
from .lathe import LatheHit, Profile, lathe, rounded_profile
from .studio import (
    Backdrop,
    Footprint,
    camera_view,
    contact_shadow,
    environment,
    lambert,
    reflect,
    studio_backdrop,
)

GLAZE: Final = rgb("#ece5d6")
CLAY: Final = rgb("#a9876d")
IRON: Final = rgb("#5b4636")
MUG_KEY: Final = (-0.6, -0.5, 0.62)  # the key light as the glaze sees it


def speckles(width: int, height: int, rng: np.random.Generator, count: int) -> F32:
    """A map of small dark iron speckles (1 = speckle) for the glaze."""
    canvas = np.zeros((height, width), np.uint8)
    xs, ys = rng.uniform(0, width, count), rng.uniform(0, height, count)
    sizes = rng.gamma(1.3, 0.7, count) + 0.5
    for x, y, r in zip(xs, ys, sizes, strict=True):
        centre = (round(float(x) * 4), round(float(y) * 4))
        cv2.circle(canvas, centre, max(1, round(float(r) * 4)), 255, -1, cv2.LINE_AA, 2)
    return f32(cv2.GaussianBlur(unit(canvas), (0, 0), 0.6))


def glaze_shade(normal: Vec3, base: F32, *, gloss: float, tilt: float) -> F32:
    """Glossy ceramic: soft wrapped diffuse light and sharp reflections of the boxes."""
    nx, ny, nz = normal
    kx, ky, kz = MUG_KEY
    wrap = np.clip(((nx * kx + ny * ky + nz * kz) / 0.99 + 0.35) / 1.35, 0, 1)
    env = environment(reflect(normal, camera_view(tilt)), spread=0.8)
    fresnel = 0.04 + 0.96 * (1 - np.clip(nz, 0, 1)) ** 5
    colour = base * (0.30 + 0.78 * wrap)[..., None]
    return f32(colour + (gloss * env * (0.35 + 0.65 * fresnel))[..., None])


@dataclass(frozen=True)
class MugGeometry:
    cx: float
    base: float
    height: float
    radius: float
    tilt: float

    @property
    def top(self) -> float:
        return self.base - self.height - self.tilt * self.radius * 0.9

    @property
    def foot(self) -> Footprint:
        return Footprint(self.cx, self.base, self.radius, self.tilt)

    @property
    def handle_width(self) -> float:
        return 0.085 * self.height

    def bounds(self) -> tuple[int, int, int, int]:
        return (
            math.floor(self.cx - self.radius - 6),
            math.floor(self.top - self.tilt * self.radius - 6),
            math.ceil(self.cx + self.radius * 1.75 + self.handle_width),
            math.ceil(self.base + 6),
        )

    def profile(self) -> Profile:
        mh = self.height
        pts = rounded_profile(mh, self.radius, 0.06 * mh, top_corner=0.012 * mh)
        return Profile.through([(h, r * (1.0 - 0.035 * (h / mh) ** 2)) for h, r in pts], 1.0)


def _mug_body(hit: LatheHit, mug: MugGeometry, dots: F32, scale: int) -> F32:
    """Glaze with iron speckles over bare clay below a wavy dipping line."""
    theta = np.arcsin(hit.sin_t)
    tex_w = dots.shape[1]
    u = f32((theta + math.pi / 2) / math.pi * tex_w - 0.5)
    v = f32(hit.h * scale - 0.5)
    speck = f32(cv2.remap(dots, u, v, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT))
    dip = mug.height * (0.80 + 0.018 * np.sin(theta * 3.0 + 0.7) + 0.010 * np.sin(theta * 7 + 2))
    glazed = smoothstep(2.5, -2.5, f32(hit.h - dip))
    # The glaze pools thicker (a touch darker and warmer) just above its edge.
    pooling = np.exp(-(((hit.h - dip + 0.015 * mug.height) / (0.012 * mug.height)) ** 2))
    glaze = mix(GLAZE, IRON, speck * 0.85)
    glaze = mix(glaze, rgb("#d9c9ad"), f32(pooling * 0.6))
    shaded = glaze_shade(hit.normal, glaze, gloss=0.55, tilt=mug.tilt)
    clay = CLAY * (0.94 + 0.12 * speck[..., None])
    clay = clay * (0.35 + 0.7 * lambert(hit.normal, MUG_KEY))[..., None]
    return mix(f32(clay), shaded, glazed)


def _mug_opening(gx: F32, gy: F32, mug: MugGeometry, scale: int) -> tuple[F32, F32]:
    """The rim and the inside seen from above: colour and coverage."""
    wall = 0.055 * mug.radius
    ex, ey = gx - mug.cx, (gy - mug.top) / mug.tilt
    rr = f32(np.sqrt(ex * ex + ey * ey))
    cap = disc(rr, mug.radius, scale)
    inner_r = mug.radius - wall
    opening = disc(rr, inner_r, scale)
    # Inside: the far wall, lit from the front, darker towards the front rim.
    depth_down = np.clip((ey + inner_r) / (2 * inner_r), 0, 1)
    across = ex / inner_r
    inner_light = (0.97 - 0.38 * depth_down**1.5) * (1.0 - 0.15 * across) * 0.95
    inner_light -= smoothstep(0.6, 1.0, f32(depth_down)) * 0.18
    inner = GLAZE * inner_light[..., None]
    inner += (0.25 * np.exp(-(((across + 0.35) / 0.18) ** 2)) * (1 - depth_down))[..., None]
    # Rim: a small torus, brightest along its crest.
    ring_t = np.clip((rr - inner_r) / wall, 0, 1)
    rim_light = 0.80 + 0.35 * np.sin(ring_t * math.pi) - 0.12 * across
    crest = f32(np.exp(-(((ring_t - 0.5) / 0.25) ** 2)) * 0.4)
    rim = mix(GLAZE * rim_light[..., None], rgb("#f6f1e8") * 1.08, crest)
    return mix(rim, f32(inner), opening), cap


def _mug_handle(gx: F32, mug: MugGeometry, dots: F32, scale: int) -> tuple[F32, F32]:
    """A flattened glazed tube on a D-shaped path to the right: colour and coverage."""
    x0, y0 = mug.bounds()[:2]
    hw = mug.handle_width
    path = []
    for i in range(41):
        a = math.radians(-88 + i * 176 / 40)
        px = mug.cx + mug.radius * 0.92 + mug.radius * 0.58 * math.cos(a) ** 0.8
        py = mug.top + 0.46 * mug.height + 0.31 * mug.height * math.sin(a)
        py += 0.03 * mug.height * math.cos(a)
        path.append(((px - x0) * scale * 4, (py - y0) * scale * 4))
    mask = np.zeros(gx.shape, np.uint8)
    polyline = [np.rint(np.array(path)).astype(np.int32)]
    cv2.polylines(mask, polyline, False, 255, round(2 * hw * scale), cv2.LINE_AA, 2)
    solid = (mask > 127).astype(np.uint8)
    dist = cv2.distanceTransform(solid, cv2.DIST_L2, cv2.DIST_MASK_PRECISE).astype(np.float32)
    dist = f32(cv2.GaussianBlur(dist, (0, 0), 1.5 * scale) / scale)
    gdx = cv2.Sobel(dist, cv2.CV_32F, 1, 0, ksize=5)
    gdy = cv2.Sobel(dist, cv2.CV_32F, 0, 1, ksize=5)
    gnorm = np.sqrt(gdx * gdx + gdy * gdy) + 1e-6
    off = np.clip(1.0 - dist / hw, 0, 1)
    nx, ny = -gdx / gnorm * off, -gdy / gnorm * off
    nz = np.sqrt(np.clip(1 - off * off, 0, 1)) * 0.8
    n = np.sqrt(nx**2 + ny**2 + nz**2) + 1e-6
    speck = f32(cv2.resize(dots, (gx.shape[1], gx.shape[0])))
    glaze = mix(GLAZE, IRON, speck * 0.85)
    colour = glaze_shade((f32(nx / n), f32(ny / n), f32(nz / n)), glaze, gloss=0.5, tilt=mug.tilt)
    # In the body's shade where it joins.
    near_body = np.exp(-np.maximum(gx - (mug.cx + mug.radius), 0) / (0.25 * mug.radius))
    return f32(colour * (1 - 0.30 * near_body)[..., None]), unit(mask)


def render_mug(
    mug: MugGeometry, canvas_size: tuple[int, int], rng: np.random.Generator, scale: int = SS
) -> Layer:
    bounds = mug.bounds()
    gx, gy = pixel_grid(*canvas_size, bounds, scale)
    hit = lathe(gx, gy, mug.profile(), cx=mug.cx, top=mug.top, tilt=mug.tilt)
    tex_w, tex_h = round(math.pi * mug.radius * scale), round(mug.height * scale)
    dots = speckles(tex_w, tex_h, rng, int(tex_w * tex_h / 1100))
    body = _mug_body(hit, mug, dots, scale)
    cap_colour, cap = _mug_opening(gx, gy, mug, scale)
    cap = cap * (1 - hit.inside)
    handle_colour, handle = _mug_handle(gx, mug, dots, scale)
    colour = mix(mix(handle_colour, cap_colour, cap), body, hit.inside)
    alpha = np.maximum(np.maximum(handle, cap), hit.inside)
    return Layer.from_supersampled(colour, f32(alpha), bounds[:2], scale)


# --------------------------------------------------------------------------------------------
# The photo


def photo_mug(width: int = 1800, height: int = 1800) -> Photo:
    rng = np.random.default_rng(SEED + 3)
    look = Backdrop("#dcc9ae", "#eadbc6", "#120d06", glow_at=(0.42, 0.40), vignette=0.16)
    canvas = studio_backdrop(width, height, look)
    mug = MugGeometry(
        cx=0.44 * width, base=0.76 * height, height=0.36 * height, radius=0.155 * width, tilt=0.24
    )
    canvas = contact_shadow(canvas, mug.foot, softness=1.2, strength=0.9)
    layer = render_mug(mug, (width, height), rng)
    r, t = mug.radius, mug.tilt
    handle_shadow = ellipse_mask(
        (width, height), (mug.cx + r * 1.45, mug.base - t * r * 0.5), (r * 0.45, t * r * 0.9), 25.0
    )
    canvas = darken(canvas, handle_shadow, 0.18)
    canvas = grain(layer.over(canvas), rng, 0.006)
    return canvas, layer.box(width, height)
