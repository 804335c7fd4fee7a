"""Preview latency: one 960x540 RGB frame at a random time, in-process, as the app's preview.

  .venv/bin/python bench/preview_frame.py [--frames 300] [--size 960x540] [--seed 1]

Runs in the project's venv (it imports video_studio). The compositor is built as the preview
builds it, `Compositor(storyboard, size=(960, 540)).frame_rgb(t)`, on the job-A script. Cold
cost first (the first frame of each scene: image decode and preparation), then a warm-up of
one frame per scene and crossfade, then `--frames` random times, each timed alone
(perf_counter). Target: median ≤ 8 ms.
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import time
from typing import Any

import common_paths as paths
import cv2
import job_scripts
import numpy as np
import timing

from video_studio.render.compositor import Compositor
from video_studio.script import load_script

MAX_MEDIAN_MS = 8.0


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def timed_frames(
    compositor: Compositor, times: list[float]
) -> tuple[list[tuple[float, float, bool]], float]:
    """(t, ms, in a crossfade) per frame, and the CPU seconds other processes used meanwhile."""
    samples: list[tuple[float, float, bool]] = []
    busy0, own0 = timing.busy_cpu_seconds(), _own_cpu()
    for t in times:
        fade = len(compositor.timeline.active(t)) == 2
        t0 = time.perf_counter()
        rgb = compositor.frame_rgb(t)
        samples.append((t, (time.perf_counter() - t0) * 1000, fade))
    assert rgb.ndim == 3
    foreign = (timing.busy_cpu_seconds() - busy0) - (_own_cpu() - own0)
    return samples, max(0.0, foreign)


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=300)
    ap.add_argument("--size", default="960x540")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    width, height = (int(v) for v in a.size.split("x"))
    ref = paths.ref()
    script = job_scripts.job_a()

    print(f"preview {width}x{height}: {a.frames} random frames", flush=True)
    load = timing.wait_for_quiet()
    print("  " + load.text(), flush=True)

    started = time.perf_counter()
    storyboard = load_script(script)
    compositor = Compositor(storyboard, size=(width, height))
    setup_ms = (time.perf_counter() - started) * 1000
    # Cold: the first frame of each scene loads and prepares its image.
    cold = []
    for i in range(ref.N_IMAGES):
        t0 = time.perf_counter()
        compositor.frame_rgb(i * ref.SLOT_S + 1.0)
        cold.append((time.perf_counter() - t0) * 1000)
    for i in range(ref.N_IMAGES):  # warm-up: every scene and every crossfade once more
        compositor.frame_rgb(i * ref.SLOT_S + 2.0)
        compositor.frame_rgb(i * ref.SLOT_S + 0.25)

    rng = random.Random(a.seed)
    duration = compositor.duration
    times = [rng.uniform(0.0, duration) for _ in range(a.frames)]
    discarded = 0
    while True:
        samples, foreign = timed_frames(compositor, times)
        if foreign <= timing.MAX_FOREIGN * sum(ms for _, ms, _ in samples) / 1000 or discarded >= 3:
            break
        discarded += 1
        print(f"  discarded: others used {foreign:.2f} s CPU meanwhile", flush=True)
        load = timing.wait_for_quiet()
    load.after = timing.loadavg()

    all_ms = [ms for _, ms, _ in samples]
    plain = [ms for _, ms, fade in samples if not fade]
    fades = [ms for _, ms, fade in samples if fade]

    def row(label: str, values: list[float]) -> list[str]:
        if not values:
            return [label, "0", "-", "-", "-", "-"]
        return [
            label,
            str(len(values)),
            f"{statistics.median(values):.2f}",
            f"{percentile(values, 95):.2f}",
            f"{min(values):.2f}",
            f"{max(values):.2f}",
        ]

    busy_note = f"; {discarded} series discarded (machine busy)" if discarded else ""
    median = statistics.median(all_ms)
    ok = median <= MAX_MEDIAN_MS
    header = ["frames", "n", "median ms", "p95 ms", "min ms", "max ms"]
    markdown = "\n".join(
        [
            f"### Preview: `Compositor(storyboard, size=({width}, {height})).frame_rgb(t)`, "
            f"job A, {a.frames} random t (seed {a.seed}), in-process",
            "",
            f"Series: {load.text()}{busy_note}. OpenCV threads: {cv2.getNumThreads()}. "
            f"Script load + compositor: {setup_ms:.0f} ms; first frame of each scene (cold, "
            f"loads the image): {', '.join(f'{ms:.0f}' for ms in cold)} ms.",
            "",
            timing.markdown_table(
                header,
                [
                    row("all", all_ms),
                    row("one scene", plain),
                    row("in a crossfade (two scenes)", fades),
                ],
            ),
            "",
            timing.markdown_table(
                ["target", "measured", "verdict"],
                [[f"median ≤ {MAX_MEDIAN_MS:g} ms", f"{median:.2f} ms", timing.verdict(ok)]],
            ),
        ]
    )
    data: dict[str, Any] = {
        "size": [width, height],
        "load": load,
        "setup_ms": setup_ms,
        "cold_ms": cold,
        "samples": samples,
        "median_ms": median,
        "p95_ms": percentile(all_ms, 95),
        "ok": ok,
    }
    timing.save(f"preview_{width}x{height}", data, markdown)


if __name__ == "__main__":
    main()
