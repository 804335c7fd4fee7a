"""Intro and outro cards: background, logo, title and subtitle, as one RGB frame."""

from __future__ import annotations

from typing import Literal

import cv2
import numpy as np

from video_studio.models import TextPosition
from video_studio.render.text import hex_to_rgba, place_text, render_text, safe_rect
from video_studio.storyboard import CardConfig
from video_studio.templates import CardStyle, Template

_CARD_GAP = 0.035  # between logo, title and subtitle on a card, of the shorter side


def composite_rgba(frame: np.ndarray, sprite: np.ndarray, x: int, y: int) -> None:
    """Blend a straight-alpha RGBA sprite onto an RGB uint8 frame in place (clipped)."""
    frame_h, frame_w = frame.shape[:2]
    left, top = max(0, x), max(0, y)
    right, bottom = min(frame_w, x + sprite.shape[1]), min(frame_h, y + sprite.shape[0])
    if right <= left or bottom <= top:
        return
    part = sprite[top - y : bottom - y, left - x : right - x].astype(np.float32)
    alpha = part[..., 3:4] / 255.0
    region = frame[top:bottom, left:right].astype(np.float32)
    blended = region * (1.0 - alpha) + part[..., :3] * alpha
    frame[top:bottom, left:right] = np.clip(np.rint(blended), 0, 255).astype(np.uint8)


# --- cards -----------------------------------------------------------------------------------


def _scale_logo(logo: np.ndarray, max_w: int, max_h: int) -> np.ndarray:
    """The logo as RGBA fitted into max_w x max_h; resampled premultiplied (no fringes)."""
    rgba = logo if logo.shape[2] == 4 else np.dstack([logo, np.full(logo.shape[:2], 255)])
    scale = min(max_w / rgba.shape[1], max_h / rgba.shape[0])
    size = (max(1, round(rgba.shape[1] * scale)), max(1, round(rgba.shape[0] * scale)))
    alpha = rgba[..., 3].astype(np.float32) / 255.0
    premultiplied = np.dstack([rgba[..., :3].astype(np.float32) * alpha[..., None], alpha])
    method = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
    resized = np.clip(cv2.resize(premultiplied, size, interpolation=method), 0, None)
    out_alpha = np.clip(resized[..., 3], 0.0, 1.0)
    rgb = resized[..., :3] / np.maximum(out_alpha, 1e-6)[..., None]
    out = np.dstack([np.clip(rgb, 0, 255), out_alpha * 255.0])
    return np.rint(out).astype(np.uint8)


def _card_style(template: Template, role: Literal["intro", "outro"] | None) -> CardStyle:
    chosen = {"intro": template.intro, "outro": template.outro}.get(role) if role else None
    return chosen or template.outro or template.intro or CardStyle()


def render_card(
    card: CardConfig,
    template: Template,
    frame_size: tuple[int, int],
    *,
    logo: np.ndarray | None = None,
    name: str = "",
    role: Literal["intro", "outro"] | None = None,
) -> np.ndarray:
    """A full RGB uint8 frame of an intro/outro card: background, logo, title and subtitle
    (with `{name}` replaced) stacked in the middle of the title-safe area. `role` picks the
    template's intro or outro look (default: whichever the template has, outro first)."""
    frame_w, frame_h = frame_size
    # Sizes follow the shorter side, so a 9:16 card's text is as large as a 16:9 one's.
    reference = min(frame_w, frame_h)
    look = _card_style(template, role)
    background = card.background or look.background or template.background
    frame = np.empty((frame_h, frame_w, 3), np.uint8)
    frame[:] = hex_to_rgba(background)[:3]
    _, y0, safe_w, _ = safe_rect(frame_w, frame_h, template.safe_area)

    items: list[np.ndarray] = []
    logo_sprite = None
    if logo is not None:
        logo_sprite = _scale_logo(logo, safe_w, round(look.logo_height * reference))
        if look.logo_position == "above_title":
            items.append(logo_sprite)
    for text, style_name in ((card.title, look.title_style), (card.subtitle, look.subtitle_style)):
        content = text.replace("{name}", name).strip()
        if not content:
            continue
        style = template.text_style(style_name)
        if card.text_color:
            style = style.model_copy(update={"color": card.text_color})
        items.append(render_text(content, style, frame_height=reference, max_width=safe_w))

    gap = round(_CARD_GAP * reference)
    stack_h = sum(item.shape[0] for item in items) + gap * max(0, len(items) - 1)
    y = max(y0, (frame_h - stack_h) // 2)
    for item in items:
        composite_rgba(frame, item, (frame_w - item.shape[1]) // 2, y)
        y += item.shape[0] + gap
    if logo_sprite is not None and look.logo_position != "above_title":
        where = TextPosition.TOP if look.logo_position == "top" else TextPosition.BOTTOM
        logo_h, logo_w = logo_sprite.shape[:2]
        x, y = place_text(logo_w, logo_h, where, frame_w, frame_h, template.safe_area)
        composite_rgba(frame, logo_sprite, x, y)
    return frame
