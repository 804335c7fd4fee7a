"""The AURA carton in three-quarter view: soft-touch green with gold foil."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

import cv2
import numpy as np
from PIL import Image, ImageDraw

from .brand import draw_mark
from .canvas import (
    F32,
    F64,
    SANS,
    SEED,
    SERIF,
    SS,
    Layer,
    Photo,
    darken,
    f32,
    font,
    grain,
    mix,
    pixel_grid,
    polygon_mask,
    rgb,
    rgb8,
    track_text,
    unit,
)
from .studio import Backdrop, studio_backdrop

BOX_GREEN: Final = rgb("#21403a")
FOIL: Final = rgb("#d2ad6c")


def _front_art(target: ImageDraw.ImageDraw, fw: int, fh: int, ink: tuple[int, ...] | int) -> None:
    draw_mark(target, (fw / 2, fh * 0.27), fw * 0.20, ink)
    brand = font(SERIF, round(fw * 0.19))
    track_text(target, (fw / 2, fh * 0.47), "AURA", brand, tracking=0.26, fill=ink)
    name = font(SANS, round(fw * 0.050))
    track_text(target, (fw / 2, fh * 0.575), "RADIANCE SERUM", name, tracking=0.34, fill=ink)
    target.line(
        [(fw * 0.44, fh * 0.63), (fw * 0.56, fh * 0.63)], fill=ink, width=max(1, round(fw * 0.004))
    )
    volume = font(SANS, round(fw * 0.040))
    track_text(target, (fw / 2, fh * 0.86), "30 ml  ·  1.0 fl oz", volume, tracking=0.16, fill=ink)


def _side_art(fw: int, fh: int) -> Image.Image:
    """The side's text, set across the height and stood up (as an L mask)."""
    band = Image.new("L", (fh, fw), 0)
    draw = ImageDraw.Draw(band)
    line1 = font(SANS, round(fw * 0.070))
    track_text(
        draw, (fh * 0.5, fw * 0.44), "AURA  ·  RADIANCE SERUM", line1, tracking=0.3, fill=255
    )
    line2 = font(SANS, round(fw * 0.050))
    track_text(
        draw, (fh * 0.5, fw * 0.60), "HYALURONIC ACID 2% + B5", line2, tracking=0.2, fill=255
    )
    return band.rotate(90, expand=True)


def box_faces(w: int, h: int, d: int) -> dict[str, tuple[F32, F32]]:
    """Artwork (RGB) and foil mask for the front (w x h), side (d x h) and top (w x d) faces."""
    faces: dict[str, tuple[F32, F32]] = {}
    foil_ink = rgb8(FOIL * 0.995)
    for name, (fw, fh) in {"front": (w, h), "side": (d, h), "top": (w, d)}.items():
        art = Image.new("RGB", (fw, fh), rgb8(BOX_GREEN))
        foil = Image.new("L", (fw, fh), 0)
        for image, ink in ((art, foil_ink), (foil, 255)):
            target = ImageDraw.Draw(image)
            inset = round(min(fw, fh) * 0.05)
            border = [inset, inset, fw - inset, fh - inset]
            target.rectangle(border, outline=ink, width=max(1, round(fw * 0.004)))
            if name == "front":
                _front_art(target, fw, fh, ink)
            elif name == "side":
                draw_mark(target, (fw / 2, fh * 0.13), fw * 0.28, ink)
                image.paste(ink, (0, 0), _side_art(fw, fh))
            else:
                draw_mark(target, (fw / 2, fh / 2), min(fw, fh) * 0.35, ink)
        faces[name] = (unit(art), unit(foil))
    return faces


