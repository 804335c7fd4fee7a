"""Edits of an open project as undoable steps: the engine commands the GUI's undo stack
wraps, one per gesture (a drag, a multi-scene change, an import).

An edit is made by changing a copy of the project document; the copy is validated as a
whole, so an edit that would leave a bad document (a transition longer than its scene, a
duration out of range) raises a ConfigError naming the scene and field and changes nothing.
Applying and reverting swap whole documents, so undo and redo are exact.

    edit = edits.set_durations(project, [scene.id], 4.0)
    edits.apply(project, edit)      # do / redo
    edits.revert(project, edit)     # undo
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from video_studio.config_errors import ConfigError, ConfigIssue
from video_studio.document_issues import validation_issues
from video_studio.models import Scene, Transition
from video_studio.project_document import AssetEntry, ProjectDocument
from video_studio.storyboard import Storyboard
from video_studio.templates import get_template

if TYPE_CHECKING:
    from video_studio.project import Project

DocumentChange = Callable[[ProjectDocument], None]
# Project settings an edit may change: the storyboard's own fields besides its scenes.
PROJECT_FIELDS = frozenset(Storyboard.model_fields) - {"scenes", "version"}
FALLBACK_SCENE_SECONDS = 5.0


@dataclass(frozen=True)
class Edit:
    """One undoable step. `merge_key`: consecutive edits with the same key are one step
    (the moves of one drag); None never merges."""

    label: str
    before: ProjectDocument
    after: ProjectDocument
    merge_key: str | None = None

    def merged_with(self, later: Edit) -> Edit:
        """This edit followed by `later`, as one step."""
        return Edit(later.label, self.before, later.after, self.merge_key)

    @property
    def changes_nothing(self) -> bool:
        return self.before == self.after


def make_edit(
    project: Project, label: str, change: DocumentChange, *, merge_key: str | None = None
) -> Edit:
    """An edit of `project` by `change`, which mutates a copy of the document."""
    before = project.document
    draft = before.model_copy(deep=True)
    try:
        change(draft)
        data = draft.model_dump()
        after = ProjectDocument.model_validate(data)
    except ValidationError as error:
        raise ConfigError(
            validation_issues(error, project.json_path.name, draft.model_dump())
        ) from None
    # Rules across scenes (a transition longer than the scene it leads into): an edit may
    # not add a problem, though it may leave one it did not make (an older document).
    known = set(before.storyboard.problems())
    added = [problem for problem in after.storyboard.problems() if problem not in known]
    if added:
        source = project.json_path.name
        raise ConfigError([ConfigIssue(source, field, reason) for field, reason in added])
    return Edit(label, before, after, merge_key)


def apply(project: Project, edit: Edit) -> None:
    project.document = edit.after
    project.mark_dirty()


def revert(project: Project, edit: Edit) -> None:
    project.document = edit.before
    project.mark_dirty()


# --- scenes ---------------------------------------------------------------------------------


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _index_of(document: ProjectDocument) -> dict[str, int]:
    return {scene.id: index for index, scene in enumerate(document.storyboard.scenes)}


def _known(document: ProjectDocument, ids: Iterable[str]) -> list[str]:
    """The ids that name scenes, in timeline order; an unknown id is an error."""
    index = _index_of(document)
    wanted = list(dict.fromkeys(ids))
    missing = [scene_id for scene_id in wanted if scene_id not in index]
    if missing:
        raise ConfigError(
            [ConfigIssue("", "scenes", f"no scene with id {scene_id}") for scene_id in missing]
        )
    return sorted(wanted, key=index.__getitem__)


def add_scenes(
    project: Project,
    images: Sequence[str],
    *,
    at: int | None = None,
    duration: float | None = None,
    **fields: Any,
) -> Edit:
    """New scenes for `images` (asset references or paths), inserted at index `at` (the
    end by default), lasting `duration` (default: the template's scene length), with
    `fields` (model, prompt, motion...) set on each."""
    if not images:
        raise ConfigError([ConfigIssue("", "scenes", "no images to add")])
    seconds = duration if duration is not None else template_scene_seconds(project)
    new = [Scene(image=image, duration=seconds, **fields) for image in images]

    def change(document: ProjectDocument) -> None:
        scenes = list(document.storyboard.scenes)
        where = len(scenes) if at is None else max(0, min(at, len(scenes)))
        scenes[where:where] = new
        document.storyboard.scenes = scenes

    return make_edit(project, f"Add {_plural(len(new), 'scene')}", change)


def template_scene_seconds(project: Project) -> float:
    """How long a new scene lasts: its template's scene length (5 s if the template is
    not installed; the storyboard check reports that separately)."""
    try:
        return get_template(project.document.storyboard.template_id).scene_duration
    except ConfigError:
        return FALLBACK_SCENE_SECONDS


def remove_scenes(project: Project, ids: Iterable[str]) -> Edit:
    chosen = set(_known(project.document, ids))

    def change(document: ProjectDocument) -> None:
        kept = [scene for scene in document.storyboard.scenes if scene.id not in chosen]
        document.storyboard.scenes = kept

    return make_edit(project, f"Delete {_plural(len(chosen), 'scene')}", change)


def duplicate_scenes(project: Project, ids: Iterable[str]) -> Edit:
    """Each chosen scene copied (with a new id) right after itself."""
    chosen = set(_known(project.document, ids))

    def change(document: ProjectDocument) -> None:
        scenes: list[Scene] = []
        for scene in document.storyboard.scenes:
            scenes.append(scene)
            if scene.id in chosen:
                data = scene.model_dump()
                del data["id"]
                scenes.append(Scene.model_validate(data))
        document.storyboard.scenes = scenes

    return make_edit(project, f"Duplicate {_plural(len(chosen), 'scene')}", change)


def move_scenes(
    project: Project, ids: Iterable[str], to: int, *, merge_key: str | None = None
) -> Edit:
    """The chosen scenes, in their order, moved so that the first lands at index `to` of
    the timeline without them."""
    chosen = _known(project.document, ids)

    def change(document: ProjectDocument) -> None:
        moving = {scene_id: None for scene_id in chosen}
        scenes = document.storyboard.scenes
        picked = [scene for scene in scenes if scene.id in moving]
        rest = [scene for scene in scenes if scene.id not in moving]
        where = max(0, min(to, len(rest)))
        document.storyboard.scenes = rest[:where] + picked + rest[where:]

    return make_edit(project, f"Move {_plural(len(chosen), 'scene')}", change, merge_key=merge_key)


def update_scenes(
    project: Project,
    ids: Iterable[str],
    values: Mapping[str, Any],
    *,
    label: str | None = None,
    merge_key: str | None = None,
) -> Edit:
    """Set the same `values` (Scene fields) on every chosen scene: a multi-scene edit is one
    step. A transition that would no longer fit a shorter scene is shortened with it."""
    chosen = set(_known(project.document, ids))
    unknown = set(values) - set(Scene.model_fields) | ({"id"} & set(values))
    if unknown:
        raise ConfigError([ConfigIssue("", field, "not a scene setting") for field in unknown])

    def change(document: ProjectDocument) -> None:
        scenes = []
        for position, current in enumerate(document.storyboard.scenes):
            scene = current
            if scene.id in chosen:
                data = {**scene.model_dump(), **_plain(values)}
                _fit_transition(data)
                try:
                    scene = Scene.model_validate(data)
                except ValidationError as error:
                    issues = validation_issues(error, "", data)
                    raise ConfigError(
                        [
                            ConfigIssue("", f"scenes[{position}].{issue.field}", issue.reason)
                            for issue in issues
                        ]
                    ) from None
            scenes.append(scene)
        document.storyboard.scenes = scenes

    names = ", ".join(sorted(values))
    text = label or f"Change {names} of {_plural(len(chosen), 'scene')}"
    return make_edit(project, text, change, merge_key=merge_key)


def set_durations(
    project: Project, ids: Iterable[str], seconds: float, *, merge_key: str | None = None
) -> Edit:
    return update_scenes(
        project,
        ids,
        {"duration": seconds},
        label=f"Set duration to {seconds:g} s",
        merge_key=merge_key,
    )


def set_transition(
    project: Project,
    scene_id: str,
    transition: Transition | None,
    *,
    merge_key: str | None = None,
) -> Edit:
    """The join from scene `scene_id` into the next one (None: a cut)."""
    return update_scenes(
        project,
        [scene_id],
        {"transition": transition},
        label="Remove transition" if transition is None else f"Set {transition.type} transition",
        merge_key=merge_key,
    )


def _plain(values: Mapping[str, Any]) -> dict[str, Any]:
    """Pydantic models in `values` as plain data, so a scene validates them afresh."""
    return {
        key: value.model_dump() if hasattr(value, "model_dump") else value
        for key, value in values.items()
    }


def _fit_transition(data: dict[str, Any]) -> None:
    transition = data.get("transition")
    duration = data.get("duration")
    if isinstance(transition, dict) and isinstance(duration, int | float):
        limit = round(float(duration) * 0.9, 3)
        if float(transition.get("duration", 0)) >= float(duration):
            transition["duration"] = limit


# --- the project ----------------------------------------------------------------------------


def update_project(project: Project, values: Mapping[str, Any]) -> Edit:
    """Project settings: template, aspect ratio, quality, fps, music, watermark, cards."""
    unknown = set(values) - PROJECT_FIELDS
    if unknown:
        raise ConfigError([ConfigIssue("", field, "not a project setting") for field in unknown])
    plain = _plain(values)

    def change(document: ProjectDocument) -> None:
        data = {**document.storyboard.model_dump(), **plain}
        document.storyboard = type(document.storyboard).model_validate(data)

    names = ", ".join(sorted(values))
    return make_edit(project, f"Change {names}", change)


def add_assets(project: Project, entries: Mapping[str, AssetEntry]) -> Edit:
    """Images already copied into the store (by an import job) joining the image bin."""

    def change(document: ProjectDocument) -> None:
        document.assets = {**document.assets, **entries}

    return make_edit(project, f"Import {_plural(len(entries), 'image')}", change)


def remove_assets(project: Project, asset_ids: Iterable[str]) -> Edit:
    """Images leaving the bin (their files stay in the store, so undo brings them back).
    An image a scene still shows cannot leave."""
    chosen = set(asset_ids)
    used = {scene.image.removeprefix("asset:") for scene in project.document.storyboard.scenes}
    busy = sorted(chosen & used)
    if busy:
        raise ConfigError(
            [
                ConfigIssue("", "assets", f"image {asset_id[:12]} is used by a scene")
                for asset_id in busy
            ]
        )

    def change(document: ProjectDocument) -> None:
        document.assets = {k: v for k, v in document.assets.items() if k not in chosen}

    return make_edit(project, f"Remove {_plural(len(chosen), 'image')}", change)
