"""Undoable project edits: each gesture one exact step, bad edits change nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from video_studio import edits
from video_studio.config_errors import ConfigError
from video_studio.models import Transition, TransitionType
from video_studio.project import Project
from video_studio.project_document import AssetEntry


@pytest.fixture
def project(tmp_path: Path) -> Project:
    project = Project.create(tmp_path / "p", "P")
    edits.apply(project, edits.add_scenes(project, [f"img{i}.jpg" for i in range(4)]))
    return project


def ids(project: Project) -> list[str]:
    return [scene.id for scene in project.document.storyboard.scenes]


def images(project: Project) -> list[str]:
    return [scene.image for scene in project.document.storyboard.scenes]


def test_add_inserts_at_the_place_and_undo_restores(project: Project) -> None:
    before = project.document
    edit = edits.add_scenes(project, ["new.jpg", "new2.jpg"], at=1, prompt="orbit")
    assert edit.label == "Add 2 scenes"
    edits.apply(project, edit)
    assert images(project) == [
        "img0.jpg",
        "new.jpg",
        "new2.jpg",
        "img1.jpg",
        "img2.jpg",
        "img3.jpg",
    ]
    assert project.document.storyboard.scenes[1].prompt == "orbit"
    assert project.dirty
    edits.revert(project, edit)
    assert project.document == before


@pytest.mark.parametrize(("template_id", "seconds"), [("social_bold", 2.0), ("luxury_dark", 5.0)])
def test_new_scenes_last_as_long_as_the_template_says(
    project: Project, template_id: str, seconds: float
) -> None:
    edits.apply(project, edits.update_project(project, {"template_id": template_id}))
    edits.apply(project, edits.add_scenes(project, ["a.jpg"]))
    edits.apply(project, edits.add_scenes(project, ["b.jpg"], duration=1.5))
    assert [s.duration for s in project.document.storyboard.scenes[-2:]] == [seconds, 1.5]


def test_move_several_keeps_their_order(project: Project) -> None:
    first, second, third, fourth = ids(project)
    edits.apply(project, edits.move_scenes(project, [fourth, first], 1))
    assert ids(project) == [second, first, fourth, third]


def test_duplicate_and_remove(project: Project) -> None:
    first, second, *_ = ids(project)
    edits.apply(project, edits.duplicate_scenes(project, [second]))
    assert images(project) == ["img0.jpg", "img1.jpg", "img1.jpg", "img2.jpg", "img3.jpg"]
    assert len(set(ids(project))) == 5  # the copy has its own id
    edits.apply(project, edits.remove_scenes(project, [first, second]))
    assert images(project) == ["img1.jpg", "img2.jpg", "img3.jpg"]


def test_multi_scene_edit_is_one_step(project: Project) -> None:
    before = project.document
    edit = edits.update_scenes(project, ids(project)[:3], {"model": "luma", "prompt": "push in"})
    edits.apply(project, edit)
    assert [s.model for s in project.document.storyboard.scenes] == ["luma"] * 3 + ["local"]
    edits.revert(project, edit)
    assert project.document == before


def test_shortening_a_scene_shortens_its_transition(project: Project) -> None:
    scene_id = ids(project)[0]
    fade = Transition(type=TransitionType.CROSSFADE, duration=1.5)
    edits.apply(project, edits.set_transition(project, scene_id, fade))
    edits.apply(project, edits.set_durations(project, [scene_id], 1.0))
    scene = project.document.storyboard.scenes[0]
    assert scene.duration == 1.0
    assert scene.transition is not None and scene.transition.duration == pytest.approx(0.9)


def test_a_bad_value_names_the_scene_and_changes_nothing(project: Project) -> None:
    before = project.document
    with pytest.raises(ConfigError, match=r"scenes\[2\]\.duration"):
        edits.update_scenes(project, [ids(project)[2]], {"duration": -1})
    with pytest.raises(ConfigError, match="not a scene setting"):
        edits.update_scenes(project, ids(project), {"colour": "red"})
    with pytest.raises(ConfigError, match="no scene with id nope"):
        edits.remove_scenes(project, ["nope"])
    assert project.document is before


def test_project_settings(project: Project) -> None:
    edit = edits.update_project(project, {"aspect_ratio": "9:16", "fps": 25})
    edits.apply(project, edit)
    assert project.document.storyboard.fps == 25
    assert project.document.storyboard.aspect_ratio.value == "9:16"
    with pytest.raises(ConfigError, match="fps"):
        edits.update_project(project, {"fps": 0})
    with pytest.raises(ConfigError, match="not a project setting"):
        edits.update_project(project, {"scenes": []})


def test_assets_join_and_leave_the_bin(project: Project) -> None:
    entry = AssetEntry(original_name="a.jpg", width=10, height=10, suffix=".jpg")
    asset_id = "a" * 64
    edits.apply(project, edits.add_assets(project, {asset_id: entry}))
    assert project.document.assets[asset_id] == entry
    edits.apply(project, edits.add_scenes(project, [f"asset:{asset_id}"]))
    with pytest.raises(ConfigError, match="used by a scene"):
        edits.remove_assets(project, [asset_id])


def test_drag_steps_merge_into_one(project: Project) -> None:
    first = ids(project)[0]
    step1 = edits.move_scenes(project, [first], 1, merge_key="drag-1")
    edits.apply(project, step1)
    step2 = edits.move_scenes(project, [first], 2, merge_key="drag-1")
    edits.apply(project, step2)
    whole = step1.merged_with(step2)
    edits.revert(project, whole)
    assert ids(project)[0] == first


operations = st.lists(
    st.tuples(
        st.sampled_from(["add", "remove", "move", "duplicate", "duration", "prompt"]),
        st.integers(min_value=0, max_value=7),
        st.floats(min_value=0.5, max_value=12, allow_nan=False),
    ),
    max_size=12,
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(operations)
def test_undoing_everything_restores_the_start(project: Project, steps: list) -> None:  # type: ignore[type-arg]
    start = project.document
    done: list[edits.Edit] = []
    for kind, index, value in steps:
        scene_ids = ids(project)
        pick = [scene_ids[index % len(scene_ids)]] if scene_ids else []
        try:
            if kind == "add":
                edit = edits.add_scenes(project, [f"x{index}.jpg"], at=index)
            elif kind == "remove" and pick:
                edit = edits.remove_scenes(project, pick)
            elif kind == "move" and pick:
                edit = edits.move_scenes(project, pick, index)
            elif kind == "duplicate" and pick:
                edit = edits.duplicate_scenes(project, pick)
            elif kind == "duration" and pick:
                edit = edits.set_durations(project, pick, value)
            elif kind == "prompt" and pick:
                edit = edits.update_scenes(project, pick, {"prompt": f"p{value}"})
            else:
                continue
        except ConfigError:
            continue
        edits.apply(project, edit)
        done.append(edit)
    end = project.document
    for edit in reversed(done):
        edits.revert(project, edit)
    assert project.document == start
    for edit in done:
        edits.apply(project, edit)
    assert project.document == end
    project.document = start


def test_an_edit_may_not_make_a_transition_overrun_the_next_scene(project: Project) -> None:
    first, second, *_ = ids(project)
    fade = Transition(type=TransitionType.CROSSFADE, duration=3.0)
    edits.apply(project, edits.set_transition(project, first, fade))
    with pytest.raises(ConfigError, match=r"scenes\[0\]\.transition"):
        edits.set_durations(project, [second], 2.0)
