"""The analysis store: each photo's product box and parallax layers computed once, read back
exactly, and recomputed (never trusted) when an entry is damaged."""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np
import pytest
from numpy.typing import NDArray

from tests.render.conftest import textured_image
from video_studio import analysis_store
from video_studio.analysis_store import AnalysisStore
from video_studio.layers import LayerSplit, separate_layers
from video_studio.project_from_script import project_from_script
from video_studio.render.compositor import Compositor
from video_studio.resources import demo_dir
from video_studio.subject import SubjectBox, find_subject


@pytest.fixture
def photo(tmp_path: Path) -> Path:
    pixels = cv2.cvtColor(textured_image(480, 360, seed=5), cv2.COLOR_RGB2BGR)
    cv2.rectangle(pixels, (180, 80), (300, 300), (30, 90, 200), -1)  # the product
    path = tmp_path / "bottle.jpg"
    assert cv2.imwrite(str(path), pixels)
    return path


def rgb(path: Path) -> NDArray[np.uint8]:
    bgr = cv2.imread(str(path))
    assert bgr is not None
    return np.ascontiguousarray(np.asarray(bgr, np.uint8)[..., ::-1])


def test_a_box_is_found_once_then_read_back(photo: Path, tmp_path: Path) -> None:
    calls: list[SubjectBox] = []

    def find() -> SubjectBox:
        calls.append(find_subject(rgb(photo)))
        return calls[-1]

    first = AnalysisStore(tmp_path / "store").subject_box(photo, 640, find)
    again = AnalysisStore(tmp_path / "store").subject_box(photo, 640, find)  # a new session
    assert again == first and len(calls) == 1
    assert AnalysisStore(tmp_path / "store").subject_box(photo, 320, find) == first
    assert len(calls) == 2  # another analysis size is another entry

    for entry in (tmp_path / "store").glob("*-subject-640-*.json"):
        entry.write_text("{not json", encoding="utf-8")
    assert AnalysisStore(tmp_path / "store").subject_box(photo, 640, find) == first
    assert len(calls) == 3  # damaged: analysed again, not trusted


def test_layers_read_back_bit_for_bit(photo: Path, tmp_path: Path) -> None:
    image = rgb(photo)
    splits: list[LayerSplit] = []

    def split() -> LayerSplit:
        splits.append(separate_layers(image))
        return splits[-1]

    fresh = AnalysisStore(tmp_path / "store").layers(photo, image, split)
    stored = AnalysisStore(tmp_path / "store").layers(photo, image, split)
    assert len(splits) == 1
    assert np.array_equal(stored.foreground, fresh.foreground)
    assert np.array_equal(stored.background, fresh.background)
    assert stored.subject == fresh.subject

    (alpha,) = (tmp_path / "store").glob("*-alpha.png")
    alpha.write_bytes(alpha.read_bytes()[:100])  # truncated
    AnalysisStore(tmp_path / "store").layers(photo, image, split)
    assert len(splits) == 2


def test_a_store_that_cannot_be_written_still_answers(photo: Path, tmp_path: Path) -> None:
    if os.geteuid() == 0:  # root writes anywhere: block the folder with a file instead
        blocked = tmp_path / "store"
        blocked.write_text("a file where the folder should be", encoding="utf-8")
    else:
        blocked = tmp_path / "read-only"
        blocked.mkdir(mode=0o500)
    box = AnalysisStore(blocked).subject_box(photo, 640, lambda: find_subject(rgb(photo)))
    assert box == find_subject(rgb(photo))


def test_frames_are_the_same_from_a_cold_or_a_warm_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The demo has product-aimed motions and a parallax scene: the stored analysis must
    give exactly the frames the fresh one gives."""
    project = project_from_script(demo_dir() / "demo.yaml", tmp_path / "demo")
    board = project.storyboard()
    store = AnalysisStore(tmp_path / "store")
    monkeypatch.setattr(analysis_store, "_shared", store)
    times = [3.0, 7.0, 10.5, 14.0, 18.0]
    cold = [Compositor(board, size=(320, 180)).frame_rgb(t) for t in times]
    assert len(list(store.folder.glob("*-layers-*-alpha.png"))) >= 1
    assert len(list(store.folder.glob("*-subject-*.json"))) >= 1
    warm = [Compositor(board, size=(320, 180)).frame_rgb(t) for t in times]
    for t, before, after in zip(times, cold, warm, strict=True):
        assert np.array_equal(before, after), t


def test_the_store_is_pruned_least_recently_used_first(photo: Path, tmp_path: Path) -> None:
    store = AnalysisStore(tmp_path / "store")
    old = store.folder / "stale-subject-320-v1.json"
    store.folder.mkdir(parents=True)
    old.write_text("x" * 1000, encoding="utf-8")
    os.utime(old, (1_000_000, 1_000_000))  # last used long ago
    box = store.subject_box(photo, 640, lambda: find_subject(rgb(photo)))
    (entry,) = store.folder.glob("*-subject-640-*.json")
    os.utime(entry, (1_000_000, 1_000_000))
    assert AnalysisStore(store.folder).subject_box(photo, 640, lambda: box) == box
    assert entry.stat().st_mtime > 1_000_000  # reading it counted as a use

    assert store.prune(max_bytes=entry.stat().st_size) == 1
    assert not old.exists() and entry.exists()  # the one used least recently went
    assert store.prune(max_bytes=0) == 1 and list(store.folder.iterdir()) == []
    assert AnalysisStore(tmp_path / "nowhere").prune() == 0
