"""The storyboard laid out in time, with the template's defaults filled in.

Each item (intro card, scenes, outro card) owns a slot of `duration` seconds starting where
the previous slot ends; its outgoing transition overlaps the first seconds of the next
slot, so it stays visible for `duration + overlap`. The video lasts the sum of the slots.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, replace
from enum import StrEnum

from video_studio.models import FitMode, MotionSpec, Scene, TextOverlay, Transition, TransitionType
from video_studio.storyboard import CardConfig, Storyboard
from video_studio.templates import Template

_CARD_TRANSITION = Transition(type=TransitionType.CROSSFADE, duration=0.5)


class ItemKind(StrEnum):
    IMAGE = "image"
    CLIP = "clip"
    CARD = "card"


@dataclass(frozen=True)
class TimelineItem:
    kind: ItemKind
    position: int  # place on the timeline, from 0
    scene_index: int | None  # index in storyboard.scenes (None for cards)
    start: float
    duration: float
    transition: Transition | None  # outgoing, None for a cut
    overlap: float  # seconds the outgoing transition overlaps the next item
    scene: Scene | None = None
    card: CardConfig | None = None
    motion: MotionSpec | None = None
    fit: FitMode = FitMode.COVER
    background: str = "#000000"
    text: TextOverlay | None = None

    @property
    def visible_end(self) -> float:
        return self.start + self.duration + self.overlap

    @property
    def visible_duration(self) -> float:
        return self.duration + self.overlap

    @property
    def label(self) -> str:
        if self.scene_index is not None:
            return f"scene {self.scene_index + 1}"
        return "intro card" if self.position == 0 else "outro card"


@dataclass(frozen=True)
class ActiveItem:
    item: TimelineItem
    local_time: float  # seconds since the item became visible


class Timeline:
    def __init__(self, items: list[TimelineItem]) -> None:
        if not items:
            raise ValueError("a timeline needs at least one item")
        self.items = items
        self._starts = [item.start for item in items]

    @property
    def duration(self) -> float:
        last = self.items[-1]
        return last.start + last.duration

    def active(self, t: float) -> list[ActiveItem]:
        """The item shown at t, preceded by the outgoing one during a transition."""
        t = min(max(t, 0.0), self.duration)
        index = max(0, bisect.bisect_right(self._starts, t) - 1)
        current = self.items[index]
        active = [ActiveItem(current, t - current.start)]
        if index > 0:
            previous = self.items[index - 1]
            if t < previous.visible_end:
                active.insert(0, ActiveItem(previous, t - previous.start))
        return active

    def end_fade(self) -> Transition | None:
        """A fade to a colour over the last seconds, if the last item asks for one."""
        transition = self.items[-1].scene.transition if self.items[-1].scene else None
        if transition is not None and transition.type is TransitionType.FADE_COLOR:
            return transition
        return None


def build_timeline(storyboard: Storyboard, template: Template) -> Timeline:
    scenes = storyboard.scenes
    items: list[TimelineItem] = []
    start = 0.0

    def add(item: TimelineItem) -> None:
        nonlocal start
        items.append(item)
        start += item.duration

    if storyboard.intro is not None:
        add(_card_item(storyboard.intro, len(items), start, template))
    for index, scene in enumerate(scenes):
        defaults = template.scene_defaults(index, len(scenes))
        transition = scene.transition if scene.transition is not None else defaults.transition
        add(
            TimelineItem(
                kind=ItemKind.CLIP if scene.clip else ItemKind.IMAGE,
                position=len(items),
                scene_index=index,
                start=start,
                duration=scene.duration,
                transition=transition,
                overlap=0.0,
                scene=scene,
                motion=scene.motion if scene.motion is not None else defaults.motion,
                fit=FitMode(scene.fit or defaults.fit),
                background=scene.background or defaults.background,
                text=scene.text,
            )
        )
    if storyboard.outro is not None:
        add(_card_item(storyboard.outro, len(items), start, template))
    return Timeline(_with_overlaps(items))


def _card_item(card: CardConfig, position: int, start: float, template: Template) -> TimelineItem:
    defaults = template.scene_defaults(0, 1)
    return TimelineItem(
        kind=ItemKind.CARD,
        position=position,
        scene_index=None,
        start=start,
        duration=card.duration,
        transition=_CARD_TRANSITION,
        overlap=0.0,
        card=card,
        background=card.background or defaults.background,
    )


def _with_overlaps(items: list[TimelineItem]) -> list[TimelineItem]:
    """Set each item's overlap from its transition, limited by what the next item allows."""
    result: list[TimelineItem] = []
    for index, item in enumerate(items):
        following = items[index + 1] if index + 1 < len(items) else None
        transition = item.transition
        overlap = 0.0
        if following is not None and transition is not None:
            if transition.type is TransitionType.CUT or transition.duration <= 0:
                transition = None
            else:
                # Storyboard.problems() refuses longer ones; cards are kept safe here.
                overlap = min(transition.duration, following.duration * 0.9)
        elif following is None:
            transition = None
        result.append(replace(item, transition=transition, overlap=overlap))
    return result
