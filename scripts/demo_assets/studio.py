"""The studio: soft boxes for reflections, seamless backdrops and the shadows on them."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

import numpy as np

from .canvas import F32, Vec3, darken, ellipse_mask, f32, mix, pixel_grid, rgb, smoothstep

# --------------------------------------------------------------------------------------------
# Studio lighting: a few soft boxes in an environment, for reflections


@dataclass(frozen=True)
class Softbox:
    azimuth: float  # degrees, 0 = towards the camera, negative = camera's left
    elevation: float  # degrees, positive = up
    half_width: float  # degrees
    half_height: float
    intensity: float
    sharpness: float = 2.0  # higher = harder edges


STUDIO: Final = (
    Softbox(-42, 12, 16, 38, 1.25, 3.0),  # big key box front left
    Softbox(118, 5, 7, 45, 1.0, 3.0),  # strip light behind right, draws the edge line
    Softbox(-125, 0, 6, 40, 0.55, 3.0),  # weaker strip behind left
    Softbox(0, 75, 60, 20, 0.35, 1.5),  # ceiling bounce
)
KEY_LIGHT: Final = (-0.55, -0.45, 0.7)


def environment(
    direction: Vec3, *, spread: float = 1.0, ambient: float = 0.06, floor: float = 0.18
) -> F32:
    """Brightness of the studio seen along `direction` (x right, y down, z towards camera)."""
    rx, ry, rz = direction
    azimuth = np.degrees(np.arctan2(rx, rz))
    elevation = np.degrees(np.arcsin(np.clip(-ry, -1.0, 1.0)))
    light = ambient + floor * smoothstep(-5.0, 25.0, f32(-elevation))
    for box in STUDIO:
        d_az = (azimuth - box.azimuth + 180.0) % 360.0 - 180.0
        ax = np.abs(d_az) / (box.half_width * spread)
        ay = np.abs(elevation - box.elevation) / (box.half_height * spread)
        p = box.sharpness / spread
        light = light + box.intensity * np.exp(-(ax ** (2 * p)) - (ay ** (2 * p)))
    return f32(light)


def reflect(normal: Vec3, view: tuple[float, float, float]) -> Vec3:
    nx, ny, nz = normal
    vx, vy, vz = view
    dot = nx * vx + ny * vy + nz * vz
    return f32(2 * dot * nx - vx), f32(2 * dot * ny - vy), f32(2 * dot * nz - vz)


def lambert(normal: Vec3, light: tuple[float, float, float]) -> F32:
    nx, ny, nz = normal
    lx, ly, lz = light
    norm = math.sqrt(lx * lx + ly * ly + lz * lz)
    return f32(np.clip((nx * lx + ny * ly + nz * lz) / norm, 0.0, 1.0))


def camera_view(tilt: float) -> tuple[float, float, float]:
    """Direction towards a camera looking down so that circles squash by `tilt`."""
    return (0.0, -tilt, math.sqrt(1 - tilt * tilt))


# --------------------------------------------------------------------------------------------
# Backdrops and shadows


@dataclass(frozen=True)
class Backdrop:
    top: str
    bottom: str
    glow: str  # colour added by the pool of light behind the product
    glow_at: tuple[float, float] = (0.45, 0.45)
    glow_size: float = 0.38
    vignette: float = 0.12


def studio_backdrop(width: int, height: int, look: Backdrop) -> F32:
    """A seamless sweep: a vertical gradient, a soft pool of light behind the product and a
    gentle vignette."""
    gx, gy = pixel_grid(width, height)
    base = mix(rgb(look.top), rgb(look.bottom), smoothstep(0.0, 1.0, f32(gy / height)))
    size = look.glow_size * max(width, height)
    d2 = ((gx - look.glow_at[0] * width) ** 2 + (gy - look.glow_at[1] * height) ** 2) / size**2
    base = f32(base + np.exp(-d2)[..., None] * rgb(look.glow))
    r2 = ((gx - width / 2) / width) ** 2 + ((gy - height / 2) / height) ** 2
    return f32(base * (1.0 - look.vignette * r2[..., None] * 2.0))


@dataclass(frozen=True)
class Footprint:
    """Where a round product stands: axis x, front of its base y, radius, squash."""

    cx: float
    base: float
    radius: float
    tilt: float


def contact_shadow(
    canvas: F32,
    foot: Footprint,
    *,
    softness: float = 1.0,
    strength: float = 1.0,
    cast: tuple[float, float] = (0.6, -0.05),
) -> F32:
    """A round product's shadow on the floor: a tight dark core where it touches, a soft pool,
    and a long faint cast away from the key light (`cast` = offset in radii)."""
    size = (canvas.shape[1], canvas.shape[0])
    r, t = foot.radius, foot.tilt
    core = ellipse_mask(
        size, (foot.cx, foot.base - t * r * 0.9), (r * 0.98, t * r * 1.1), 3.0 * softness
    )
    pool = ellipse_mask(
        size,
        (foot.cx + 0.15 * r, foot.base - t * r * 0.6),
        (r * 1.35, t * r * 2.2),
        18.0 * softness,
    )
    far = ellipse_mask(
        size,
        (foot.cx + cast[0] * r * 1.6, foot.base - t * r + cast[1] * r),
        (r * 1.9, t * r * 3.5),
        55.0 * softness,
    )
    out = darken(canvas, core, 0.62 * strength)
    out = darken(out, pool, 0.30 * strength)
    return darken(out, far, 0.16 * strength)
