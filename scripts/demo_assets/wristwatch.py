"""The wristwatch from above: steel case, navy sunburst dial, cognac leather strap."""

from __future__ import annotations

import itertools
import math
from typing import Final

import cv2
import numpy as np
from PIL import Image, ImageDraw

from .canvas import (
    F32,
    F64,
    SANS,
    SEED,
    SERIF,
    SS,
    Photo,
    darken,
    disc,
    drop_shadow,
    ellipse_mask,
    f32,
    fill_polygon,
    font,
    grain,
    mix,
    place_rotated,
    rgb,
    smoothstep,
    soft_noise,
    track_text,
    unit,
)
from .studio import Backdrop, environment, reflect, studio_backdrop

LEATHER: Final = rgb("#8b5433")
DIAL: Final = rgb("#1d2d4a")
STEEL: Final = rgb("#dfe3e8")
THREAD: Final = rgb("#e9dcc6")


class WatchTile:
    """A supersampled tile in the watch's own frame: case-radius units, centred on the case,
    12 o'clock up; shapes are painted over one another."""

    def __init__(self, unit: float, half: tuple[float, float]) -> None:
        self.unit = unit
        self.half = half
        self.shape = (round(2 * half[1] * unit), round(2 * half[0] * unit))
        xs = f32((np.arange(self.shape[1]) + 0.5) / unit - half[0])
        ys = f32((np.arange(self.shape[0]) + 0.5) / unit - half[1])
        gx, gy = np.meshgrid(xs, ys)
        self.gx, self.gy = f32(gx), f32(gy)
        self.rr = f32(np.sqrt(self.gx**2 + self.gy**2))
        self.phi = f32(np.arctan2(self.gy, self.gx))
        self.colour = np.zeros((*self.shape, 3), np.float32)
        self.alpha = np.zeros(self.shape, np.float32)

    def px(self, pts: list[tuple[float, float]]) -> list[tuple[float, float]]:
        return [((x + self.half[0]) * self.unit, (y + self.half[1]) * self.unit) for x, y in pts]

    def polygons(self, shapes: list[list[tuple[float, float]]]) -> F32:
        mask = np.zeros(self.shape, np.uint8)
        for pts in shapes:
            fill_polygon(mask, self.px(pts))
        return unit(mask)

    def paint(self, colour: F32, cover: F32) -> None:
        self.colour = mix(self.colour, colour, cover)
        self.alpha = np.maximum(self.alpha, cover)

    def shade(self, mask: F32, offset: tuple[float, float], soft: float, strength: float) -> None:
        """Darken what is already painted by `mask` moved by `offset` and blurred (radii)."""
        moved = drop_shadow(mask, soft * self.unit, offset[0] * self.unit, offset[1] * self.unit)
        self.colour = self.colour * (1 - strength * moved)[..., None]


def _strap_outline(
    y_start: float, y_end: float, widths: tuple[float, float], tip: float
) -> list[tuple[float, float]]:
    """A strap piece along y, its width tapering from widths[0] to widths[1], its end rounded."""
    sign = 1.0 if y_end > y_start else -1.0
    body_end = y_end - sign * tip
    w0, w1 = widths[0] / 2, widths[1] / 2
    arc = [
        (-w1 * math.cos(math.pi * i / 20), body_end + sign * tip * math.sin(math.pi * i / 20))
        for i in range(1, 20)
    ]
    return [(-w0, y_start), (-w1, body_end), *arc, (w1, body_end), (w0, y_start)]


def _stitches(tile: WatchTile, pieces: list[list[tuple[float, float]]]) -> F32:
    """Dashed stitching just inside the edge of each strap piece."""
    mask = np.zeros(tile.shape, np.uint8)
    for piece in pieces:
        inner = [(x * 0.80, y + (0.08 if y > 0 else -0.08) * (abs(x) < 0.3)) for x, y in piece]
        pts = np.array(tile.px(inner))
        dense: list[F64] = []
        for a, b in itertools.pairwise(pts):
            steps = max(1, int(np.hypot(*(b - a)) / (0.012 * tile.unit)))
            dense += [a + (b - a) * t for t in np.linspace(0, 1, steps, endpoint=False)]
        for i in range(0, len(dense) - 6, 10):
            p0, p1 = (np.rint(dense[j] * 4).astype(int) for j in (i, i + 6))
            width = max(1, round(0.018 * tile.unit))
            cv2.line(mask, (p0[0], p0[1]), (p1[0], p1[1]), 255, width, cv2.LINE_AA, 2)
    return unit(mask)


