"""What each timeline item draws: a still image with its motion, a parallax photo, a video
clip, or a card. Renderers are shared by the render threads, so they keep no per-frame
state; prepared sources live in the SourceCache."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import Literal, Protocol

import cv2
import numpy as np

from video_studio.analysis_store import shared_analysis_store
from video_studio.image_io import load_image, probe_image_cached
from video_studio.layers import separate_layers
from video_studio.models import FitMode, MotionSpec, MotionType
from video_studio.motion import Framing, MotionPath, Subject, Window, base_window, plan_motion
from video_studio.render.cards import render_card
from video_studio.render.clips import ClipReader
from video_studio.render.color import color_to_yuv
from video_studio.render.drawing import draw_source
from video_studio.render.frame import YuvFrame
from video_studio.render.sources import SourceCache, SourcePlanes, file_key, make_planes
from video_studio.render.sources import working_scale as reduction_for
from video_studio.render.timeline import ItemKind, TimelineItem
from video_studio.storyboard import Storyboard
from video_studio.subject import SubjectBox, find_subject
from video_studio.templates import Template

# Subject detection and the blurred backdrop work from small copies.
ANALYSIS_SIDE = 640
BLUR_SIDE = 320
BLUR_SIGMA = 6.0  # at BLUR_SIDE
BLUR_DIM = 0.82  # the blurred backdrop is a little darker, so the photo stands out
# In a parallax move the background travels this fraction of the foreground's zoom.
PARALLAX_DEPTH = 0.35


@dataclass(frozen=True)
class LayerPair:
    """A parallax photo's two layers, cached as one entry (they come from one split)."""

    far: SourcePlanes
    near: SourcePlanes

    @property
    def nbytes(self) -> int:
        return self.far.nbytes + self.near.nbytes


@dataclass(frozen=True)
class RenderContext:
    storyboard: Storyboard
    template: Template
    width: int
    height: int
    fps: float
    cache: SourceCache

    @property
    def aspect(self) -> float:
        return self.width / self.height


class SceneRenderer(Protocol):
    def render(self, local_time: float, frame: YuvFrame) -> None: ...

    def prepare(self) -> None:
        """Do the slow first-use work (decode, analyse) ahead of the first frame."""
        ...


def motion_progress(item: TimelineItem, local_time: float, fps: float) -> float:
    """0 on the item's first frame, 1 on its last visible frame."""
    span = item.visible_duration - 1.0 / fps
    return 1.0 if span <= 0 else min(1.0, max(0.0, local_time / span))


def make_renderer(item: TimelineItem, context: RenderContext) -> SceneRenderer:
    if item.kind is ItemKind.CARD:
        return CardRenderer(item, context)
    if item.kind is ItemKind.CLIP:
        return ClipRenderer(item, context)
    if item.motion is not None and item.motion.type is MotionType.PARALLAX:
        return ParallaxRenderer(item, context)
    return ImageRenderer(item, context)


class ImageRenderer:
    """A still photo framed by its fit, moving through its motion's windows."""

    def __init__(self, item: TimelineItem, context: RenderContext) -> None:
        assert item.scene is not None
        self.item = item
        self.context = context
        self.path = context.storyboard.resolve_path(item.scene.image)
        info = probe_image_cached(self.path)
        self.image_w, self.image_h = info.width, info.height
        self.has_alpha = info.has_alpha
        self.background_yuv = color_to_yuv(item.background)

    @cached_property
    def framing(self) -> Framing:
        subject = self._subject() if _wants_subject(self.item.motion) else None
        return Framing(self.image_w, self.image_h, self.context.aspect, self.item.fit, subject)

    @cached_property
    def path_(self) -> MotionPath:
        return plan_motion(self.item.motion, self.framing)

    def _subject(self) -> Subject:
        def find() -> SubjectBox:
            return find_subject(load_image(self.path, max_side=ANALYSIS_SIDE))

        box = shared_analysis_store().subject_box(self.path, ANALYSIS_SIDE, find)
        return Subject(
            box.x * self.image_w, box.y * self.image_h, box.w * self.image_w, box.h * self.image_h
        )

    @property
    def covers_frame(self) -> bool:
        """An opaque photo whose windows stay inside it paints every pixel itself."""
        if self.has_alpha or self.item.fit is not FitMode.COVER:
            return False
        return all(
            _inside(w, self.image_w, self.image_h) for w in (self.path_.start, self.path_.end)
        )

    def _source(self) -> SourcePlanes:
        widest = max(self.path_.start[2], self.path_.end[2])
        scale = reduction_for(self.image_w, widest, self.context.width)
        transparent = not self.covers_frame
        key = (*file_key(self.path), "image", round(scale, 3), transparent)
        source = self.context.cache.get(key, lambda: _load_planes(self.path, scale, transparent))
        assert isinstance(source, SourcePlanes)
        return source

    def _backdrop(self, frame: YuvFrame) -> None:
        if self.item.fit is FitMode.BLUR:
            key = (*file_key(self.path), "blur", self.context.width, self.context.height)
            blurred = self.context.cache.get(key, lambda: _blurred_backdrop(self.path))
            assert isinstance(blurred, SourcePlanes)
            # The backdrop's windows are in its own (small) pixels: its scale is 1.
            window = base_window(blurred.width, blurred.height, self.context.aspect, FitMode.COVER)
            draw_source(frame, blurred, window)
        else:
            frame.fill(self.background_yuv)

    def prepare(self) -> None:
        self._source()
        if self.item.fit is FitMode.BLUR:
            self._backdrop(YuvFrame.allocate(2, 2))

    def render(self, local_time: float, frame: YuvFrame) -> None:
        window = self.path_.at(motion_progress(self.item, local_time, self.context.fps))
        if not self.covers_frame:
            self._backdrop(frame)
        draw_source(frame, self._source(), window)


