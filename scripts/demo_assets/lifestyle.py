"""The lifestyle scene: the serum bottle on a wooden table before a bright window and a plant."""

from __future__ import annotations

import math

import cv2
import numpy as np

from .canvas import (
    F32,
    SEED,
    Photo,
    blur,
    darken,
    f32,
    grain,
    mix,
    pixel_grid,
    rgb,
    smoothstep,
    value_noise,
)
from .serum import BottleGeometry, amber_caustic, render_bottle
from .studio import contact_shadow


def wood_texture(width: int, height: int, plank: int, rng: np.random.Generator) -> F32:
    """Flat oiled-oak boards running left to right, each `plank` pixels wide (RGB 0..1)."""
    _, gy = pixel_grid(width, height)
    shape = (height, width)
    index = np.floor(gy / plank)
    local = gy - index * plank
    wobble = value_noise(shape, (plank * 0.8, width * 0.25), rng) * plank * 0.25
    wobble += value_noise(shape, (plank * 0.3, width * 0.06), rng) * plank * 0.05
    rings = (0.5 + 0.5 * np.sin(2 * np.pi * (local + wobble) / (plank / 9.0))) ** 6
    rings *= 0.5 + 0.5 * value_noise(shape, (plank, width * 0.1), rng)
    streaks = (
        value_noise(shape, (2.5, 90.0), rng) * 0.5 + value_noise(shape, (1.2, 30.0), rng) * 0.3
    )
    tone = rng.uniform(-0.10, 0.10, int(index.max()) + 2)[index.astype(np.int64)]
    blotch = value_noise(shape, (plank * 1.5, plank * 4.0), rng) * 0.05
    t = np.clip(0.32 + 0.22 * rings + 0.16 * streaks + tone + blotch, 0, 1)
    wood = mix(rgb("#c49a6c"), rgb("#7c5535"), f32(t))
    seam = np.exp(-((np.minimum(local, plank - local) / 2.2) ** 2))
    wood *= (1 - 0.55 * seam)[..., None]
    # Where one board ends and the next begins.
    for row in range(int(index.max()) + 1):
        x = round(float(rng.uniform(0, width)))
        wood[row * plank : (row + 1) * plank, max(0, x - 2) : x + 2] *= 0.7
    return f32(wood)


def leaves(
    canvas: F32,
    rng: np.random.Generator,
    stems: list[tuple[float, float]],
    *,
    spread: float,
    count: int,
    size: float,
) -> F32:
    """A leafy plant, drawn straight onto `canvas` (it is blurred afterwards): pointed leaves in
    greens radiating from a few stem tops, lighter towards the window on the left."""
    out = canvas.copy()
    greens = [rgb("#3f6b3a"), rgb("#5a8a4a"), rgb("#2f5230"), rgb("#7aa35c"), rgb("#4c7a40")]
    for i in range(count):
        sx, sy = stems[i % len(stems)]
        angle = math.radians(rng.uniform(-165, -15))
        dist = rng.uniform(0.25, 1.0) * spread
        cx, cy = sx + math.cos(angle) * dist, sy + math.sin(angle) * dist * 0.85
        length = size * rng.uniform(0.6, 1.3)
        turn = angle + math.radians(rng.uniform(-30, 30))
        ca, sa = math.cos(turn), math.sin(turn)
        one_side, other_side = [], []
        for k in range(13):
            t = k / 12
            w = length * 0.2 * math.sin(math.pi * t) ** 0.8
            px, py = cx + ca * length * (t - 0.5), cy + sa * length * (t - 0.5)
            one_side.append((px - sa * w, py + ca * w))
            other_side.append((px + sa * w, py - ca * w))
        outline = np.rint(np.array(one_side + other_side[::-1])).astype(np.int32)
        foot = (round(cx - ca * length * 0.5), round(cy - sa * length * 0.5))
        lit = 0.8 + 0.35 * (1 - (cx - sx + spread) / (2 * spread)) + rng.uniform(-0.1, 0.1)
        colour = tuple(float(c) for c in greens[int(rng.integers(len(greens)))] * lit)
        cv2.line(out, (round(sx), round(sy)), foot, tuple(0.8 * c for c in colour), 4)
        cv2.fillPoly(out, [outline], colour)
    return out


