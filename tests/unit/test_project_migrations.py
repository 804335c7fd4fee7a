"""Schema versions of project.json: the registry runs in order, the pre-release v0 layout
opens as v1 (and is only rewritten by a save), and impossible versions are refused."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from video_studio.config_errors import ConfigError
from video_studio.project import CURRENT_SCHEMA_VERSION, Project
from video_studio.project_document import ProjectDocument
from video_studio.project_migrations import MIGRATIONS, Migration, migrate
from video_studio.script import check_script_files


def v0_project(folder: Path) -> tuple[Path, str]:
    """A pre-release project: settings at the top level, scenes in `timeline` with `img`."""
    donor = Project.create(folder.parent / "donor.vsproj", "donor")
    image = folder.parent / "front.jpg"
    Image.new("RGB", (40, 30), "green").save(image)
    reference = donor.import_image(image)
    folder.mkdir()
    donor.store.root.rename(folder / "assets")
    v0: dict[str, Any] = {
        "name": "Old launch",
        "created": "2024-03-01T09:00:00+00:00",
        "modified": "2024-03-02T10:30:00+00:00",
        "template_id": "luxury_dark",
        "aspect_ratio": "9:16",
        "fps": 25,
        "audio": {"path": "music.mp3", "volume": 0.5},
        "timeline": [
            {"img": reference, "duration": 3.0, "transition": {"duration": 0.5}},
            {"img": "photos/side.jpg", "duration": 2.5, "prompt": "turntable"},
        ],
        "assets": {k: v.model_dump() for k, v in donor.document.assets.items()},
    }
    path = folder / "project.json"
    path.write_text(json.dumps(v0), encoding="utf-8")
    return path, reference


def test_every_older_version_has_a_migration() -> None:
    assert sorted(MIGRATIONS) == list(range(CURRENT_SCHEMA_VERSION))
    assert ProjectDocument(name="x").schema_version == CURRENT_SCHEMA_VERSION


def test_a_v0_project_opens_as_v1_and_the_file_waits_for_a_save(tmp_path: Path) -> None:
    path, reference = v0_project(tmp_path / "Old.vsproj")
    original = path.read_bytes()

    project = Project.open(path.parent)

    storyboard = project.document.storyboard
    assert [scene.image for scene in storyboard.scenes] == [reference, "photos/side.jpg"]
    assert storyboard.scenes[1].prompt == "turntable"
    assert (storyboard.name, storyboard.template_id, storyboard.fps) == (
        "Old launch",
        "luxury_dark",
        25,
    )
    assert storyboard.aspect_ratio.value == "9:16"
    assert storyboard.audio is not None and storyboard.audio.volume == 0.5
    assert project.document.created.isoformat() == "2024-03-01T09:00:00+00:00"
    assert project.dirty
    assert path.read_bytes() == original
    assert Path(project.storyboard().scenes[0].image).is_file()

    project.save()

    saved = json.loads(path.read_text(encoding="utf-8"))
    assert saved["schema_version"] == 1 and "timeline" not in saved
    assert (path.parent / "project.json.bak").read_bytes() == original
    assert Project.open(path.parent).document == project.document


def test_v0_errors_say_the_file_was_upgraded(tmp_path: Path) -> None:
    path, _reference = v0_project(tmp_path / "Old.vsproj")
    data = json.loads(path.read_text(encoding="utf-8"))
    data["timeline"][1]["duration"] = 0
    path.write_text(json.dumps(data), encoding="utf-8")

    with pytest.raises(ConfigError) as caught:
        Project.open(path.parent)

    issue = caught.value.issues[0]
    assert issue.source == f"{path} (format 0)"
    assert issue.field == "storyboard.scenes[1].duration"


def test_a_v0_file_without_dates_gets_them(tmp_path: Path) -> None:
    folder = tmp_path / "p.vsproj"
    folder.mkdir()
    (folder / "project.json").write_text(
        json.dumps({"schema_version": 0, "name": "n", "timeline": [{"img": "a.jpg"}]}),
        encoding="utf-8",
    )
    project = Project.open(folder)
    assert project.document.created.tzinfo is not None
    assert check_script_files(project.storyboard())[0].field == "scenes[0].image"


def test_migrations_run_in_order_to_the_current_version() -> None:
    calls: list[int] = []

    def step(version: int) -> Migration:
        def upgrade(data: dict[str, Any]) -> dict[str, Any]:
            calls.append(version)
            return {**data, "schema_version": version + 1, f"v{version + 1}": True}

        return upgrade

    original = {"schema_version": 1, "name": "x"}
    upgraded, was = migrate(
        original, "p.json", current=4, migrations={k: step(k) for k in (3, 1, 2)}
    )

    assert calls == [1, 2, 3]
    assert was == 1
    assert upgraded == {"schema_version": 4, "name": "x", "v2": True, "v3": True, "v4": True}
    assert original == {"schema_version": 1, "name": "x"}


def test_a_missing_migration_is_an_error_not_a_guess() -> None:
    with pytest.raises(ConfigError, match="project format 1 cannot be upgraded"):
        migrate({"schema_version": 1}, "p.json", current=2, migrations={})


def test_a_migration_that_skips_a_version_is_a_bug() -> None:
    def wrong(data: dict[str, Any]) -> dict[str, Any]:
        return {**data, "schema_version": 3}

    with pytest.raises(RuntimeError, match="did not reach 2"):
        migrate({"schema_version": 1}, "p.json", current=3, migrations={1: wrong})


@pytest.mark.parametrize("version", ["1", -1, 1.0, True, None])
def test_an_impossible_schema_version_names_the_field(version: object) -> None:
    with pytest.raises(ConfigError) as caught:
        migrate({"schema_version": version}, "p.json")
    assert (caught.value.source, caught.value.field) == ("p.json", "schema_version")
    assert repr(version) in str(caught.value)
