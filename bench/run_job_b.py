"""Job B: our renderer with the music track (1 s fades, AAC 192k) against job A, paired.

  python bench/run_job_b.py [--rounds 5] [--preset veryfast]

After one uncounted warm-up pair: ours job A, ours job B, in turn, `--rounds` times. The
B / A ratio is the median of the per-pair wall-time ratios (target ≤ 1.05).
"""

from __future__ import annotations

import argparse
import os
from typing import Any

import common_paths as paths
import prepare
import timing

CRF = 20
MAX_B_OVER_A = 1.05


def ours(script: os.PathLike[str], out_name: str, preset: str) -> list[str | os.PathLike[str]]:
    return [
        paths.APP_CLI,
        "render",
        script,
        "-o",
        paths.output(out_name),
        "--crf",
        str(CRF),
        "--preset",
        preset,
        "-q",
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--preset", default="veryfast")
    a = ap.parse_args()
    scripts = prepare.prepare(floor=False)
    video_s = paths.ref().DURATION_S
    cmds = {
        "ours_A": ours(scripts["A"], f"ours_A_{a.preset}.mp4", a.preset),
        "ours_B": ours(scripts["B"], f"ours_B_{a.preset}.mp4", a.preset),
    }
    print(f"job B vs A ({a.preset}): {a.rounds} pairs", flush=True)
    series = timing.alternate(cmds, a.rounds)
    runs = series.runs

    summaries = {name: timing.summarize(name, rs, video_s) for name, rs in runs.items()}
    ratio, per_pair = timing.paired_ratio(runs["ours_B"], runs["ours_A"])
    cpu_ratio, _ = timing.paired_ratio(runs["ours_B"], runs["ours_A"], "cpu")
    rows = [
        ["ours, job A", *summaries["ours_A"].row()[1:], "1.00"],
        [
            "ours, job B (+ music, fades, AAC 192k)",
            *summaries["ours_B"].row()[1:],
            f"{ratio:.3f} ({', '.join(f'{r:.3f}' for r in per_pair)})",
        ],
    ]
    header = ["run", "wall s (min–max)", "CPU s", "peak MiB", "RT", "B / A (paired wall)"]
    ok = ratio <= MAX_B_OVER_A
    markdown = "\n".join(
        [
            f"### Job B vs job A, {a.preset}: {a.rounds} pairs after 1 warm-up, medians",
            "",
            f"Series: {series.text()}.",
            "",
            timing.markdown_table(header, rows),
            "",
            f"CPU B / A (paired): {cpu_ratio:.3f}.",
            "",
            timing.markdown_table(
                ["target", "measured", "verdict"],
                [[f"B / A ≤ {MAX_B_OVER_A}", f"{ratio:.3f}", timing.verdict(ok)]],
            ),
        ]
    )
    data: dict[str, Any] = {
        "preset": a.preset,
        "series": series,
        "summaries": summaries,
        "ratio": ratio,
        "per_pair": per_pair,
        "cpu_ratio": cpu_ratio,
        "ok": ok,
    }
    timing.save(f"job_b_{a.preset}", data, markdown)


if __name__ == "__main__":
    main()