def _paint_strap(tile: WatchTile, rng: np.random.Generator, scale: int) -> None:
    """Two leather pieces: rounded cross-section, grain, edge paint, stitching and holes."""
    gx, gy = tile.gx, tile.gy
    pieces = [
        _strap_outline(-0.70, -3.05, (1.02, 0.90), 0.45),
        _strap_outline(0.70, 3.35, (1.02, 0.86), 0.43),
    ]
    strap = tile.polygons(pieces)
    grain_map = soft_noise(tile.shape, 0.8 * scale, rng) * 0.9
    half_w = 0.51 - 0.07 * np.clip((np.abs(gy) - 0.7) / 2.5, 0, 1)
    across = np.clip(gx / half_w, -1, 1)
    bulge = np.sqrt(np.clip(1 - across**8, 0, 1))
    light = (0.78 + 0.22 * bulge) * (1.0 - 0.10 * across) * (1 + 0.06 * grain_map)
    # The strap dips under the lugs: shaded where it meets the case.
    light *= 1 - 0.45 * np.exp(-np.clip(np.abs(gy) - 0.70, 0, None) / 0.22)
    light *= 1 + 0.06 * np.cos(gy * 1.3 + 0.6)
    leather = LEATHER * light[..., None]
    leather += (0.05 * np.exp(-(((across + 0.45) / 0.3) ** 2)))[..., None]
    thread = THREAD * (0.85 + 0.15 * bulge[..., None])
    leather = mix(f32(leather), f32(thread), _stitches(tile, pieces) * strap * 0.9)
    holes = np.zeros(tile.shape, np.uint8)
    for k in range(5):
        centre = (
            round(tile.half[0] * tile.unit * 4),
            round((1.75 + 0.26 * k + tile.half[1]) * tile.unit * 4),
        )
        axes = (round(0.055 * tile.unit * 4), round(0.07 * tile.unit * 4))
        cv2.ellipse(holes, centre, axes, 0, 0, 360, 255, -1, cv2.LINE_AA, 2)
    leather = mix(leather, rgb("#2a1a10"), unit(holes) * 0.9)
    edge = smoothstep(0.88, 1.0, f32(np.abs(across)))
    tile.paint(f32(leather * (1 - 0.35 * edge[..., None])), strap)


def _paint_buckle(tile: WatchTile) -> None:
    """A steel buckle frame and its tongue near the end of the short piece."""
    gx, gy = tile.gx, tile.gy
    x0, x1, y0, y1 = -0.62, 0.62, -2.55, -2.95
    outer = tile.polygons([[(x0, y0), (x1, y0), (x1, y1), (x0, y1)]])
    inner = tile.polygons(
        [
            [
                (x0 + 0.12, y0 - 0.09),
                (x1 - 0.12, y0 - 0.09),
                (x1 - 0.12, y1 + 0.09),
                (x0 + 0.12, y1 + 0.09),
            ]
        ]
    )
    frame = f32(np.clip(outer - inner, 0, 1))
    tongue = tile.polygons(
        [[(-0.035, y0 + 0.02), (0.035, y0 + 0.02), (0.035, y1 - 0.05), (-0.035, y1 - 0.05)]]
    )
    # A rounded bar: a bright ridge along the middle of the frame.
    from_edge = np.minimum.reduce(
        [np.abs(gx - x0), np.abs(gx - x1), np.abs(gy - y0), np.abs(gy - y1)]
    )
    ridge = np.exp(-(((from_edge - 0.045) / 0.03) ** 2))
    tile.shade(frame, (0.02, 0.03), 0.02, 0.5)
    tile.paint(STEEL * (0.35 + 0.55 * ridge + 0.15 * np.cos(gx * 2.0 + 1.0))[..., None], frame)
    tile.paint(STEEL * (0.45 + 0.4 * np.exp(-(((gx - 0.01) / 0.02) ** 2)))[..., None], tongue)