@dataclass(frozen=True)
class Camera:
    yaw: float  # degrees the box is turned (positive shows its right side)
    elevation: float  # degrees the camera looks down
    distance: float  # in box units

    def project(self, points: F64) -> F64:
        """3-D points (x right, y up, z towards the camera) to 2-D (x right, y down)."""
        yaw, el = math.radians(self.yaw), math.radians(self.elevation)
        rot_y = np.array(
            [[math.cos(yaw), 0, -math.sin(yaw)], [0, 1, 0], [math.sin(yaw), 0, math.cos(yaw)]]
        )
        rot_x = np.array(
            [[1, 0, 0], [0, math.cos(el), -math.sin(el)], [0, math.sin(el), math.cos(el)]]
        )
        p = points @ rot_y.T @ rot_x.T
        depth = self.distance - p[:, 2]
        return np.asarray(np.stack([p[:, 0], -p[:, 1]], axis=1) / depth[:, None] * self.distance)


@dataclass(frozen=True)
class Carton:
    dims: tuple[float, float, float]  # width, height, depth in box units
    camera: Camera
    centre_x: float  # image pixels
    floor_y: float  # y of the nearest bottom corner
    screen_height: float  # pixels from the top face's far corner to the nearest bottom corner

    def corners(self) -> F64:
        """The eight corners on screen: bottom then top; front (z+) then back; left then right."""
        bw, bh, bd = self.dims
        points = np.array(
            [[x, y, z] for y in (0, bh) for z in (bd / 2, -bd / 2) for x in (-bw / 2, bw / 2)],
            np.float64,
        )
        flat = self.camera.project(points)
        k = self.screen_height / (flat[:, 1].max() - flat[:, 1].min())
        offset = np.array(
            [
                self.centre_x - k * (flat[:, 0].max() + flat[:, 0].min()) / 2,
                self.floor_y - k * flat[:4, 1].max(),
            ]
        )
        return np.asarray(flat * k + offset)


# Each face: its corners (artwork top-left, top-right, bottom-right, bottom-left), base light.
CARTON_FACES: Final = {
    "front": ((4, 5, 1, 0), 0.86),
    "side": ((5, 7, 3, 1), 0.50),
    "top": ((6, 7, 5, 4), 1.22),
}


def _face_light(name: str, u: F32, v: F32) -> tuple[F32, F32, F32]:
    """Light across a face (u, v in 0..1 of its artwork): diffuse, sheen, and the band of light
    that the gold foil reflects."""
    base = CARTON_FACES[name][1]
    if name == "front":
        light = base * (1.04 - 0.10 * u) * (1.0 - 0.10 * v**2)
        sheen = f32(0.10 * np.exp(-((((u - 0.18) + 0.25 * v) / 0.22) ** 2)))
        band = np.exp(-((((u * 0.8 + v * 0.5) - 0.45) / 0.16) ** 2))
    elif name == "side":
        light = base * (1.05 - 0.25 * u) * (1.0 - 0.12 * v**2)
        sheen = f32(0.03 * np.exp(-(((u - 0.1) / 0.2) ** 2)))
        band = np.exp(-((((u * 0.6 + v * 0.6) - 0.35) / 0.2) ** 2)) * 0.6
    else:
        light = base * (1.0 - 0.08 * v)
        sheen = f32(0.08 * (1 - v))
        band = np.exp(-(((u - 0.35) / 0.25) ** 2))
    return f32(light), f32(sheen), f32(band)


def _warp(image: F32, matrix: F64, size: tuple[int, int]) -> F32:
    return f32(
        cv2.warpPerspective(
            image, matrix, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT
        )
    )


