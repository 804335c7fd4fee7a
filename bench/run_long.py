"""Memory of a long export: a 10-minute video (job A's scenes 20 times) against job A.

  python bench/run_long.py [--preset veryfast]

One run of each (job A first, then the 10-minute one; minutes of work), VmRSS sampled every
0.5 s, peak RSS from rusage. Target: the long video's peak within 10 % of job A's.
"""

from __future__ import annotations

import argparse
from typing import Any

import common_paths as paths
import job_scripts
import prepare
import timing
from run_job_b import ours

MAX_GROWTH = 1.10


def rss_profile(run: timing.Run, parts: int = 5) -> str:
    """Largest sampled VmRSS (MiB) in each fifth of the run: flat means no growth."""
    samples = run.rss_samples
    if not samples:
        return "-"
    end = samples[-1][0]
    peaks = []
    for index in range(parts):
        lo, hi = end * index / parts, end * (index + 1) / parts
        inside = [kib for t, kib in samples if lo <= t <= hi]
        peaks.append(f"{max(inside) / 1024:.0f}" if inside else "-")
    return " / ".join(peaks)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--preset", default="veryfast")
    a = ap.parse_args()
    scripts = prepare.prepare(floor=False)
    video_a = paths.ref().DURATION_S
    video_long = video_a * job_scripts.LONG_REPEATS
    print("long video: job A once, then 10 minutes once (a few minutes)", flush=True)
    # Memory does not depend on what else runs; the wall times are shown for information.
    run_a, load = timing.single(
        "ours_A_rss",
        ours(scripts["A"], f"ours_A_{a.preset}.mp4", a.preset),
        retries=0,
        sample_rss=True,
    )
    run_long, load_long = timing.single(
        "ours_long",
        ours(scripts["long"], f"ours_long_{a.preset}.mp4", a.preset),
        retries=0,
        sample_rss=True,
    )
    load.after = load_long.after

    growth = run_long.peak_mib / run_a.peak_mib
    ok = growth <= MAX_GROWTH
    rows = []
    for label, r, seconds in (
        ("job A (30 s, 900 frames)", run_a, video_a),
        ("10 minutes (18000 frames)", run_long, video_long),
    ):
        rows.append(
            [
                label,
                f"{r.wall:.1f}",
                f"{r.cpu:.1f}",
                f"{r.peak_mib:.0f}",
                rss_profile(r),
                f"{seconds / r.wall:.2f}x",
                f"{r.foreign_cpu:.1f}",
            ]
        )
    header = [
        "video",
        "wall s",
        "CPU s",
        "peak MiB",
        "VmRSS max per fifth of the run",
        "RT",
        "others' CPU s meanwhile",
    ]
    size = paths.output(f"ours_long_{a.preset}.mp4").stat().st_size
    markdown = "\n".join(
        [
            f"### 10-minute export vs job A ({a.preset}, CRF 20): 1 run each",
            "",
            f"Series: {load.text()}. 10-minute output {size / 1e6:.1f} MB.",
            "",
            timing.markdown_table(header, rows),
            "",
            timing.markdown_table(
                ["target", "measured", "verdict"],
                [
                    [
                        f"10-min peak RSS ≤ {MAX_GROWTH:.2f}x job A's",
                        f"{growth:.3f}x ({run_long.peak_mib:.0f} vs {run_a.peak_mib:.0f} MiB)",
                        timing.verdict(ok),
                    ]
                ],
            ),
        ]
    )
    data: dict[str, Any] = {
        "preset": a.preset,
        "load": load,
        "job_a": run_a,
        "long": run_long,
        "growth": growth,
        "ok": ok,
    }
    timing.save(f"long_{a.preset}", data, markdown)


if __name__ == "__main__":
    main()
