"""Text as RGBA sprites (straight alpha), where text goes in a frame, and intro/outro cards.

Sizes in a TextStyle are pixels at a 1080-pixel-high frame and effects are in em, so one
style looks the same at 720p, 1080p and 4k. Layers are drawn as coverage masks (Pillow's
anti-aliased rasteriser) and composited in floating point, so edges carry no dark fringe.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import cv2
import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw, ImageFont

from video_studio.models import TextPosition
from video_studio.render.fonts import contains_cjk, find_font, is_cjk_char, load_font
from video_studio.templates import TextStyle

Align = Literal["left", "center", "right"]
FloatArray = npt.NDArray[np.float32]
REFERENCE_HEIGHT = 1080
# Kinsoku: these never start a line, and those never end one; they stick to their neighbour.
_NO_LINE_START = frozenset("，。、；：？！）」』》〉】〕”’…—～·,.!?;:)]}%")
_NO_LINE_END = frozenset("（「『《〈【〔“‘([{")


def hex_to_rgba(color: str) -> tuple[int, int, int, int]:
    value = color.lstrip("#")
    alpha = int(value[6:8], 16) if len(value) == 8 else 255
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16), alpha


def scaled_size(size: float, frame_height: int) -> int:
    """A size given at 1080 px frame height, in pixels at `frame_height`."""
    return max(1, round(size * frame_height / REFERENCE_HEIGHT))


def align_for(position: TextPosition) -> Align:
    if position in (TextPosition.TOP_LEFT, TextPosition.BOTTOM_LEFT):
        return "left"
    if position in (TextPosition.TOP_RIGHT, TextPosition.BOTTOM_RIGHT):
        return "right"
    return "center"


# --- measuring and wrapping ------------------------------------------------------------------


def line_extent(
    font: ImageFont.FreeTypeFont, line: str, letter_spacing: float = 0.0, stroke: int = 0
) -> tuple[float, float]:
    """Left and right edge of a line drawn at x = 0: the union of its advance and its ink."""
    if not line:
        return 0.0, 0.0
    if letter_spacing == 0.0:
        left, _, right, _ = font.getbbox(line, anchor="ls", stroke_width=stroke)
        return min(0.0, left), max(font.getlength(line), right)
    x, left, right = 0.0, 0.0, 0.0
    for char in line:
        ink_left, _, ink_right, _ = font.getbbox(char, anchor="ls", stroke_width=stroke)
        left, right = min(left, x + ink_left), max(right, x + ink_right)
        x += font.getlength(char) + letter_spacing
    return left, max(right, x - letter_spacing)


def line_width(
    font: ImageFont.FreeTypeFont, line: str, letter_spacing: float = 0.0, stroke: int = 0
) -> float:
    left, right = line_extent(font, line, letter_spacing, stroke)
    return right - left


def _tokens(paragraph: str) -> list[str]:
    """Unbreakable pieces: Latin words, single CJK characters (with the punctuation that may
    not be separated from them), and " " for a breakable space."""
    tokens: list[str] = []
    word, prefix = "", ""
    for char in paragraph:
        if (char.isspace() or is_cjk_char(char)) and word:
            tokens.append(word)
            word = ""
        if char.isspace():
            if tokens and tokens[-1] != " ":
                tokens.append(" ")
        elif char in _NO_LINE_END:
            prefix += char
        elif char in _NO_LINE_START and tokens and tokens[-1] != " " and not word:
            tokens[-1] += char
        elif is_cjk_char(char):
            tokens.append(prefix + char)
            prefix = ""
        else:
            word += prefix + char
            prefix = ""
    if word or prefix:
        tokens.append(word + prefix)
    return tokens


def wrap_text(
    text: str,
    font: ImageFont.FreeTypeFont,
    max_width: float,
    letter_spacing: float = 0.0,
    stroke: int = 0,
) -> list[str]:
    """Lines that fit `max_width`: breaks at spaces and between CJK characters, keeps the
    explicit newlines, and splits a word only when the word alone is too wide."""

    def fits(candidate: str) -> bool:
        return line_width(font, candidate, letter_spacing, stroke) <= max_width

    def split_word(word: str) -> list[str]:
        pieces = [""]
        for char in word:
            if pieces[-1] and not fits(pieces[-1] + char):
                pieces.append("")
            pieces[-1] += char
        return pieces

    lines: list[str] = []
    for paragraph in text.replace("\r\n", "\n").split("\n"):
        line, space = "", False
        for token in _tokens(paragraph):
            if token == " ":
                space = bool(line)
                continue
            candidate = f"{line}{' ' if space else ''}{token}"
            space = False
            if line and fits(candidate):
                line = candidate
                continue
            if line:
                lines.append(line)
            pieces = [token] if fits(token) else split_word(token)
            lines.extend(pieces[:-1])
            line = pieces[-1]
        lines.append(line)
    return lines


# --- rendering -----------------------------------------------------------------------------


def _stroke(style: TextStyle, size: float) -> int:
    return math.ceil(style.outline.width * size) if style.outline else 0


@dataclass(frozen=True)
class _Layout:
    font: ImageFont.FreeTypeFont
    spacing: float  # letter spacing in pixels
    lines: list[str]
    xs: list[float]  # pen position of each line relative to the block's left edge
    baselines: list[float]  # relative to the block's top edge
    width: float
    height: float


def _layout(
    lines: list[str], font: ImageFont.FreeTypeFont, style: TextStyle, *, align: Align, cjk: bool
) -> _Layout:
    spacing, stroke = style.letter_spacing * font.size, _stroke(style, font.size)
    pitch = style.line_spacing * font.size
    # A reference string gives every line the same height, so boxes do not jump with content.
    _, ref_top, _, ref_bottom = font.getbbox("Hg国" if cjk else "Hg", anchor="ls")
    extents = [line_extent(font, line, spacing, stroke) for line in lines]
    tops, bottoms = [], []
    for index, line in enumerate(lines):
        _, top, _, bottom = font.getbbox(line or "H", anchor="ls", stroke_width=stroke)
        tops.append(index * pitch + min(ref_top - stroke, top))
        bottoms.append(index * pitch + max(ref_bottom + stroke, bottom))
    width = max(right - left for left, right in extents)
    xs = []
    for left, right in extents:
        slack = width - (right - left)
        offset = {"left": 0.0, "center": slack / 2, "right": slack}[align]
        xs.append(offset - left)
    block_top = min(tops)
    baselines = [index * pitch - block_top for index in range(len(lines))]
    return _Layout(font, spacing, lines, xs, baselines, width, max(bottoms) - block_top)


def _draw_lines(
    layout: _Layout, size: tuple[int, int], origin: tuple[float, float], stroke: int
) -> FloatArray:
    """Coverage (0..1) of the laid-out lines, with `stroke` pixels of outline around them."""
    mask = Image.new("L", size, 0)
    draw, font = ImageDraw.Draw(mask), layout.font
    for line, x, baseline in zip(layout.lines, layout.xs, layout.baselines, strict=True):
        y = origin[1] + baseline
        if layout.spacing == 0.0:
            draw.text((origin[0] + x, y), line, 255, font, "ls", stroke_width=stroke)
            continue
        pen = origin[0] + x
        for char in line:
            draw.text((pen, y), char, 255, font, "ls", stroke_width=stroke)
            pen += font.getlength(char) + layout.spacing
    return np.asarray(mask, np.float32) / np.float32(255.0)


def _rounded_rect(
    shape: tuple[int, int], rect: tuple[float, float, float, float], radius: float
) -> FloatArray:
    """Anti-aliased coverage (0..1) of a rounded rectangle, from its signed distance."""
    height, width = shape
    x0, y0, x1, y1 = rect
    radius = min(radius, (x1 - x0) / 2, (y1 - y0) / 2)
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32) + 0.5
    qx = np.abs(xs - (x0 + x1) / 2) - ((x1 - x0) / 2 - radius)
    qy = np.abs(ys - (y0 + y1) / 2) - ((y1 - y0) / 2 - radius)
    outside = np.hypot(np.maximum(qx, 0), np.maximum(qy, 0))
    distance = outside + np.minimum(np.maximum(qx, qy), 0) - radius
    coverage: FloatArray = np.clip(0.5 - distance, 0.0, 1.0).astype(np.float32)
    return coverage


class _Canvas:
    """Premultiplied float accumulation of layers of one colour each ("over" operator)."""

    def __init__(self, height: int, width: int) -> None:
        self.rgb: FloatArray = np.zeros((height, width, 3), np.float32)
        self.alpha: FloatArray = np.zeros((height, width), np.float32)

    def over(self, color: str, coverage: FloatArray, opacity: float = 1.0) -> None:
        *rgb, alpha = hex_to_rgba(color)
        layer = coverage * np.float32(alpha / 255.0 * opacity)
        keep = 1.0 - layer
        self.rgb = self.rgb * keep[..., None] + layer[..., None] * np.array(rgb, np.float32)
        self.alpha = self.alpha * keep + layer

    def to_straight(self, fill: str) -> np.ndarray:
        out = np.empty((*self.alpha.shape, 4), np.uint8)
        safe = np.maximum(self.alpha, 1e-6)[..., None]
        rgb = np.where(self.alpha[..., None] > 1e-6, self.rgb / safe, hex_to_rgba(fill)[:3])
        out[..., :3] = np.clip(np.rint(rgb), 0, 255)
        out[..., 3] = np.clip(np.rint(self.alpha * 255.0), 0, 255)
        return out


def render_text(
    text: str,
    style: TextStyle,
    *,
    frame_height: int,
    max_width: int,
    position: TextPosition | None = None,
) -> np.ndarray:
    """An RGBA uint8 sprite (straight alpha) of the text, at most `max_width` wide unless a
    single character is wider. Lines align by `position` (left for *_left, right for
    *_right, else centred), or by the style when no position is given."""
    content = text.upper() if style.uppercase else text
    cjk = contains_cjk(content)
    size = scaled_size(style.size, frame_height)
    font = load_font(find_font(style.font, style.weight, cjk), size)
    spacing, stroke = style.letter_spacing * size, _stroke(style, size)
    pad_x, pad_y = (
        (style.box.padding[0] * size, style.box.padding[1] * size) if style.box else (0, 0)
    )
    shadow_dx = shadow_dy = blur = 0.0
    if style.shadow:
        shadow_dx, shadow_dy = (style.shadow.offset[0] * size, style.shadow.offset[1] * size)
        blur = style.shadow.blur * size
    reach = 3.0 * blur  # a Gaussian is negligible beyond three sigma
    extra_x = max(0.0, shadow_dx + reach) + max(0.0, reach - shadow_dx)
    inner = max(1.0, max_width - 2 * pad_x - extra_x - 2)  # 2: rounding up to whole pixels

    lines = wrap_text(content, font, inner, spacing, stroke)
    align = align_for(position) if position is not None else style.align
    layout = _layout(lines, font, style, align=align, cjk=cjk)
    face_w, face_h = layout.width + 2 * pad_x, layout.height + 2 * pad_y
    left = max(0.0, reach - shadow_dx)
    top = max(0.0, reach - shadow_dy)
    width = max(1, math.ceil(left + face_w + max(0.0, shadow_dx + reach)))
    height = max(1, math.ceil(top + face_h + max(0.0, shadow_dy + reach)))

    canvas = _Canvas(height, width)
    origin = (left + pad_x, top + pad_y)
    fill = _draw_lines(layout, (width, height), origin, 0)
    outline = _draw_lines(layout, (width, height), origin, stroke) if stroke else fill
    box = np.zeros_like(fill)
    if style.box:
        rect = (left, top, left + face_w, top + face_h)
        box = _rounded_rect(fill.shape, rect, style.box.radius * size) * style.box.opacity
    if style.shadow:
        # The shadow is cast by everything in front of it: box, outline and letters.
        face = np.maximum(np.maximum(box, outline), fill)
        shift = np.array([[1, 0, shadow_dx], [0, 1, shadow_dy]], np.float32)
        moved = cv2.warpAffine(face, shift, (width, height), flags=cv2.INTER_LINEAR)
        if blur > 0:
            moved = cv2.GaussianBlur(moved, (0, 0), sigmaX=blur)
        cast: FloatArray = np.asarray(moved, np.float32)
        canvas.over(style.shadow.color, cast, style.shadow.opacity)
    if style.box:
        canvas.over(style.box.color, box)
    if style.outline:
        canvas.over(style.outline.color, outline)
    canvas.over(style.color, fill)
    return canvas.to_straight(style.color)


# --- placing ---------------------------------------------------------------------------------


def safe_rect(frame_w: int, frame_h: int, safe_area: float) -> tuple[int, int, int, int]:
    """The title-safe area (x, y, w, h): the centred `safe_area` fraction of the frame,
    rounded inwards."""
    margin_x = math.ceil(frame_w * (1.0 - safe_area) / 2 - 1e-9)
    margin_y = math.ceil(frame_h * (1.0 - safe_area) / 2 - 1e-9)
    return margin_x, margin_y, frame_w - 2 * margin_x, frame_h - 2 * margin_y


def place_text(  # noqa: PLR0917  # positional, as the renderer's call sites read best
    sprite_w: int,
    sprite_h: int,
    position: TextPosition,
    frame_w: int,
    frame_h: int,
    safe_area: float,
) -> tuple[int, int]:
    """Top-left corner for a sprite at `position`, inside the title-safe area. A sprite
    larger than the safe area is centred on the frame along that axis."""
    x0, y0, safe_w, safe_h = safe_rect(frame_w, frame_h, safe_area)
    horizontal = align_for(position)
    if sprite_w > safe_w or horizontal == "center":
        x = (frame_w - sprite_w) // 2
    else:
        x = x0 if horizontal == "left" else x0 + safe_w - sprite_w
    if sprite_h > safe_h or position is TextPosition.CENTER:
        y = (frame_h - sprite_h) // 2
    elif position in (TextPosition.TOP, TextPosition.TOP_LEFT, TextPosition.TOP_RIGHT):
        y = y0
    else:
        y = y0 + safe_h - sprite_h
    return x, y
