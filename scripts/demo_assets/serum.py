"""The AURA serum bottle (amber glass, cream label, gold collar, black dropper bulb): the
studio photo and the cut-out."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

import cv2
import numpy as np
from PIL import Image, ImageDraw

from .brand import INK
from .canvas import (
    F32,
    SANS,
    SEED,
    SERIF,
    SS,
    Layer,
    Photo,
    add_light,
    blur,
    ellipse_mask,
    f32,
    font,
    grain,
    mix,
    pixel_grid,
    rgb,
    rgb8,
    smoothstep,
    track_text,
    unit,
)
from .lathe import CORNER_STEPS, Profile, Shading, lathe, rounded_profile
from .studio import Backdrop, Footprint, contact_shadow, environment, studio_backdrop

AMBER_DEEP: Final = rgb("#5a2206")
AMBER_LIGHT: Final = rgb("#d98a2e")
GOLD: Final = rgb("#c9a063")
LABEL_PAPER: Final = rgb("#f3eee4")


def serum_label(width: int, height: int) -> F32:
    """The label artwork, flat: brand, product name, a rule and the volume (RGB 0..1)."""
    image = Image.new("RGB", (width, height), rgb8(LABEL_PAPER))
    draw = ImageDraw.Draw(image)
    ink, grey = rgb8(INK), (90, 82, 74)
    cx = width / 2
    brand = font(SERIF, round(height * 0.25))
    track_text(draw, (cx, height * 0.30), "AURA", brand, tracking=0.28, fill=ink)
    name = font(SANS, round(height * 0.062))
    track_text(draw, (cx, height * 0.50), "RADIANCE SERUM", name, tracking=0.32, fill=ink)
    rule = [(cx - width * 0.07, height * 0.605), (cx + width * 0.07, height * 0.605)]
    draw.line(rule, fill=(168, 120, 62), width=max(1, round(height * 0.008)))
    small = font(SANS, round(height * 0.046))
    track_text(
        draw, (cx, height * 0.70), "HYALURONIC ACID 2% + B5", small, tracking=0.18, fill=grey
    )
    volume = font(SANS, round(height * 0.044))
    track_text(draw, (cx, height * 0.85), "30 ml  ·  1.0 fl oz", volume, tracking=0.12, fill=grey)
    return unit(image)


@dataclass(frozen=True)
class BottleGeometry:
    cx: float  # axis x, image pixels
    base: float  # y of the front of the bottom of the glass
    height: float  # glass bottom to bulb top
    tilt: float = 0.10

    @property
    def radius(self) -> float:
        return 0.215 * self.height

    @property
    def top(self) -> float:
        """The profile's h = 0; the front of the base circle sits tilt * radius below h."""
        return self.base - self.height - self.tilt * self.radius

    @property
    def foot(self) -> Footprint:
        return Footprint(self.cx, self.base, self.radius, self.tilt)

    # Profile heights where the parts end, as fractions of the height.
    bulb_end = 0.245
    collar_end = 0.405
    shoulder = 0.47

    @property
    def fill(self) -> float:
        """Profile height of the liquid's surface."""
        return self.height * (self.shoulder + 0.11 * (1 - self.shoulder))

    @property
    def glass_floor(self) -> float:
        return self.height * 0.945

    def bounds(self) -> tuple[int, int, int, int]:
        """Integer bounds of everything the bottle covers, with a little room."""
        r = self.radius
        return (
            math.floor(self.cx - r - 4),
            math.floor(self.top - 4),
            math.ceil(self.cx + r + 4),
            math.ceil(self.base + 4),
        )

    def profile(self) -> Profile:
        t, r = self.height, self.radius
        rb, rc = 0.34 * r, 0.47 * r
        dome = 0.95 * rb
        pts = [
            (dome * (1 - math.cos(a)), rb * math.sin(a) ** 0.9)
            for a in (math.radians(i * 90 / 12) for i in range(13))
        ]
        collar_end, shoulder = self.collar_end * t, self.shoulder * t
        pts += [
            (0.100 * t, rb * 0.985),
            (0.150 * t, rb * 0.93),
            (0.205 * t, rb * 1.03),
            (0.222 * t, rb * 1.18),
            (0.240 * t, rb * 1.18),
            (self.bulb_end * t, rc * 0.97),
            (collar_end - 0.006 * t, rc),
            (collar_end, rc * 0.92),
        ]
        for i in range(1, 11):  # a rounded shoulder
            a = math.radians(i * 90 / 10)
            pts.append(
                (
                    collar_end + (shoulder - collar_end) * math.sin(a),
                    rc * 0.92 + (r - rc * 0.92) * (1 - math.cos(a)) ** 0.7,
                )
            )
        pts += [
            (shoulder + h, rr)
            for h, rr in rounded_profile(t - shoulder, r, 0.05 * t)[CORNER_STEPS + 1 :]
        ]
        return Profile.through(pts, smooth=1.2)