def _paint_case(tile: WatchTile) -> None:
    """Lugs, knurled crown, and the polished, domed steel case with its dark chapter ring."""
    gx, gy, rr, phi = tile.gx, tile.gy, tile.rr, tile.phi
    lugs = tile.polygons(
        [
            [
                (sx * 0.40, sy * 0.80),
                (sx * 0.72, sy * 0.60),
                (sx * 0.68, sy * 1.06),
                (sx * 0.60, sy * 1.10),
                (sx * 0.52, sy * 1.08),
            ]
            for sx in (-1, 1)
            for sy in (-1, 1)
        ]
    )
    ridge = (np.abs(gx) - 0.60 + 0.1 * (np.abs(gy) - 0.8)) / 0.05
    lug_light = (0.45 + 0.55 * np.exp(-(ridge**2))) * (
        1 - 0.25 * np.clip(np.abs(gy) - 0.8, 0, 1) / 0.3
    )
    tile.shade(lugs, (0.03, 0.05), 0.03, 0.5)
    tile.paint(f32(STEEL * lug_light[..., None]), lugs)
    crown = tile.polygons(
        [[(0.95, -0.14), (1.16, -0.14), (1.18, -0.10), (1.18, 0.10), (1.16, 0.14), (0.95, 0.14)]]
    )
    knurl = (0.75 + 0.25 * np.cos(gy * 140)) * (0.7 + 0.3 * np.exp(-(((gy + 0.05) / 0.07) ** 2)))
    tile.paint(STEEL * knurl[..., None], crown)
    case = disc(rr, 1.0, tile.unit)
    t = np.clip((rr - 0.80) / 0.20, 0, 1)
    slope = np.where(rr < 0.80, 0.0, np.tan((t - 0.35) * 2.2))
    lean = slope / np.sqrt(1 + slope**2)
    normal = (f32(lean * np.cos(phi)), f32(lean * np.sin(phi)), f32(1 / np.sqrt(1 + slope**2)))
    env = environment(reflect(normal, (0.0, 0.0, 1.0)), spread=1.3, ambient=0.30, floor=0.35)
    steel = STEEL * (0.22 + 0.75 * env)[..., None]
    rehaut = smoothstep(0.795, 0.805, rr) * smoothstep(0.86, 0.85, rr)
    steel = mix(steel, rgb("#30343a") * (0.8 + 0.4 * np.cos(phi + 2.3) ** 2)[..., None], rehaut)
    tile.paint(steel, case)


def _radial_bar(
    angle_deg: float, r0: float, r1: float, half_width: float, off: float = 0.0
) -> list[tuple[float, float]]:
    a = math.radians(angle_deg - 90)
    ca, sa = math.cos(a), math.sin(a)
    ox, oy = -sa * off, ca * off
    w = half_width
    return [
        (ca * r0 - sa * w + ox, sa * r0 + ca * w + oy),
        (ca * r1 - sa * w + ox, sa * r1 + ca * w + oy),
        (ca * r1 + sa * w + ox, sa * r1 - ca * w + oy),
        (ca * r0 + sa * w + ox, sa * r0 - ca * w + oy),
    ]


def _paint_dial(tile: WatchTile, rng: np.random.Generator, scale: int) -> F32:
    """The navy sunburst dial with its minute track, applied batons and name; its coverage."""
    rr, phi = tile.rr, tile.phi
    dial_r = 0.80
    dial = disc(rr, dial_r, tile.unit)
    sun = 0.80 + 0.45 * np.cos(2 * (phi + 0.7)) ** 2
    brushed = 1 + 0.04 * soft_noise(tile.shape, 0.5 * scale, rng)
    face = DIAL * (sun * brushed * (1.0 - 0.25 * (rr / dial_r) ** 4))[..., None]
    track = tile.polygons(
        [_radial_bar(k * 6, 0.715 if k % 5 == 0 else 0.735, 0.765, 0.004) for k in range(60)]
    )
    tile.paint(mix(f32(face), f32(np.full(3, 0.82)), track * 0.8), dial)
    batons = tile.polygons(
        [
            _radial_bar(k * 30, 0.52, 0.70, 0.016, off)
            for k in range(12)
            for off in ((-0.022, 0.022) if k == 0 else (0.0,))
        ]
    )
    tile.shade(batons * dial, (0.008, 0.012), 0.0, 0.5)
    tile.paint(STEEL * (0.55 + 0.6 * np.cos(phi + 2.3) ** 2)[..., None], batons)
    text = Image.new("L", (tile.shape[1], tile.shape[0]), 0)
    draw = ImageDraw.Draw(text)
    cx, cy = tile.half[0] * tile.unit, tile.half[1] * tile.unit
    brand = font(SERIF, round(0.13 * tile.unit))
    track_text(draw, (cx, cy - 0.33 * tile.unit), "AURA", brand, tracking=0.22, fill=255)
    small = font(SANS, round(0.055 * tile.unit))
    track_text(draw, (cx, cy + 0.33 * tile.unit), "AUTOMATIC", small, tracking=0.30, fill=255)
    tile.paint(f32(np.full(3, 0.90)), unit(text) * 0.95)
    return dial


