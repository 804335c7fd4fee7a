"""The result cache: the same generation again completes from the cached clip without an
adapter call; anything that changes the clip misses; a damaged or missing entry is ignored."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.workflow.conftest import MakeWorkflow, write_photo
from tests.workflow.scripted_adapter import ScriptedAdapter, Step
from video_studio.adapters.base import GeneratedClip, GenerationRequest
from video_studio.error_types import VideoStudioError, VideoStudioErrorType
from video_studio.media_formats import AspectRatio
from video_studio.models import MotionSpec, MotionType, TaskStatus
from video_studio.workflow_cache import ResultCache, cache_key

S = TaskStatus


def test_the_same_generation_again_comes_from_the_cache(
    make_workflow: MakeWorkflow, photo: Path, sample_clip: Path
) -> None:
    adapter = ScriptedAdapter(default=Step(seconds=0.05, accept=True), sample_clip=sample_clip)
    h = make_workflow({"luma": adapter})
    ask = GenerationRequest(
        image=photo, prompt="slow push-in", scene_id="s1", output_dir=h.output_dir
    )
    first = h.workflow.wait(h.workflow.submit(ask, "luma").task_id, 10)
    assert first.status is S.COMPLETED and len(adapter.calls) == 1

    # Another scene, another folder, a copy of the photo under another name: same clip.
    copy = shutil.copy(photo, photo.with_name("copy.jpg"))
    again = GenerationRequest(
        image=Path(copy), prompt="slow push-in", scene_id="s2", output_dir=h.output_dir / "other"
    )
    second = h.workflow.wait(h.workflow.submit(again, "luma").task_id, 10)
    assert second.status is S.COMPLETED
    assert len(adapter.calls) == 1  # the adapter was not asked again
    assert second.result_path is not None and first.result_path is not None
    result = Path(second.result_path)
    assert result.parent == h.output_dir / "other" and result.name.startswith("s2-luma-")
    assert result.read_bytes() == Path(first.result_path).read_bytes()
    assert second.metadata["from_cache"] is True
    assert second.remote_job_id == first.remote_job_id
    assert "made before with the same settings" in second.message
    h.workflow.shutdown()
    assert h.statuses(second.task_id) == [S.QUEUED, S.COMPLETED]
    assert h.workflow.metrics()["luma"].cache_hits == 1
    assert h.saved_jobs and h.finished_jobs == ["s1"]  # no remote job for the cached one


def test_use_cache_false_makes_a_new_clip(make_workflow: MakeWorkflow, photo: Path) -> None:
    adapter = ScriptedAdapter()
    h = make_workflow({"luma": adapter})
    ask = GenerationRequest(image=photo, output_dir=h.output_dir)
    h.workflow.wait(h.workflow.submit(ask, "luma").task_id, 10)
    fresh = h.workflow.wait(h.workflow.submit(ask, "luma", use_cache=False).task_id, 10)
    assert fresh.status is S.COMPLETED and len(adapter.calls) == 2
    assert "from_cache" not in fresh.metadata


def test_anything_that_changes_the_clip_misses(tmp_path: Path, photo: Path) -> None:
    base = GenerationRequest(image=photo, prompt="p", output_dir=tmp_path / "a", scene_id="a")
    key = cache_key(base, "luma", "ray-2")
    same = GenerationRequest(image=photo, prompt="p", output_dir=tmp_path / "b", scene_id="b")
    assert cache_key(same, "luma", "ray-2") == key
    other_photo = write_photo(tmp_path / "other.jpg", seed=3)
    variants = [
        cache_key(base, "runway", "ray-2"),
        cache_key(base, "luma", "ray-flash-2"),
        cache_key(GenerationRequest(image=other_photo, prompt="p"), "luma", "ray-2"),
        cache_key(GenerationRequest(image=photo, prompt="q"), "luma", "ray-2"),
        cache_key(GenerationRequest(image=photo, prompt="p", duration=9), "luma", "ray-2"),
        cache_key(
            GenerationRequest(image=photo, prompt="p", aspect_ratio=AspectRatio.PORTRAIT),
            "luma",
            "ray-2",
        ),
        cache_key(GenerationRequest(image=photo, prompt="p", resolution="1080p"), "luma", "ray-2"),
        cache_key(GenerationRequest(image=photo, prompt="p", seed=7), "luma", "ray-2"),
        cache_key(
            GenerationRequest(image=photo, prompt="p", motion=MotionSpec(type=MotionType.ZOOM_IN)),
            "luma",
            "ray-2",
        ),
    ]
    assert len({key, *variants}) == len(variants) + 1
    # The frame rate only matters to the local engine.
    assert cache_key(GenerationRequest(image=photo, prompt="p", fps=24), "luma", "ray-2") == key
    local = cache_key(base, "local")
    assert cache_key(GenerationRequest(image=photo, prompt="p", fps=24), "local") != local


def test_a_damaged_or_missing_entry_is_ignored(
    tmp_path: Path, photo: Path, sample_clip: Path
) -> None:
    cache = ResultCache(tmp_path / "cache")
    clip = GeneratedClip(path=sample_clip, model="luma", duration=1.0, width=64, height=64)
    ask = GenerationRequest(image=photo, output_dir=tmp_path / "out")
    key = cache_key(ask, "luma")
    assert cache.lookup(key) is None
    cache.store(key, clip)
    cached = cache.lookup(key)
    assert cached is not None and cached.path.read_bytes() == sample_clip.read_bytes()
    placed = cache.place(cached, ask)
    assert placed.path.read_bytes() == sample_clip.read_bytes()
    assert cache.place(cached, ask).path == placed.path  # placing twice reuses the file

    # Damaged clip (same size, other bytes): a miss, and the entry is dropped.
    data = bytearray(cached.path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    cached.path.unlink()  # a hard link to the output: write a new file, not through it
    cached.path.write_bytes(bytes(data))
    assert cache.lookup(key) is None
    assert not cached.path.exists()

    # Unreadable record.
    cache.store(key, clip)
    record = cached.path.with_suffix(".json")
    record.write_text("{not json")
    assert cache.lookup(key) is None

    # Clip gone, record still there.
    cache.store(key, clip)
    cached.path.unlink()
    assert cache.lookup(key) is None
    assert sample_clip.exists()  # the source of a link is never touched


def test_workflow_regenerates_when_the_cached_clip_is_damaged(
    make_workflow: MakeWorkflow, photo: Path, sample_clip: Path
) -> None:
    adapter = ScriptedAdapter(sample_clip=sample_clip)
    h = make_workflow({"luma": adapter})
    ask = GenerationRequest(image=photo, output_dir=h.output_dir)
    h.workflow.wait(h.workflow.submit(ask, "luma").task_id, 10)
    for entry in (h.workflow.cache.root).rglob("*.mp4"):
        entry.unlink()
        entry.write_bytes(b"truncated")
    again = h.workflow.wait(h.workflow.submit(ask, "luma").task_id, 10)
    assert again.status is S.COMPLETED and len(adapter.calls) == 2
    assert "from_cache" not in again.metadata


def test_a_missing_photo_fails_with_the_adapters_message(
    make_workflow: MakeWorkflow, tmp_path: Path
) -> None:
    missing = VideoStudioError(VideoStudioErrorType.INVALID_INPUT, "The photo was not found.")
    adapter = ScriptedAdapter(default=Step(error=missing))
    h = make_workflow({"luma": adapter})
    ask = GenerationRequest(image=tmp_path / "gone.jpg", output_dir=h.output_dir)
    done = h.workflow.wait(h.workflow.submit(ask, "luma").task_id, 10)
    assert done.status is S.FAILED and done.error_message == "The photo was not found."
