"""Where our job-A time goes, stage by stage (project venv; on a quiet machine).

  .venv/bin/python bench/breakdown.py [--repeats 3]

1. start-up: `video-studio --version`, and importing the render stack in a fresh process
   (whole-process wall, median of `--repeats`);
2. render only: the 900 job-A frames with `Compositor.render_into` in this process, one
   thread, OpenCV at 1 thread (as export runs it): ms per frame, plain vs crossfade frames;
   the same job through the reference's `render_floor.py yuv --cv-threads 1` (the tuned
   reference's warpAffine on Y/U/V planes) for comparison;
3. hand-off: `av.VideoFrame.from_ndarray(buffer, format="yuv420p")` plus the colour fields,
   900 times (the copy into an AVFrame that every frame pays).
The CPU the rest of the machine used meanwhile is shown with each figure.
"""

from __future__ import annotations

import argparse
import re
import resource
import statistics
import time
from typing import Any

import av
import common_paths as paths
import cv2
import job_scripts
import timing

from video_studio.render.compositor import Compositor
from video_studio.render.frame import YuvFrame
from video_studio.script import load_script


def own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def startup(repeats: int) -> dict[str, float]:
    imports = (
        "import video_studio.commands.render, video_studio.render.export, "
        "video_studio.script, video_studio.commands.inputs"
    )
    cmds = {
        "video-studio --version": [str(paths.APP_CLI), "--version"],
        "python -c pass": [str(paths.APP_PY), "-c", "pass"],
        "python: import the render stack": [str(paths.APP_PY), "-c", imports],
        "python: import av, cv2, numpy": [str(paths.APP_PY), "-c", "import av, cv2, numpy"],
    }
    result = {}
    for label, cmd in cmds.items():
        walls = [timing.run("startup", cmd).wall for _ in range(repeats)]
        result[label] = statistics.median(walls)
    return result


def render_only() -> dict[str, Any]:
    cv2.setNumThreads(1)
    compositor = Compositor(load_script(job_scripts.job_a()))
    frame = YuvFrame.allocate(compositor.width, compositor.height)
    started = time.perf_counter()
    for i in range(6):  # load every source first: not part of the per-frame cost
        compositor.render_into(i * 5.0 + 1.0, frame)
    load_s = time.perf_counter() - started
    plain: list[float] = []
    fades: list[float] = []
    busy0, cpu0, wall0 = timing.busy_cpu_seconds(), own_cpu(), time.perf_counter()
    for index in range(compositor.frame_count):
        t = compositor.time_of(index)
        t0 = time.perf_counter()
        compositor.render_into(t, frame)
        ms = (time.perf_counter() - t0) * 1000
        (fades if len(compositor.timeline.active(t)) == 2 else plain).append(ms)
    wall = time.perf_counter() - wall0
    cpu = own_cpu() - cpu0
    foreign = max(0.0, timing.busy_cpu_seconds() - busy0 - cpu)
    return {
        "sources_s": load_s,
        "wall_s": wall,
        "cpu_s": cpu,
        "plain_ms": statistics.median(plain),
        "fade_ms": statistics.median(fades),
        "mean_ms": 1000 * wall / compositor.frame_count,
        "foreign_cpu_s": foreign,
    }


def reference_render() -> dict[str, float]:
    cmd = [str(paths.REF_PY), str(paths.ref_script("render_floor.py")), "yuv", "--cv-threads", "1"]
    result = timing.run("render_floor_yuv", cmd)
    text = (paths.LOGS / "render_floor_yuv.log").read_text()
    match = re.search(r"([\d.]+) ms/frame", text)
    return {
        "wall_s": result.wall,
        "cpu_s": result.cpu,
        "ms_per_frame": float(match.group(1)) if match else float("nan"),
        "foreign_cpu_s": result.foreign_cpu,
    }


def handoff(frames: int = 900) -> dict[str, float]:
    buffer = YuvFrame.allocate(1920, 1080)
    buffer.fill((120, 128, 128))
    busy0, cpu0, wall0 = timing.busy_cpu_seconds(), own_cpu(), time.perf_counter()
    for _ in range(frames):
        video_frame = av.VideoFrame.from_ndarray(buffer.contiguous(), format="yuv420p")
        video_frame.colorspace = 1
        video_frame.color_range = 1
    wall = time.perf_counter() - wall0
    cpu = own_cpu() - cpu0
    return {
        "ms_per_frame": 1000 * wall / frames,
        "foreign_cpu_s": max(0.0, timing.busy_cpu_seconds() - busy0 - cpu),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    a = ap.parse_args()
    print("breakdown of our job-A time", flush=True)
    load = timing.wait_for_quiet()
    print("  " + load.text(), flush=True)
    starts = startup(a.repeats)
    ours = render_only()
    ref = reference_render()
    wrap = handoff()
    load.after = timing.loadavg()
    n = paths.ref().N_FRAMES
    lines = [
        "### Where our job-A time goes (stages, 1 thread)",
        "",
        f"Series: {load.text()}.",
        "",
        timing.markdown_table(
            ["start-up (whole process, median)", "wall s"],
            [[label, f"{wall:.3f}"] for label, wall in starts.items()],
        ),
        "",
        timing.markdown_table(
            [
                "render only, 900 frames, 1 thread",
                "ms/frame (mean)",
                "plain frame ms (median)",
                "crossfade frame ms (median)",
                "CPU s",
                "others' CPU s",
            ],
            [
                [
                    "ours: `Compositor.render_into` (in-process)",
                    f"{ours['mean_ms']:.2f}",
                    f"{ours['plain_ms']:.2f}",
                    f"{ours['fade_ms']:.2f}",
                    f"{ours['cpu_s']:.2f}",
                    f"{ours['foreign_cpu_s']:.1f}",
                ],
                [
                    "reference `render_floor.py yuv --cv-threads 1` (warpAffine Y/U/V)",
                    f"{ref['ms_per_frame']:.2f}",
                    "-",
                    "-",
                    f"{ref['cpu_s']:.2f} (whole process)",
                    f"{ref['foreign_cpu_s']:.1f}",
                ],
            ],
        ),
        "",
        f"Our sources (6 JPEG decodes + YUV planes, once): {ours['sources_s']:.2f} s. "
        f"Hand-off `VideoFrame.from_ndarray` + colour fields: {wrap['ms_per_frame']:.2f} "
        f"ms/frame ({wrap['ms_per_frame'] * n / 1000:.2f} s for {n} frames).",
    ]
    data = {"load": load, "startup": starts, "ours": ours, "reference": ref, "handoff": wrap}
    timing.save("breakdown", data, "\n".join(lines))


if __name__ == "__main__":
    main()
