"""Surfaces of revolution (bottles, mugs) seen from slightly above, and their shading."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

import cv2
import numpy as np

from .canvas import F32, Vec3, f32
from .studio import KEY_LIGHT, camera_view, environment, lambert, reflect


@dataclass(frozen=True)
class Profile:
    """Radius as a function of profile height h (0 at the top, growing downwards), densely."""

    heights: F32
    radii: F32

    @staticmethod
    def through(points: list[tuple[float, float]], smooth: float = 1.5) -> Profile:
        """Linear between (h, r) points, corners softened by `smooth` pixels."""
        step = 0.25
        hs, rs = zip(*points, strict=True)
        heights = f32(np.arange(hs[0], hs[-1] + step, step))
        radii = f32(np.interp(heights, hs, rs))
        if smooth > 0:
            radii = f32(cv2.GaussianBlur(radii[None, :], (0, 0), smooth / step)[0])
        return Profile(heights, radii)

    def radius(self, h: F32) -> F32:
        return f32(np.interp(h, self.heights, self.radii))


CORNER_STEPS: Final = 24  # points per rounded edge


def rounded_profile(
    height: float, radius: float, corner: float, top_corner: float = 0.0
) -> list[tuple[float, float]]:
    """(h, r) points of a cylinder of `height` with rounded bottom (and top) edges, closed at
    the bottom."""
    pts: list[tuple[float, float]] = []
    for i in range(CORNER_STEPS + 1):
        phi = math.radians(90 - i * 90 / CORNER_STEPS)
        pts.append((top_corner * (1 - math.sin(phi)), radius - top_corner * (1 - math.cos(phi))))
    for i in range(1, CORNER_STEPS + 1):
        phi = math.radians(i * 90 / CORNER_STEPS)
        pts.append((height - corner * (1 - math.sin(phi)), radius - corner * (1 - math.cos(phi))))
    pts.append((height + 0.25, 0.0))
    return pts


@dataclass
class LatheHit:
    """Per sample: inside the front surface, the profile height h, sin/cos of the angle around
    the axis, and the surface normal (x right, y down, z towards the camera)."""

    inside: F32
    h: F32
    sin_t: F32
    cos_t: F32
    normal: Vec3


def _splat_heights(gx: F32, gy: F32, shape: Profile, axis: tuple[float, float], tilt: float) -> F32:
    """Profile height seen at each sample (NaN outside) by forward splatting with a depth test:
    every (h, column) pair lands on a row; where several land on one sample, the one nearest
    the camera (which looks slightly down) wins. Handles domes, flanges and undersides."""
    cx, top = axis
    xs, ys = gx[0], gy[:, 0]
    scale = 1.0 / float(xs[1] - xs[0])
    rows, cols = gx.shape
    hs = f32(np.arange(float(shape.heights[0]), float(shape.heights[-1]), 0.45 / scale))
    rs = shape.radius(hs)
    sin_t = (xs - cx)[None, :] / np.maximum(rs[:, None], 1e-4)
    depth = rs[:, None] * np.sqrt(np.clip(1.0 - sin_t * sin_t, 0.0, 1.0))
    row = np.rint((top + hs[:, None] + tilt * depth - float(ys[0])) * scale).astype(np.int64)
    valid = (np.abs(sin_t) < 1.0) & (row >= 0) & (row < rows)
    hi, col = np.nonzero(valid)
    flat = row[hi, col] * cols + col
    near = (depth[hi, col] - tilt * hs[hi]).astype(np.float32)
    zbuf = np.full(rows * cols, -np.inf, np.float32)
    np.maximum.at(zbuf, flat, near)
    winner = near >= zbuf[flat]
    hbuf = np.full(rows * cols, np.nan, np.float32)
    hbuf[flat[winner]] = hs[hi[winner]]
    h = hbuf.reshape(rows, cols)
    for _ in range(3):  # close one-row gaps where the surface is steep on screen
        gap = np.isnan(h[1:-1]) & np.isfinite(h[:-2]) & np.isfinite(h[2:])
        h[1:-1][gap] = 0.5 * (h[:-2][gap] + h[2:][gap])
    return f32(h)


def lathe(gx: F32, gy: F32, shape: Profile, *, cx: float, top: float, tilt: float) -> LatheHit:
    """The front of the surface of revolution `shape` about the vertical axis at x = `cx`, its
    profile's h = 0 at y = `top`, on the regular sample grid (gx, gy). `tilt` is how much a
    circle of radius r is squashed (its front drops by tilt * r)."""
    h = _splat_heights(gx, gy, shape, (cx, top), tilt)
    inside = np.isfinite(h)
    h = f32(np.where(inside, h, 0.0))
    r = shape.radius(h)
    s = f32(np.clip((gx - cx) / np.maximum(r, 1e-3), -1.0, 1.0))
    c = f32(np.sqrt(np.clip(1.0 - s * s, 0.0, 1.0)))
    slope = f32(np.gradient(shape.radii, shape.heights))
    dr = f32(np.interp(h, shape.heights, slope))
    norm = np.sqrt(1.0 + dr * dr)
    nx, ny, nz = s / norm, -dr / norm, c / norm
    # Tip the normals towards the camera's elevation.
    tz = math.sqrt(max(0.0, 1.0 - tilt * tilt))
    normal = (f32(nx), f32(ny * tz - nz * tilt), f32(ny * tilt + nz * tz))
    return LatheHit(f32(inside), h, s, c, normal)


@dataclass
class Shading:
    """What every material of a lathed product needs at each sample."""

    hit: LatheHit
    theta: F32  # angle around the axis, radians, 0 facing the camera
    diffuse: F32
    env: F32  # sharp reflection of the studio
    env_soft: F32  # blurred reflection, for satin and brushed surfaces
    direction: Vec3  # the reflected view direction

    @staticmethod
    def of(hit: LatheHit, tilt: float) -> Shading:
        direction = reflect(hit.normal, camera_view(tilt))
        return Shading(
            hit,
            f32(np.arcsin(hit.sin_t)),
            lambert(hit.normal, KEY_LIGHT),
            environment(direction),
            environment(direction, spread=1.8),
            direction,
        )