def _bulb_colour(sh: Shading) -> F32:
    """Black rubber with a soft sheen."""
    sheen = environment(sh.direction, spread=1.4)
    value = 0.05 + 0.06 * sh.diffuse + 0.30 * sheen + 0.5 * smoothstep(0.8, 1.4, sheen)
    return f32(value[..., None] * rgb("#4a4642") * 1.6)


def _collar_colour(sh: Shading) -> F32:
    """Brushed gold with fine vertical ribs."""
    ribs = 0.5 + 0.5 * np.cos(sh.theta * 70.0)
    gold = 0.16 + 0.85 * sh.env_soft * (0.75 + 0.25 * ribs) + 0.12 * sh.diffuse
    return f32(gold[..., None] * GOLD * 1.05 + 0.1 * sh.env_soft[..., None] ** 3)


def _glass_colour(sh: Shading, geo: BottleGeometry, seen: F32) -> F32:
    """Amber glass: what is behind it (`seen`, already refracted) tinted by the glass and the
    serum, dark walls seen edge-on, and the studio's reflections."""
    h, cos_t = sh.hit.h, sh.hit.cos_t
    liquid = f32((h >= geo.fill) & (h < geo.glass_floor))
    thin = f32(np.exp(np.log(AMBER_LIGHT) * (1.6 + 1.4 * cos_t[..., None])))
    path = 0.35 + cos_t  # longer through the middle
    deep = f32(np.exp(np.log(np.clip(AMBER_DEEP * 1.6, 0.02, 1.0)) * path[..., None] * 1.1))
    transmitted = seen * mix(thin, deep, liquid)
    # Light gathered by the liquid cylinder: a warm glow low in the middle.
    glow = np.exp(-(((sh.hit.sin_t + 0.12) / 0.42) ** 2)) * smoothstep(geo.fill, geo.glass_floor, h)
    transmitted += (glow * liquid * 0.32)[..., None] * AMBER_LIGHT
    # The thick glass floor: clearer and brighter.
    transmitted = mix(transmitted, seen * (AMBER_LIGHT * 0.7 + 0.2), f32(h >= geo.glass_floor))
    wall = smoothstep(0.80, 0.97, f32(np.abs(sh.hit.sin_t)))
    transmitted *= (1 - 0.75 * wall)[..., None]
    fresnel = 0.10 + 0.9 * (1 - np.clip(sh.hit.normal[2], 0, 1)) ** 4
    spec = (sh.env * (0.55 + 0.45 * fresnel))[..., None] * rgb("#fff8ef")
    colour = transmitted * (1 - 0.5 * fresnel[..., None]) + spec * 0.85
    colour += (0.45 * smoothstep(0.75, 1.3, sh.env))[..., None]  # the boxes' hot cores
    # The liquid's surface: a faint bright line.
    meniscus = np.exp(-(((h - geo.fill) / (0.0035 * geo.height)) ** 2))
    return f32(colour + (meniscus * 0.18)[..., None] * AMBER_LIGHT)


def _label_colour(sh: Shading, geo: BottleGeometry, scale: int) -> tuple[F32, F32]:
    """The paper label wrapped round the body: its colour and where it is."""
    top, bottom = geo.fill + 0.09 * geo.height, geo.glass_floor - 0.075 * geo.height
    half_angle = math.radians(72)
    h = sh.hit.h
    cover = f32((h >= top) & (h < bottom) & (np.abs(sh.theta) < half_angle))
    cover *= smoothstep(half_angle, half_angle - 0.02, f32(np.abs(sh.theta)))
    tex_w, tex_h = round(2 * half_angle * geo.radius * scale), round((bottom - top) * scale)
    art = serum_label(tex_w, tex_h)
    u = f32((sh.theta + half_angle) / (2 * half_angle) * tex_w - 0.5)
    v = f32((h - top) * scale - 0.5)
    paper = f32(cv2.remap(art, u, v, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE))
    light = 0.42 + 0.62 * sh.diffuse + 0.10 * sh.env_soft
    return f32(paper * light[..., None] + (0.12 * sh.env)[..., None]), cover