def _paint_hands(tile: WatchTile, time_shown: tuple[float, float, float]) -> None:
    """Faceted steel hour and minute hands and an orange seconds hand, with shadows."""
    hours, minutes, seconds = time_shown
    for angle, length, width, tail, colour in (
        (hours * 30, 0.46, 0.040, 0.10, STEEL),
        (minutes * 6, 0.70, 0.032, 0.12, STEEL),
        (seconds * 6, 0.74, 0.007, 0.20, rgb("#e0743a")),
    ):
        a = math.radians(angle - 90)
        ca, sa = math.cos(a), math.sin(a)
        outline = [
            (-ca * tail - sa * width * 0.6, -sa * tail + ca * width * 0.6),
            (ca * length * 0.25 - sa * width, sa * length * 0.25 + ca * width),
            (ca * length, sa * length),
            (ca * length * 0.25 + sa * width, sa * length * 0.25 - ca * width),
            (-ca * tail + sa * width * 0.6, -sa * tail - ca * width * 0.6),
        ]
        hand = tile.polygons([outline])
        tile.shade(hand, (0.02, 0.03), 0.01, 0.45)
        # Two facets, one catching the light.
        facet = np.where((tile.gx * sa - tile.gy * ca) > 0, 1.0, 0.62)
        tile.paint(colour * facet[..., None], hand)
    pin = smoothstep(0.035, 0.028, tile.rr)
    tile.paint(
        STEEL * (0.6 + 0.4 * np.exp(-(((tile.gx + tile.gy + 0.02) / 0.02) ** 2)))[..., None], pin
    )


def render_watch(
    radius_px: float,
    rng: np.random.Generator,
    scale: int = SS,
    time_shown: tuple[float, float, float] = (10.15, 8.5, 33.0),
) -> tuple[F32, F32]:
    """The watch in its own frame (12 o'clock up) at `scale`, `radius_px` image pixels per case
    radius: colour and alpha, centred on the case, 2.7 radii wide and 7 tall."""
    tile = WatchTile(radius_px * scale, (1.35, 3.5))
    _paint_strap(tile, rng, scale)
    _paint_buckle(tile)
    _paint_case(tile)
    dial = _paint_dial(tile, rng, scale)
    _paint_hands(tile, time_shown)
    # The crystal: a broad soft reflection of the key box across the upper left.
    glare = np.exp(-(((tile.gx * 0.8 + tile.gy * 0.6 + 0.30) / 0.22) ** 2)) * dial
    return f32(tile.colour + (0.10 * glare)[..., None]), tile.alpha


# --------------------------------------------------------------------------------------------
# The photo


def photo_watch(width: int = 1800, height: int = 1800) -> Photo:
    rng = np.random.default_rng(SEED + 4)
    look = Backdrop("#a9b4bf", "#bcc5cd", "#0d0f12", glow_size=0.45, vignette=0.22)
    canvas = studio_backdrop(width, height, look)
    # Matte paper: a faint, soft texture.
    canvas = canvas * (1 + 0.012 * soft_noise((height, width), 2.0, rng))[..., None]
    radius = 0.125 * width
    centre = (0.47 * width, 0.48 * height)
    colour, alpha = render_watch(radius, rng)
    layer = place_rotated(
        colour, alpha, angle=24.0, centre=centre, canvas_size=(width, height), scale=SS
    )
    shadow = layer.full_alpha(width, height)
    canvas = darken(canvas, drop_shadow(shadow, 28.0, 16, 26), 0.24)
    canvas = darken(canvas, drop_shadow(shadow, 6.0, 4, 6), 0.28)
    # The case stands taller than the strap: its shadow falls further.
    case_shadow = ellipse_mask(
        (width, height),
        (centre[0] + 0.10 * radius, centre[1] + 0.16 * radius),
        (radius, radius),
        0.22 * radius,
    )
    canvas = darken(canvas, case_shadow, 0.30)
    canvas = grain(layer.over(canvas), rng, 0.006)
    return canvas, layer.box(width, height)