class ParallaxRenderer(ImageRenderer):
    """The product and its backdrop as two layers moving at different speeds (2.5D)."""

    @cached_property
    def layer_paths(self) -> tuple[MotionPath, MotionPath]:
        motion = self.item.motion or MotionSpec(type=MotionType.PARALLAX)
        framing = Framing(self.image_w, self.image_h, self.context.aspect, FitMode.COVER)
        near = motion.model_copy(update={"type": MotionType.ZOOM_IN})
        far = near.model_copy(update={"amount": motion.amount * PARALLAX_DEPTH})
        return plan_motion(far, framing), plan_motion(near, framing)

    @property
    def covers_frame(self) -> bool:
        return True

    def _layers(self) -> LayerPair:
        widest = max(path.start[2] for path in self.layer_paths)
        scale = reduction_for(self.image_w, widest, self.context.width)
        key = (*file_key(self.path), "parallax", round(scale, 3))
        side = math.ceil(max(self.image_w, self.image_h) * scale)

        def load() -> LayerPair:
            image = load_image(self.path, max_side=side, keep_alpha=True)
            split = shared_analysis_store().layers(self.path, image, lambda: separate_layers(image))
            ratio = image.shape[1] / self.image_w
            far = make_planes(split.background, 1.0, transparent_edges=False)
            near = make_planes(split.foreground, 1.0, transparent_edges=True)
            return LayerPair(replace(far, scale=ratio), replace(near, scale=ratio))

        pair = self.context.cache.get(key, load)
        assert isinstance(pair, LayerPair)
        return pair

    def prepare(self) -> None:
        self._layers()

    def render(self, local_time: float, frame: YuvFrame) -> None:
        p = motion_progress(self.item, local_time, self.context.fps)
        far_path, near_path = self.layer_paths
        layers = self._layers()
        draw_source(frame, layers.far, far_path.at(p))
        draw_source(frame, layers.near, near_path.at(p))


class ClipRenderer:
    """A generated video clip, framed by the scene's fit, at the output frame rate."""

    def __init__(self, item: TimelineItem, context: RenderContext) -> None:
        assert item.scene is not None and item.scene.clip is not None
        self.item = item
        self.context = context
        self.reader = ClipReader(context.storyboard.resolve_path(item.scene.clip))
        self.background_yuv = color_to_yuv(item.background)

    def prepare(self) -> None:
        pass  # the reader opened the clip already

    def render(self, local_time: float, frame: YuvFrame) -> None:
        rgb = self.reader.frame_at(local_time)
        height, width = rgb.shape[:2]
        fit = self.item.fit if self.item.fit is FitMode.COVER else FitMode.CONTAIN
        window = base_window(width, height, self.context.aspect, fit)
        covers = fit is FitMode.COVER
        if not covers:
            frame.fill(self.background_yuv)
        draw_source(frame, make_planes(rgb, 1.0, transparent_edges=not covers), window)


class CardRenderer:
    """An intro or outro card: drawn once, then copied."""

    def __init__(self, item: TimelineItem, context: RenderContext) -> None:
        assert item.card is not None
        self.item = item
        self.context = context

    @cached_property
    def still(self) -> YuvFrame:
        card = self.item.card
        assert card is not None
        logo = None
        if card.logo:
            logo = load_image(self.context.storyboard.resolve_path(card.logo), keep_alpha=True)
        role: Literal["intro", "outro"] = "intro" if self.item.position == 0 else "outro"
        rgb = render_card(
            card,
            self.context.template,
            (self.context.width, self.context.height),
            logo=logo,
            name=self.context.storyboard.name,
            role=role,
        )
        return YuvFrame.from_rgb(rgb)

    def prepare(self) -> None:
        _ = self.still

    def render(self, local_time: float, frame: YuvFrame) -> None:
        frame.copy_from(self.still)


def _wants_subject(motion: MotionSpec | None) -> bool:
    return motion is not None and motion.type is MotionType.AUTO


def _inside(window: Window, width: float, height: float) -> bool:
    x, y, w, h = window
    slack = 1e-6 * max(width, height)
    return x >= -slack and y >= -slack and x + w <= width + slack and y + h <= height + slack


def _load_planes(path: Path, scale: float, transparent: bool) -> SourcePlanes:
    info = probe_image_cached(path)
    side = math.ceil(max(info.width, info.height) * scale)
    image = load_image(path, max_side=side if scale < 1.0 else None, keep_alpha=True)
    planes = make_planes(image, 1.0, transparent_edges=transparent)
    # Windows are in the original's pixels; decoding may have reduced the image.
    return replace(planes, scale=image.shape[1] / info.width)


def _blurred_backdrop(path: Path) -> SourcePlanes:
    """A small, blurred and dimmed copy of the photo for the blur fit's backdrop."""
    image = load_image(path, max_side=BLUR_SIDE, keep_alpha=False)
    blurred = cv2.GaussianBlur(image, (0, 0), BLUR_SIGMA)
    dimmed = cv2.convertScaleAbs(blurred, alpha=BLUR_DIM)
    return make_planes(np.ascontiguousarray(dimmed), 1.0, transparent_edges=False)