def _room(width: int, height: int, table_y: float, rng: np.random.Generator) -> F32:
    """The far wall with a window on the left and a potted plant on the right, out of focus."""
    gx, gy = pixel_grid(width, height)
    wall = mix(rgb("#efe6d8"), rgb("#cfc3b2"), f32(np.clip(gx / width, 0, 1) ** 0.8))
    wall = wall * (1 + 0.02 * value_noise((height, width), (60, 60), rng))[..., None]
    scene = f32(np.broadcast_to(wall, (height, width, 3)).copy())
    # The window: bright panes in a white frame, a hint of garden low in the glass.
    wx0, wx1, wy0, wy1 = -0.02 * width, 0.36 * width, -0.05 * height, table_y - 0.04 * height
    pane = (gx > wx0) & (gx < wx1) & (gy > wy0) & (gy < wy1)
    sky = mix(rgb("#fdfcf8"), rgb("#e4ecdf"), smoothstep(0.1 * height, wy1, gy))
    garden = smoothstep(0.25 * height, wy1, gy) * (
        0.55 + 0.25 * value_noise((height, width), (40, 40), rng)
    )
    outside = mix(sky, rgb("#a9c39a"), f32(garden))
    scene[pane] = outside[pane]
    bar = 0.018 * width
    mullion = (np.abs(gx - (wx0 + wx1) / 2) < bar / 2) | (np.abs(gy - 0.22 * height) < bar / 2)
    frame = (gx < wx0 + bar) | (gx > wx1 - bar) | (gy > wy1 - bar)
    scene[pane & (mullion | frame)] = rgb("#f4f1ea")
    sill = (gx > wx0 - 10) & (gx < wx1 + 0.02 * width) & (gy > wy1) & (gy < wy1 + 0.02 * height)
    scene[sill] = rgb("#e6e0d6")
    # A terracotta pot with a leafy plant at the far right of the table.
    pot_cx, pot_base = 0.86 * width, table_y + 0.03 * height
    in_pot = np.abs(gx - pot_cx) < 0.085 * width - (pot_base - gy) * 0.05
    pot = in_pot & (gy > pot_base - 0.17 * height) & (gy < pot_base)
    pot_light = 0.75 + 0.35 * np.cos((gx - pot_cx) / (0.085 * width) * 1.4 + 0.5)
    scene[pot] = (rgb("#b0705a") * pot_light[..., None])[pot]
    stems = [(pot_cx + dx * width, pot_base - 0.17 * height) for dx in (-0.03, 0.0, 0.03)]
    scene = leaves(scene, rng, stems, spread=0.19 * width, count=150, size=0.085 * width)
    return blur(scene, 16.0)


def _table(width: int, height: int, table_y: float, rng: np.random.Generator) -> F32:
    """Boards in perspective, window-lit, sharp about the bottle and softer far and near."""
    gx, gy = pixel_grid(width, height)
    plank = 260
    tex_w, tex_h = 3200, plank * 6
    wood = wood_texture(tex_w, tex_h, plank, rng)
    src = f32([[0, 0], [tex_w, 0], [tex_w, tex_h], [0, tex_h]])
    dst = f32(
        [
            [-0.35 * width, table_y],
            [1.35 * width, table_y],
            [2.6 * width, height * 1.02],
            [-1.6 * width, height * 1.02],
        ]
    )
    matrix = cv2.getPerspectiveTransform(src, dst)
    table = f32(
        cv2.warpPerspective(
            wood, matrix, (width, height), flags=cv2.INTER_AREA, borderMode=cv2.BORDER_REFLECT
        )
    )
    light = 0.92 + 0.22 * np.exp(-(((gx - 0.28 * width) / (0.55 * width)) ** 2))
    light *= 0.80 + 0.20 * smoothstep(table_y, table_y + 0.15 * height, gy)
    table = table * light[..., None]
    focus_y = 0.80 * height
    depth = f32(np.abs(gy - focus_y) / (focus_y - table_y))
    table = mix(table, blur(table, 3.0), smoothstep(0.05, 0.35, depth))
    return mix(table, blur(table, 9.0), smoothstep(0.45, 1.0, depth))


# --------------------------------------------------------------------------------------------
# The photo


def photo_lifestyle(width: int = 2400, height: int = 1600) -> Photo:
    rng = np.random.default_rng(SEED + 5)
    gx, gy = pixel_grid(width, height)
    table_y = 0.53 * height
    room = _room(width, height, table_y, rng)
    table = _table(width, height, table_y, rng)
    scene = mix(room, table, smoothstep(table_y - 4.0, table_y + 4.0, gy))
    # The line where the table meets the wall.
    scene = darken(scene, f32(np.exp(-(((gy - table_y) / 9.0) ** 2))), 0.22)
    geo = BottleGeometry(cx=0.60 * width, base=0.83 * height, height=0.56 * height, tilt=0.16)
    scene = contact_shadow(scene, geo.foot, softness=0.9, cast=(1.2, -0.12))
    scene = amber_caustic(scene, geo, at=(1.1, -0.3), size=(1.0, 1.5), sigma=20.0, strength=0.14)
    layer = render_bottle(geo, scene)
    scene = layer.over(scene)
    # A faint haze of window light over the frame.
    haze = np.exp(
        -(((gx - 0.1 * width) / (0.5 * width)) ** 2 + ((gy - 0.2 * height) / (0.6 * height)) ** 2)
    )
    scene = f32(scene + (0.05 * haze)[..., None] * rgb("#fff6e6"))
    return grain(f32(scene), rng, 0.007), layer.box(width, height)
