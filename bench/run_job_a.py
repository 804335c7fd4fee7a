"""Job A: our renderer against the encode floor and the reference implementations.

  python bench/run_job_a.py [--rounds 5] [--preset veryfast] [--no-moviepy] [--one-core]

One series, after one uncounted warm-up round: ours, encode floor, tuned PyAV, ffmpeg CLI, in
turn, `--rounds` times (paired ratios = median of the per-round ratios). Then MoviePy once
(slow: one run, no warm-up). `--one-core`: one more round of ours and the floor pinned to
one core with taskset (no warm-up; the page cache is warm by then). Before each series the
machine must be quiet (1-minute load < 0.6).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

import common_paths as paths
import prepare
import timing

CRF = 20
MAX_FLOOR_RATIO = 1.15
MIN_MOVIEPY_SPEEDUP = 5.0
MAX_PEAK_MB = 500.0


def commands(script: Path, preset: str) -> dict[str, list[str | os.PathLike[str]]]:
    ref_py = str(paths.REF_PY)
    return {
        "ours": [
            paths.APP_CLI,
            "render",
            script,
            "-o",
            paths.output(f"ours_A_{preset}.mp4"),
            "--crf",
            str(CRF),
            "--preset",
            preset,
            "-q",
        ],
        "floor": [ref_py, paths.ref_script("encode_floor.py"), "--preset", preset],
        "pyavfast": [ref_py, paths.ref_script("job_pyav_fast.py"), "--preset", preset],
        "ffmpeg": [ref_py, paths.ref_script("job_ffmpeg.py"), "--preset", preset],
    }


LABELS = {
    "ours": "**ours** (`video-studio render`)",
    "floor": "encode floor (`encode_floor.py`, PyAV x264 on ready frames)",
    "pyavfast": "tuned PyAV (`job_pyav_fast.py`)",
    "ffmpeg": "ffmpeg CLI zoompan+xfade (`job_ffmpeg.py`, imageio-ffmpeg)",
    "moviepy": "MoviePy (`job_moviepy.py`, 1 run)",
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--preset", default="veryfast")
    ap.add_argument("--no-moviepy", action="store_true")
    ap.add_argument("--one-core", action="store_true")
    a = ap.parse_args()

    scripts = prepare.prepare(floor=True)
    video_s = paths.ref().DURATION_S
    cmds = commands(scripts["A"], a.preset)

    print(f"job A ({a.preset}): {a.rounds} rounds of {', '.join(cmds)}", flush=True)
    series = timing.alternate(cmds, a.rounds)

    moviepy_runs: list[timing.Run] = []
    moviepy_load = None
    if not a.no_moviepy:
        print("MoviePy, one run", flush=True)
        cmd = [str(paths.REF_PY), str(paths.ref_script("job_moviepy.py")), "--preset", a.preset]
        result, moviepy_load = timing.single("moviepy", cmd)
        moviepy_runs.append(result)

    one_core: dict[str, timing.Run] = {}
    one_core_series = None
    if a.one_core:
        print("one core (taskset -c 0): ours, floor; 1 round, no warm-up", flush=True)
        pinned = {name: ["taskset", "-c", "0", *cmds[name]] for name in ("ours", "floor")}
        one_core_series = timing.alternate(pinned, 1, warmup=False)
        one_core = {name: rs[0] for name, rs in one_core_series.runs.items()}

    report(
        a,
        series,
        moviepy_runs=moviepy_runs,
        one_core=one_core,
        moviepy_load=moviepy_load,
        one_core_series=one_core_series,
        video_s=video_s,
    )


def report(
    a: argparse.Namespace,
    series: timing.Series,
    *,
    moviepy_runs: list[timing.Run],
    one_core: dict[str, timing.Run],
    moviepy_load: timing.LoadRecord | None,
    one_core_series: timing.Series | None,
    video_s: float,
) -> None:
    runs = series.runs
    summaries = {name: timing.summarize(name, rs, video_s) for name, rs in runs.items()}
    ratios = {
        other: timing.paired_ratio(runs["ours"], runs[other]) for other in runs if other != "ours"
    }
    cpu_ratios = {
        other: timing.paired_ratio(runs["ours"], runs[other], "cpu")
        for other in runs
        if other != "ours"
    }
    rows = []
    for name, s in summaries.items():
        vs = (
            "1.00"
            if name == "ours"
            else f"{ratios[name][0]:.3f} ({', '.join(f'{r:.2f}' for r in ratios[name][1])})"
        )
        rows.append([LABELS[name], *s.row()[1:], vs])
    moviepy = timing.summarize("moviepy", moviepy_runs, video_s) if moviepy_runs else None
    ours = summaries["ours"]
    if moviepy is not None:
        rows.append(
            [LABELS["moviepy"], *moviepy.row()[1:], f"≈{ours.wall / moviepy.wall:.3f} (medians)"]
        )
    header = ["implementation", "wall s (min–max)", "CPU s", "peak MiB", "RT", "ours / it (wall)"]
    floor_ratio = ratios["floor"][0]
    peak_mb = ours.peak_mib * 1.048576
    checks = [
        (
            f"ours ≤ {MAX_FLOOR_RATIO}x the encode floor (paired wall)",
            f"{floor_ratio:.3f}",
            floor_ratio <= MAX_FLOOR_RATIO,
        ),
        (
            "ours faster than ffmpeg's zoompan graph (paired wall)",
            f"{ratios['ffmpeg'][0]:.3f}",
            ratios["ffmpeg"][0] < 1.0,
        ),
        (
            f"peak RSS ≤ {MAX_PEAK_MB:.0f} MB",
            f"{peak_mb:.0f} MB ({ours.peak_mib:.0f} MiB)",
            peak_mb <= MAX_PEAK_MB,
        ),
    ]
    if moviepy is not None:
        speedup = moviepy.wall / ours.wall
        checks.insert(
            1,
            (
                f"≥ {MIN_MOVIEPY_SPEEDUP:.0f}x faster than MoviePy",
                f"{speedup:.2f}x",
                speedup >= MIN_MOVIEPY_SPEEDUP,
            ),
        )
    lines = [
        f"### Job A, {a.preset}, CRF {CRF}: {a.rounds} rounds after 1 warm-up, medians",
        "",
        f"Series: {series.text()}.",
    ]
    if moviepy_load is not None:
        lines.append(f"MoviePy: {moviepy_load.text()}.")
    lines += ["", timing.markdown_table(header, rows), ""]
    cpu_text = ", ".join(f"{k} {v[0]:.3f}" for k, v in cpu_ratios.items())
    lines += [f"CPU ratios ours / it (paired): {cpu_text}.", ""]
    busy = ", ".join(f"{k} {s.cpu / s.wall:.2f}" for k, s in summaries.items())
    lines += [f"Cores busy (CPU / wall): {busy}.", ""]
    lines += [
        timing.markdown_table(
            ["target", "measured", "verdict"],
            [[t, m, timing.verdict(ok)] for t, m, ok in checks],
        )
    ]
    if one_core:
        ours1, floor1 = one_core["ours"], one_core["floor"]
        assert one_core_series is not None
        lines += [
            "",
            f"One core (`taskset -c 0`, 1 run each, {one_core_series.text()}): ours "
            f"{ours1.wall:.2f} s wall / {ours1.cpu:.1f} s CPU, floor {floor1.wall:.2f} s / "
            f"{floor1.cpu:.1f} s; ours / floor {ours1.wall / floor1.wall:.3f} "
            f"(RT {video_s / ours1.wall:.2f}x).",
        ]
    data: dict[str, Any] = {
        "preset": a.preset,
        "rounds": a.rounds,
        "series": series,
        "moviepy_load": moviepy_load,
        "moviepy": moviepy_runs,
        "one_core": one_core,
        "summaries": summaries,
        "ratios": {k: {"median": v[0], "per_round": v[1]} for k, v in ratios.items()},
        "cpu_ratios": {k: v[0] for k, v in cpu_ratios.items()},
        "checks": [{"target": t, "measured": m, "ok": ok} for t, m, ok in checks],
        "ours_size_bytes": paths.output(f"ours_A_{a.preset}.mp4").stat().st_size,
    }
    sizes = {
        name: paths.output(f"{name}_A_{a.preset}.mp4")
        for name in ("ours", "encodefloor", "pyavfast", "ffmpeg", "moviepy")
    }
    size_text = ", ".join(
        f"{name} {p.stat().st_size / 1e6:.2f} MB" for name, p in sizes.items() if p.exists()
    )
    lines += ["", f"Output sizes: {size_text}."]
    timing.save(f"job_a_{a.preset}", data, "\n".join(lines))


if __name__ == "__main__":
    main()