def render_carton(carton: Carton, canvas_size: tuple[int, int], scale: int = SS) -> Layer:
    """The carton as a layer: each visible face's artwork warped into place and lit."""
    screen = carton.corners()
    bw, bh, bd = carton.dims
    art = box_faces(*(round(v * 220 * scale) for v in (bw, bh, bd)))
    x0, y0 = int(screen[:, 0].min()) - 4, int(screen[:, 1].min()) - 4
    x1, y1 = int(screen[:, 0].max()) + 5, int(screen[:, 1].max()) + 5
    size = ((x1 - x0) * scale, (y1 - y0) * scale)
    colour = np.zeros((size[1], size[0], 3), np.float32)
    alpha = np.zeros((size[1], size[0]), np.float32)
    gx, gy = pixel_grid(*canvas_size, (x0, y0, x1, y1), scale)
    sx, sy = (gx - x0) * scale, (gy - y0) * scale
    for name, (corner_ids, base) in CARTON_FACES.items():
        tex, foil = art[name]
        fh, fw = tex.shape[:2]
        src = np.array([[0, 0], [fw, 0], [fw, fh], [0, fh]], np.float32)
        dst = f32((screen[list(corner_ids)] - [x0, y0]) * scale)
        matrix = np.asarray(cv2.getPerspectiveTransform(src, dst), np.float64)
        cover = _warp(np.ones((fh, fw), np.float32), matrix, size)
        # Where on the face each sample is (0..1 across and down), for the light's gradients.
        inv = np.linalg.inv(matrix)
        den = inv[2, 0] * sx + inv[2, 1] * sy + inv[2, 2]
        u = f32((inv[0, 0] * sx + inv[0, 1] * sy + inv[0, 2]) / den / fw)
        v = f32((inv[1, 0] * sx + inv[1, 1] * sy + inv[1, 2]) / den / fh)
        light, sheen, band = _face_light(name, u, v)
        foil_shade = (0.45 + 0.95 * band)[..., None] * FOIL * base**0.5
        shaded = _warp(tex, matrix, size) * light[..., None] + sheen[..., None]
        shaded = mix(
            shaded, f32(foil_shade + 0.25 * band[..., None] ** 4), _warp(foil, matrix, size)
        )
        colour += shaded * cover[..., None]
        alpha += cover
    # A catch light along the vertical edge nearest the camera.
    edge = np.zeros((size[1], size[0]), np.float32)
    top_pt, bottom_pt = ((screen[i] - [x0, y0]) * scale for i in (5, 1))
    cv2.line(
        edge,
        (int(top_pt[0]), int(top_pt[1])),
        (int(bottom_pt[0]), int(bottom_pt[1])),
        1.0,
        max(1, round(1.5 * scale)),
        cv2.LINE_AA,
    )
    colour += (0.10 * cv2.GaussianBlur(edge, (0, 0), scale * 0.8))[..., None]
    alpha = np.clip(alpha, 0, 1)
    colour = f32(colour / np.maximum(alpha, 1e-4)[..., None])
    return Layer.from_supersampled(f32(colour), f32(alpha), (x0, y0), scale)


# --------------------------------------------------------------------------------------------
# The photo


def photo_gift_box(width: int = 2400, height: int = 1600) -> Photo:
    rng = np.random.default_rng(SEED + 2)
    look = Backdrop("#d5d7da", "#eceded", "#0a0a0a", glow_at=(0.55, 0.42), glow_size=0.4)
    canvas = studio_backdrop(width, height, look)
    carton = Carton(
        dims=(1.0, 1.75, 0.72),
        camera=Camera(yaw=34, elevation=20, distance=11.0),
        centre_x=0.56 * width,
        floor_y=0.81 * height,
        screen_height=0.60 * height,
    )
    layer = render_carton(carton, (width, height))
    floor = carton.corners()[:4]
    # Shadows: a tight contact line, an occlusion pool and a long soft cast to the back right.
    size = (width, height)
    span = floor[:, 0].max() - floor[:, 0].min()
    cast = np.concatenate([floor, floor + np.array([0.55 * span, -0.10 * span])])
    hull = np.asarray(cv2.convexHull(f32(cast)).reshape(-1, 2), np.float64)
    pool = floor + np.array([[-10, 8], [10, 8], [10, -4], [-10, 8]], np.float64)
    canvas = darken(canvas, polygon_mask(size, hull, 60.0), 0.20)
    canvas = darken(canvas, polygon_mask(size, pool, 30.0), 0.32)
    canvas = darken(canvas, polygon_mask(size, floor, 4.0), 0.55)
    canvas = grain(layer.over(canvas), rng, 0.006)
    return canvas, layer.box(width, height)
