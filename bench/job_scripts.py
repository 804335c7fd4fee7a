"""Scene scripts for the project's renderer, built from the reference job's constants.

  python bench/job_scripts.py            # writes job_a.json, job_b.json, long_10min.json

Job A as a scene script: one scene per image, 5 s each (SLOT_S), a ken_burns motion whose
start and end rectangles are the reference's `crop_rect(i, 0)` and `crop_rect(i, last)` as
fractions of the source, linear easing, `cover` fit, and a 0.5 s crossfade to the next image
(the last scene: a cut). The engine then reproduces the reference exactly: a scene's
motion progress is k / (visible frames - 1), the crossfade weight k / 15, and a zoom
between two rectangles keeps 1/width linear, as the reference's z = 1 + 0.15 p does.
Job B adds the WAV as music with 1 s fades. The long video repeats job A's six scenes
LONG_REPEATS times (10 minutes). Image paths are absolute (into BENCH_OUT/images).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import common_paths as paths

LONG_REPEATS = 20  # 20 x 30 s = 10 minutes


def _fractions(rect: tuple[float, float, float, float], src: int) -> list[float]:
    return [value / src for value in rect]


def job_a_scenes() -> list[dict[str, Any]]:
    ref = paths.ref()
    scenes: list[dict[str, Any]] = []
    for i, image in enumerate(ref.image_paths()):
        last = ref.clip_frames(i) - 1
        last_scene = i == ref.N_IMAGES - 1
        scenes.append(
            {
                "image": str(Path(image).resolve()),
                "duration": ref.SLOT_S,
                "motion": {
                    "type": "ken_burns",
                    "start": _fractions(ref.crop_rect(i, 0), ref.SRC),
                    "end": _fractions(ref.crop_rect(i, last), ref.SRC),
                    "easing": "linear",
                },
                "fit": "cover",
                "transition": (
                    {"type": "cut", "duration": 0}
                    if last_scene
                    else {"type": "crossfade", "duration": ref.XFADE_S}
                ),
            }
        )
    return scenes


def storyboard(name: str, scenes: list[dict[str, Any]], audio: bool = False) -> dict[str, Any]:
    ref = paths.ref()
    data: dict[str, Any] = {
        "version": 1,
        "name": name,
        "template_id": "amazon_minimal",
        "aspect_ratio": "16:9",
        "quality": "1080p",
        "fps": ref.FPS,
        "scenes": scenes,
    }
    if audio:
        data["audio"] = {
            "path": str(Path(ref.WAV_PATH).resolve()),
            "fade_in": ref.AUDIO_FADE_S,
            "fade_out": ref.AUDIO_FADE_S,
        }
    return data


def write(name: str, data: dict[str, Any]) -> Path:
    paths.SCRIPTS.mkdir(parents=True, exist_ok=True)
    path = paths.SCRIPTS / f"{name}.json"
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    return path


def job_a() -> Path:
    return write("job_a", storyboard("Job A", job_a_scenes()))


def job_b() -> Path:
    return write("job_b", storyboard("Job B", job_a_scenes(), audio=True))


def long_video() -> Path:
    scenes = job_a_scenes() * LONG_REPEATS
    return write("long_10min", storyboard("Job A x 20 (10 min)", scenes))


if __name__ == "__main__":
    for made in (job_a(), job_b(), long_video()):
        print(made)
