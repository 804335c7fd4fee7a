"""`scene_edit`: one undoable edit giving each chosen scene its own new values, checked
as the engine checks a document (what the scene inspector commits)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from video_studio import edits
from video_studio.config_errors import ConfigError, ConfigIssue
from video_studio.document_issues import validation_issues
from video_studio.models import Scene
from video_studio.project import Project
from video_studio.project_document import ProjectDocument

Values = Callable[[Scene, int], dict[str, Any] | None]  # (scene, timeline index) -> fields


def scene_edit(project: Project, ids: list[str], label: str, values_for: Values) -> edits.Edit:
    """One edit giving each chosen scene its own `values_for(scene, index)` (None: leave
    it), refused when a scene would be invalid or a transition would newly not fit the
    scenes it joins."""
    chosen = set(ids)

    def change(document: ProjectDocument) -> None:
        known = set(document.storyboard.problems())
        scenes = list(document.storyboard.scenes)
        changed: list[int] = []
        for index, scene in enumerate(scenes):
            values = values_for(scene, index) if scene.id in chosen else None
            if values is None:
                continue
            data = {**scene.model_dump(), **values}
            try:
                scenes[index] = Scene.model_validate(data)
            except ValidationError as error:
                raise ConfigError(
                    validation_issues(error, "", data, prefix=("scenes", index))
                ) from None
            changed.append(index)
        document.storyboard.scenes = scenes
        problems = [
            ConfigIssue("", field, reason)
            for field, reason in document.storyboard.problems()
            if (field, reason) not in known
            and any(field.startswith(f"scenes[{index}].") for index in changed)
        ]
        if problems:
            raise ConfigError(problems)

    return edits.make_edit(project, label, change)
