"""The files a storyboard refers to, by field path: scene images and clips, the music, the
watermark and the card logos. One list, so that file checks, saving a script elsewhere and
resolving a project's assets all agree on which fields are paths."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from video_studio.storyboard import Storyboard

ASSET_PREFIX = "asset:"  # a project's scenes name stored images as asset:<sha256>

StoryboardT = TypeVar("StoryboardT", bound=Storyboard)
# (field path, current value) -> new value
PathChange = Callable[[str, str], str]


def referenced_paths(storyboard: Storyboard) -> list[tuple[str, str]]:
    """(field path, value) of every file reference, in document order."""
    found: list[tuple[str, str]] = []
    for index, scene in enumerate(storyboard.scenes):
        found.append((f"scenes[{index}].image", scene.image))
        if scene.clip is not None:
            found.append((f"scenes[{index}].clip", scene.clip))
    if storyboard.audio is not None:
        found.append(("audio.path", storyboard.audio.path))
    if storyboard.watermark is not None:
        found.append(("watermark.path", storyboard.watermark.path))
    for label, card in (("intro", storyboard.intro), ("outro", storyboard.outro)):
        if card is not None and card.logo is not None:
            found.append((f"{label}.logo", card.logo))
    return found


def map_paths(storyboard: StoryboardT, change: PathChange) -> StoryboardT:
    """A copy (same base_dir) with every file reference replaced by `change(field, value)`."""
    copy = storyboard.model_copy(deep=True)
    for index, scene in enumerate(copy.scenes):
        scene.image = change(f"scenes[{index}].image", scene.image)
        if scene.clip is not None:
            scene.clip = change(f"scenes[{index}].clip", scene.clip)
    if copy.audio is not None:
        copy.audio.path = change("audio.path", copy.audio.path)
    if copy.watermark is not None:
        copy.watermark.path = change("watermark.path", copy.watermark.path)
    for label, card in (("intro", copy.intro), ("outro", copy.outro)):
        if card is not None and card.logo is not None:
            card.logo = change(f"{label}.logo", card.logo)
    return copy


def is_asset_reference(value: str) -> bool:
    return value.startswith(ASSET_PREFIX)
