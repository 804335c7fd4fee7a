"""The AURA brand: its ink, its mark and the wordmark logo."""

from __future__ import annotations

from typing import Final

import numpy as np
from PIL import Image, ImageDraw

from .canvas import F32, SERIF, f32, font, rgb, track_text, unit

INK: Final = rgb("#2b2622")


def draw_mark(
    draw: ImageDraw.ImageDraw, centre: tuple[float, float], size: float, fill: tuple[int, ...] | int
) -> None:
    """The AURA mark: a sunrise in a ring (a half sun on the horizon, two ripples below)."""
    cx, cy = centre
    r = size / 2
    stroke = max(1, round(size * 0.05))
    draw.ellipse([cx - r, cy - r, cx + r, cy + r], outline=fill, width=stroke)
    horizon = cy + 0.12 * r
    sun = 0.42 * r
    draw.pieslice([cx - sun, horizon - sun, cx + sun, horizon + sun], 180, 360, fill=fill)
    for offset, half_width in ((0.0, 0.56), (0.20, 0.38), (0.38, 0.20)):
        y = horizon + offset * r
        draw.rounded_rectangle(
            [cx - half_width * r, y, cx + half_width * r, y + stroke], radius=stroke / 2, fill=fill
        )


def make_logo(width: int = 600, height: int = 200) -> F32:
    """The AURA wordmark with its mark, dark ink on transparency (RGBA)."""
    k = 4  # drawn 4x and reduced, for smooth edges
    mask = Image.new("L", (width * k, height * k), 0)
    draw = ImageDraw.Draw(mask)
    draw_mark(draw, (0.16 * width * k, 0.5 * height * k), 0.62 * height * k, 255)
    face = font(SERIF, round(0.50 * height * k))
    track_text(draw, (0.615 * width * k, 0.50 * height * k), "AURA", face, tracking=0.30, fill=255)
    small = mask.resize((width, height), Image.Resampling.BOX)
    alpha = unit(small)
    ink = np.broadcast_to(INK, (height, width, 3))
    return f32(np.concatenate([ink, alpha[..., None]], axis=2))