def render_bottle(geo: BottleGeometry, behind: F32, scale: int = SS) -> Layer:
    """The bottle as a layer; `behind` is the canvas it stands on (seen through the glass)."""
    bounds = geo.bounds()
    gx, gy = pixel_grid(behind.shape[1], behind.shape[0], bounds, scale)
    hit = lathe(gx, gy, geo.profile(), cx=geo.cx, top=geo.top, tilt=geo.tilt)
    sh = Shading.of(hit, geo.tilt)
    h = hit.h
    # What shows through: the scene behind, mirrored and squeezed by the cylinder, softened.
    map_x = f32(geo.cx - (gx - geo.cx) * 0.55 - 0.5)
    map_y = f32(gy + 0.04 * geo.height - 0.5)
    seen = f32(cv2.remap(behind, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE))
    seen = blur(seen, 1.5 * scale)
    bulb = f32(h < geo.bulb_end * geo.height)
    glass = f32(h >= geo.collar_end * geo.height)
    collar = 1.0 - bulb - glass
    out = (
        bulb[..., None] * _bulb_colour(sh)
        + collar[..., None] * _collar_colour(sh)
        + glass[..., None] * _glass_colour(sh, geo, seen)
    )
    paper, on_label = _label_colour(sh, geo, scale)
    out = mix(f32(out), paper, on_label * glass)
    return Layer.from_supersampled(out, hit.inside, bounds[:2], scale)


def amber_caustic(
    canvas: F32,
    geo: BottleGeometry,
    *,
    at: tuple[float, float],
    size: tuple[float, float],
    sigma: float,
    strength: float,
) -> F32:
    """Light focused through the serum onto the surface the bottle stands on: an amber pool
    centred `at` (radii right, squashed radii down from the front of the base), `size` radii
    across (and squashed radii deep), blurred by `sigma` pixels."""
    r, t = geo.radius, geo.tilt
    centre = (geo.cx + at[0] * r, geo.base + at[1] * t * r)
    radii = (r * size[0], t * r * size[1])
    pool = ellipse_mask((canvas.shape[1], canvas.shape[0]), centre, radii, sigma)
    return add_light(canvas, pool, AMBER_LIGHT, strength)


# --------------------------------------------------------------------------------------------
# The photos: in the studio, and alone on transparency


def photo_serum_studio(width: int = 1800, height: int = 1800) -> Photo:
    rng = np.random.default_rng(SEED + 1)
    canvas = studio_backdrop(
        width, height, Backdrop("#e4e0da", "#f1eee9", "#0b0a08", glow_size=0.35)
    )
    geo = BottleGeometry(cx=0.43 * width, base=0.80 * height, height=0.60 * height)
    canvas = contact_shadow(canvas, geo.foot)
    canvas = amber_caustic(canvas, geo, at=(0.55, 0.2), size=(0.9, 1.2), sigma=22.0, strength=0.10)
    layer = render_bottle(geo, canvas)
    canvas = grain(layer.over(canvas), rng, 0.006)
    return canvas, layer.box(width, height)


def make_cutout(width: int = 1200, height: int = 1600) -> Photo:
    """The serum bottle alone on transparency (RGBA), for contain-fit and alpha tests."""
    backdrop = studio_backdrop(
        width, height, Backdrop("#e6e3de", "#f0ede8", "#000000", vignette=0.0)
    )
    geo = BottleGeometry(cx=0.5 * width, base=0.955 * height, height=0.90 * height)
    layer = render_bottle(geo, backdrop)
    colour = layer.full_colour(width, height)
    alpha = layer.full_alpha(width, height)
    rgba = np.concatenate([np.clip(colour, 0, 1), alpha[..., None]], axis=2)
    return f32(rgba), layer.box(width, height)
