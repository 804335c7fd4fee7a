"""`video-studio render|validate|demo` as a user runs them: exit codes, messages, files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.render.conftest import probe
from video_studio.cli import main

WriteImage = Callable[..., Path]
CLI = Path(sys.executable).parent / "video-studio"


def write_script(folder: Path, scenes: list[dict[str, object]], **fields: object) -> Path:
    path = folder / "video.json"
    path.write_text(json.dumps({"version": 1, "scenes": scenes, **fields}), encoding="utf-8")
    return path


@pytest.fixture
def script(tmp_path: Path, write_image: WriteImage) -> Path:
    (tmp_path / "images").mkdir()
    for index in range(2):
        write_image(f"images/p{index}.png", seed=index + 1)
    scenes = [
        {
            "image": "images/p0.png",
            "duration": 1.0,
            "motion": {"type": "zoom_in"},
            "transition": {"type": "crossfade", "duration": 0.3},
            "text": {"content": "新品上市"},
        },
        {"image": "images/p1.png", "duration": 1.0, "motion": {"type": "pan_right"}},
    ]
    return write_script(tmp_path, scenes, quality="720p")


def test_render_writes_the_video_and_reports(script: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.mp4"
    done = subprocess.run(
        [str(CLI), "render", str(script), "-o", str(out), "--aspect", "9:16", "--fps", "24"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    info = probe(out)
    assert (info.width, info.height, info.frames) == (720, 1280, 48)
    assert "wrote" in done.stderr and "frames" in done.stderr  # progress and summary on stderr
    assert done.stdout == ""


def test_bad_script_exits_2_naming_scene_and_field(script: Path, tmp_path: Path) -> None:
    data = json.loads(script.read_text())
    data["scenes"][0]["transition"]["duration"] = 1.5  # longer than the next scene
    data["scenes"][1]["motion"] = {"type": "ken_burns", "start": [0, 0, 2, 1], "end": [0, 0, 1, 1]}
    script.write_text(json.dumps(data))
    out = tmp_path / "out.mp4"
    done = subprocess.run(
        [str(CLI), "render", str(script), "-o", str(out)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "scenes[0].transition.duration" in done.stderr
    assert "scenes[1].motion.start" in done.stderr
    assert "Traceback" not in done.stderr
    assert not out.exists()


def test_missing_image_names_the_scene_and_file(
    script: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "images" / "p1.png").unlink()
    assert main(["render", str(script), "-o", str(tmp_path / "out.mp4"), "-q"]) == 2
    err = capsys.readouterr().err
    assert "scenes[1].image" in err and "p1.png" in err
    assert not (tmp_path / "out.mp4").exists()


def test_a_corrupt_image_is_invalid_input(
    script: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "images" / "p0.png").write_bytes(b"\x89PNG\r\n\x1a\n truncated")
    assert main(["validate", str(script)]) == 2
    assert "p0.png" in capsys.readouterr().err
    assert main(["render", str(script), "-o", str(tmp_path / "out.mp4"), "-q"]) == 2
    assert "p0.png" in capsys.readouterr().err
    assert not (tmp_path / "out.mp4").exists()


def test_validate_accepts_scripts_and_configs(
    script: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate", str(script)]) == 0
    assert "2 scenes, 2.0 s, 1280x720" in capsys.readouterr().out
    config = tmp_path / "config.yaml"
    config.write_text("workflow:\n  max_concurrent_tasks: 3\n")
    assert main(["validate", str(config)]) == 0
    config.write_text("workflow:\n  max_concurrent_tasks: -3\n")
    assert main(["validate", str(config)]) == 2
    assert "workflow.max_concurrent_tasks" in capsys.readouterr().err


def test_the_seed_video_config_form_renders(
    tmp_path: Path, write_image: WriteImage, capsys: pytest.CaptureFixture[str]
) -> None:
    images = [str(write_image(f"p{i}.png", seed=i + 1)) for i in range(3)]
    request = tmp_path / "request.yaml"
    request.write_text(
        json.dumps(
            {"input_images": images, "duration": 6, "style": "Amazon 极简风", "quality": "720p"}
        ),
        encoding="utf-8",
    )
    out = tmp_path / "request.mp4"
    assert main(["render", str(request), "-o", str(out), "-q"]) == 0, capsys.readouterr().err
    assert probe(out).frames == 180


@pytest.mark.parametrize("codec", ["h265", "vp9"])
def test_codec_option_and_wrong_suffix(
    script: Path, tmp_path: Path, codec: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["render", str(script), "-o", str(tmp_path / "x.mp4"), "--codec", "vp9", "-q"]) == 2
    assert "x.webm" in capsys.readouterr().err
    suffix = ".webm" if codec == "vp9" else ".mp4"
    out = tmp_path / f"x{suffix}"
    assert (
        main(
            [
                "render",
                str(script),
                "-o",
                str(out),
                "--codec",
                codec,
                "--crf",
                "30",
                "--preset",
                "ultrafast",
                "-q",
            ]
        )
        == 0
    )
    assert probe(out).codec == {"h265": "hevc", "vp9": "vp9"}[codec]


def test_platform_preset(script: Path, tmp_path: Path) -> None:
    out = tmp_path / "reel.mp4"
    assert main(["render", str(script), "-o", str(out), "--platform", "instagram_feed", "-q"]) == 0
    assert (probe(out).width, probe(out).height) == (1080, 1350)


def test_unknown_option_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["render", "x.json", "-o", "y.mp4", "--codec", "divx"]) == 2
    assert "invalid choice" in capsys.readouterr().err


def test_demo_renders_offline_with_music(tmp_path: Path) -> None:
    out = tmp_path / "demo.mp4"
    done = subprocess.run(
        [str(CLI), "demo", "-o", str(out), "--quality", "720p", "--look", "draft", "-q"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, "http_proxy": "http://127.0.0.1:9", "https_proxy": "http://127.0.0.1:9"},
    )
    assert done.returncode == 0, done.stderr
    info = probe(out)
    assert (info.width, info.height) == (1280, 720)
    assert info.frames == 690  # 23 s at 30 fps: intro, five scenes, outro
    assert info.audio_codec == "aac"
