"""The compositor: the frame at any time t, at any output size, for preview and export.

    compositor = Compositor(storyboard)                 # the storyboard's own size and fps
    frame = compositor.frame(2.5)                       # YuvFrame (what the encoder takes)
    rgb = Compositor(storyboard, size=(960, 540)).frame_rgb(2.5)   # preview

Safe to call from several threads at once (export renders ahead in a pool).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import TypeVar

import cv2
import numpy as np

from video_studio.image_io import load_image
from video_studio.models import TextOverlay
from video_studio.render.color import color_to_yuv, yuv420_to_rgb
from video_studio.render.drawing import draw_sprite
from video_studio.render.frame import Sprite, YuvFrame
from video_studio.render.scenes import RenderContext, SceneRenderer, make_renderer
from video_studio.render.sources import SourceCache
from video_studio.render.sprites import sprite_from_rgba
from video_studio.render.text import place_text, render_text, safe_rect
from video_studio.render.timeline import TimelineItem, build_timeline
from video_studio.render.transitions import apply_transition, fade_through
from video_studio.storyboard import Storyboard
from video_studio.templates import Template, get_template

_T = TypeVar("_T")
_log = logging.getLogger("video_studio.rendering")


@dataclass(frozen=True)
class PlacedSprite:
    sprite: Sprite
    x: int
    y: int


class Compositor:
    def __init__(
        self,
        storyboard: Storyboard,
        *,
        size: tuple[int, int] | None = None,
        fps: float | None = None,
        template: Template | None = None,
        cache: SourceCache | None = None,
    ) -> None:
        width, height = size or storyboard.frame_size
        if width % 2 or height % 2 or width < 2 or height < 2:
            raise ValueError(f"frame size must be even and positive, got {width}x{height}")
        self.storyboard = storyboard
        self.template = template or get_template(storyboard.template_id)
        self.width, self.height = width, height
        self.fps = float(fps or storyboard.fps)
        self.timeline = build_timeline(storyboard, self.template)
        self.context = RenderContext(
            storyboard, self.template, width, height, self.fps, cache or SourceCache()
        )
        self._renderers: dict[int, SceneRenderer] = {}
        self._texts: dict[int, PlacedSprite | None] = {}
        self._lock = threading.Lock()
        self._local = threading.local()
        self._prefetched: set[int] = set()

    # --- timing -------------------------------------------------------------------------

    @property
    def duration(self) -> float:
        return self.timeline.duration

    @property
    def frame_count(self) -> int:
        return max(1, round(self.duration * self.fps))

    def time_of(self, index: int) -> float:
        return index / self.fps

    # --- frames -------------------------------------------------------------------------

    def frame(self, t: float) -> YuvFrame:
        out = YuvFrame.allocate(self.width, self.height)
        self.render_into(t, out)
        return out

    def frame_rgb(self, t: float) -> np.ndarray:
        """The frame at t as uint8 RGB (H, W, 3), for preview and thumbnails."""
        frame = self.frame(t)
        return yuv420_to_rgb(frame.y, frame.u, frame.v)

    def render_into(self, t: float, out: YuvFrame) -> None:
        active = self.timeline.active(t)
        first = active[0]
        self._draw_item(first.item, first.local_time, out)
        if len(active) == 2:
            incoming = active[1]
            scratch = self._scratch()
            self._draw_item(incoming.item, incoming.local_time, scratch)
            transition = first.item.transition
            assert transition is not None and first.item.overlap > 0
            progress = (t - incoming.item.start) / first.item.overlap
            apply_transition(transition, progress, out, scratch)
        self._fade_out_at_end(t, out)
        watermark = self._watermark
        if watermark is not None:
            opacity = self.storyboard.watermark.opacity if self.storyboard.watermark else 1.0
            draw_sprite(out, watermark.sprite, watermark.x, watermark.y, opacity)

    def prefetch(self, t: float) -> None:
        """Start preparing, in the background, the items shown at t that are not ready yet,
        so a render thread does not stall on a decode when the next scene begins."""
        for active in self.timeline.active(t):
            position = active.item.position
            with self._lock:
                if position in self._prefetched:
                    continue
                self._prefetched.add(position)
            worker = threading.Thread(
                target=self._prepare_quietly, args=(active.item,), name="prefetch", daemon=True
            )
            worker.start()

    def _prepare_quietly(self, item: TimelineItem) -> None:
        try:
            self._renderer(item).prepare()
        except Exception:  # the frame that needs it reports the failure, with its scene
            _log.debug("prefetch of %s failed", item.label, exc_info=True)

    def _scratch(self) -> YuvFrame:
        """A second frame buffer per thread, for the incoming side of transitions."""
        scratch = getattr(self._local, "scratch", None)
        if scratch is None:
            scratch = self._local.scratch = YuvFrame.allocate(self.width, self.height)
        return scratch

    def _draw_item(self, item: TimelineItem, local_time: float, frame: YuvFrame) -> None:
        self._renderer(item).render(local_time, frame)
        text = item.text
        if text is not None:
            placed = self._text_sprite(item, text)
            opacity = _text_opacity(text, local_time, item.duration)
            if placed is not None and opacity > 0:
                draw_sprite(frame, placed.sprite, placed.x, placed.y, opacity)

    def _fade_out_at_end(self, t: float, out: YuvFrame) -> None:
        fade = self.timeline.end_fade()
        if fade is None or fade.duration <= 0:
            return
        remaining = self.duration - t
        if remaining < fade.duration:
            # Reaches the colour on the last frame.
            span = max(fade.duration - 1.0 / self.fps, 1e-6)
            q = min(1.0, (fade.duration - remaining) / span)
            fade_through(out, None, q / 2, color_to_yuv(fade.color))

    # --- lazily built parts -------------------------------------------------------------

    def _renderer(self, item: TimelineItem) -> SceneRenderer:
        return self._lazy(self._renderers, item.position, lambda: make_renderer(item, self.context))

    def _text_sprite(self, item: TimelineItem, text: TextOverlay) -> PlacedSprite | None:
        def build() -> PlacedSprite | None:
            style = self.template.overlay_style(text)
            _, _, safe_w, _ = safe_rect(self.width, self.height, self.template.safe_area)
            rgba = render_text(
                text.content,
                style,
                # Type is sized by the short side, so a 9:16 frame's text is not 1.78x bigger.
                frame_height=min(self.width, self.height),
                max_width=safe_w,
                position=text.position,
            )
            sprite = sprite_from_rgba(rgba)
            x, y = place_text(
                sprite.width,
                sprite.height,
                text.position,
                self.width,
                self.height,
                self.template.safe_area,
            )
            return PlacedSprite(sprite, x, y)

        return self._lazy(self._texts, item.position, build)

    def _lazy(self, store: dict[int, _T], key: int, build: Callable[[], _T]) -> _T:
        with self._lock:
            if key in store:
                return store[key]
        value = build()
        with self._lock:
            return store.setdefault(key, value)

    @cached_property
    def _watermark(self) -> PlacedSprite | None:
        mark = self.storyboard.watermark
        if mark is None:
            return None
        logo = load_image(self.storyboard.resolve_path(mark.path), keep_alpha=True)
        if logo.shape[2] == 3:
            logo = np.dstack([logo, np.full(logo.shape[:2], 255, np.uint8)])
        width = max(2, round(self.width * mark.scale))
        height = max(2, round(logo.shape[0] * width / logo.shape[1]))
        scaled = cv2.resize(logo, (width, height), interpolation=cv2.INTER_AREA)
        sprite = sprite_from_rgba(scaled)
        margin = round(self.height * mark.margin)
        x, y = place_text(sprite.width, sprite.height, mark.position, self.width, self.height, 1.0)
        x += margin if x < self.width // 3 else -margin if x > self.width // 2 else 0
        y += margin if y < self.height // 3 else -margin if y > self.height // 2 else 0
        return PlacedSprite(sprite, x, y)


def _text_opacity(text: TextOverlay, local_time: float, scene_duration: float) -> float:
    """Visible from `start` for `duration` (default: to the end of its scene), faded."""
    end = text.start + text.duration if text.duration is not None else scene_duration
    if local_time < text.start or local_time >= end:
        return 0.0
    opacity = 1.0
    if text.fade_in > 0:
        opacity = min(opacity, (local_time - text.start) / text.fade_in)
    if text.fade_out > 0:
        opacity = min(opacity, (end - local_time) / text.fade_out)
    return max(0.0, min(1.0, opacity))
