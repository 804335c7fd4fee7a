"""The seed's data models: validation that names fields, frame sizes, the task lifecycle and
the ConfigurationManager's conversions."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from video_studio.config import VideoStudioConfig
from video_studio.config_errors import ConfigError
from video_studio.models import (
    AspectRatio,
    AudioConfig,
    ConfigurationManager,
    InvalidTaskTransitionError,
    MotionSpec,
    MotionType,
    Scene,
    TaskInfo,
    TaskStatus,
    TextOverlay,
    Transition,
    VideoConfig,
    VideoQuality,
    frame_size,
)


def seed_video_config(**changes: object) -> VideoConfig:
    fields: dict[str, object] = {
        "template_id": "amazon_minimal",
        "input_images": ["asset_123", "asset_456"],
        "duration": 30,
        "aspect_ratio": AspectRatio.LANDSCAPE,
        "style": "Amazon 极简风",
        "quality": VideoQuality.FULL_HD_1080P,
    }
    fields.update(changes)
    return VideoConfig.model_validate(fields)


def fields_of(error: ValidationError) -> set[str]:
    return {".".join(str(part) for part in item["loc"]) for item in error.errors()}


class TestVideoConfig:
    def test_seed_example_is_valid(self) -> None:
        config = seed_video_config()
        assert config.validate() is True
        assert config.frame_size == (1920, 1080)

    @pytest.mark.parametrize(
        ("changes", "field"),
        [
            ({"duration": 0}, "duration"),
            ({"duration": -5}, "duration"),
            ({"input_images": []}, "input_images"),
            ({"input_images": ["ok", "  "]}, "input_images"),
            ({"aspect_ratio": "3:2"}, "aspect_ratio"),
            ({"quality": "8k"}, "quality"),
            ({"fps": 0}, "fps"),
        ],
    )
    def test_invalid_values_are_refused_naming_the_field(
        self, changes: dict[str, object], field: str
    ) -> None:
        with pytest.raises(ValidationError) as caught:
            seed_video_config(**changes)
        assert fields_of(caught.value) == {field}

    def test_assignment_is_validated_too(self) -> None:
        config = seed_video_config()
        with pytest.raises(ValidationError):
            config.duration = -1

    def test_duration_above_the_configured_maximum(self) -> None:
        limits = VideoStudioConfig.from_dict(
            {"rendering": {"max_duration_seconds": 20}}, environment=False
        )
        config = seed_video_config()
        assert config.validate(limits) is False
        errors = config.validation_errors(limits)
        assert errors == [
            "duration: 30 s is longer than the maximum of 20 s (rendering.max_duration_seconds)"
        ]
        with pytest.raises(ValueError, match=r"rendering\.max_duration_seconds"):
            config.validate(limits, raise_on_error=True)

    def test_default_limit_comes_from_the_process_config(self) -> None:
        assert seed_video_config(duration=300).validate() is True
        assert seed_video_config(duration=301).validate() is False

    def test_scene_durations_must_add_up(self) -> None:
        scenes = [Scene(image="a.jpg", duration=10), Scene(image="b.jpg", duration=15)]
        config = seed_video_config(scenes=scenes, duration=30)
        assert config.validation_errors() == ["duration: 30 s, but the scenes add up to 25 s"]
        assert seed_video_config(scenes=scenes, duration=25).validate()

    @pytest.mark.parametrize(
        ("aspect", "quality", "size"),
        [
            ("16:9", "1080p", (1920, 1080)),
            ("9:16", "1080p", (1080, 1920)),
            ("1:1", "1080p", (1080, 1080)),
            ("4:5", "1080p", (1080, 1350)),
            ("16:9", "720p", (1280, 720)),
            ("4:5", "720p", (720, 900)),
            ("16:9", "4k", (3840, 2160)),
            ("9:16", "4k", (2160, 3840)),
        ],
    )
    def test_frame_sizes(self, aspect: str, quality: str, size: tuple[int, int]) -> None:
        assert frame_size(aspect, quality) == size
        assert all(side % 2 == 0 for side in size)

    def test_aspect_ratio_value(self) -> None:
        assert AspectRatio.PORTRAIT_4_5.ratio == pytest.approx(0.8)


class TestSceneParts:
    def test_transition_must_be_shorter_than_its_scene(self) -> None:
        with pytest.raises(ValidationError, match=r"transition\.duration \(3 s\) must be less"):
            Scene(image="a.jpg", duration=3, transition=Transition(duration=3))
        assert Scene(image="a.jpg", duration=3, transition=Transition(duration=0.5))

    def test_ken_burns_needs_rectangles_inside_the_image(self) -> None:
        with pytest.raises(ValidationError, match="needs both start and end"):
            MotionSpec(type=MotionType.KEN_BURNS, start=(0, 0, 1, 1))
        with pytest.raises(ValidationError, match="inside the image"):
            MotionSpec(start=(0.5, 0, 0.6, 1), end=(0, 0, 1, 1))
        with pytest.raises(ValidationError, match="greater than 0"):
            MotionSpec(start=(0, 0, 0, 1), end=(0, 0, 1, 1))
        motion = MotionSpec(start=(0, 0, 1, 1), end=(0.2, 0.2, 0.6, 0.6), easing="ease_in_out")
        assert motion.end == (0.2, 0.2, 0.6, 0.6)
        assert MotionSpec(type="zoom_in").start is None

    def test_text_and_audio_limits(self) -> None:
        with pytest.raises(ValidationError, match="blank"):
            TextOverlay(content="   ")
        with pytest.raises(ValidationError, match="pattern"):
            TextOverlay(content="新品上市", color="red")
        assert TextOverlay(content="新品上市", color="#FFFFFF").position == "bottom"
        with pytest.raises(ValidationError):
            AudioConfig(path="music.mp3", volume=3)


class TestTaskLifecycle:
    def test_happy_path_sets_times_and_progress(self) -> None:
        task = TaskInfo(model="luma", scene_index=2)
        assert task.status is TaskStatus.PENDING and not task.is_terminal
        task.transition_to(TaskStatus.QUEUED)
        task.transition_to(TaskStatus.RUNNING, "submitting")
        assert task.started_at is not None
        task.update_progress(0.4, "dreaming")
        task.update_progress(0.2)  # never backwards within a run
        assert task.progress == 0.4
        task.transition_to(TaskStatus.COMPLETED)
        assert task.progress == 1.0 and task.is_terminal
        assert task.completed_at is not None and task.elapsed_seconds is not None
        assert task.elapsed_seconds >= 0

    def test_forbidden_moves_are_refused(self) -> None:
        task = TaskInfo()
        task.transition_to(TaskStatus.RUNNING)
        task.transition_to(TaskStatus.COMPLETED)
        with pytest.raises(InvalidTaskTransitionError, match="completed to running"):
            task.transition_to(TaskStatus.RUNNING)

    def test_failed_task_can_be_retried(self) -> None:
        task = TaskInfo()
        task.transition_to(TaskStatus.RUNNING)
        task.update_progress(0.7)
        task.error_message = "Runway is busy"
        task.transition_to(TaskStatus.FAILED)
        task.transition_to(TaskStatus.QUEUED)
        assert task.progress == 0.0
        assert task.error_message is None and task.completed_at is None

    def test_progress_is_clamped(self) -> None:
        task = TaskInfo()
        task.update_progress(7)
        assert task.progress == 1.0


class TestConfigurationManager:
    def test_round_trip_through_json_and_yaml_files(self, tmp_path: Path) -> None:
        manager = ConfigurationManager()
        config = seed_video_config(
            scenes=[
                Scene(
                    image="images/front.jpg",
                    duration=30,
                    motion=MotionSpec(start=(0, 0, 1, 1), end=(0.2, 0.2, 0.6, 0.6)),
                    text=TextOverlay(content="新品上市"),
                )
            ],
            audio=AudioConfig(path="music.mp3", volume=0.8, fade_in=1, fade_out=1),
        )
        for name in ("request.json", "request.yaml"):
            manager.save(config, tmp_path / name)
            assert manager.load(tmp_path / name) == config
        assert "新品上市" in (tmp_path / "request.yaml").read_text(encoding="utf-8")
        assert manager.from_text(manager.to_text(config, "yaml"), "yaml") == config

    def test_errors_name_the_file_and_field(self, tmp_path: Path) -> None:
        path = tmp_path / "request.yaml"
        path.write_text("input_images: [a.jpg]\nduration: -3\n", encoding="utf-8")
        with pytest.raises(ConfigError) as caught:
            ConfigurationManager().load(path)
        assert str(caught.value).startswith(f"{path}: duration: Input should be greater than 0")

    def test_defaults_come_from_the_rendering_config(self) -> None:
        settings = VideoStudioConfig.from_dict(
            {"rendering": {"default_aspect_ratio": "9:16", "default_quality": "720p"}},
            environment=False,
        )
        manager = ConfigurationManager(settings)
        request = manager.create_video_config(["a.jpg", "b.jpg"], style="bold")
        assert request.aspect_ratio is AspectRatio.PORTRAIT
        assert request.quality is VideoQuality.HD_720P
        assert request.duration == 10
        assert request.frame_size == (720, 1280)
        assert manager.is_valid(request)
