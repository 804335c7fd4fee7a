"""Job A: our command line against the same export with one render thread, and the floor.

  python bench/run_variants.py [--rounds 5]

A paired series (1 warm-up + N rounds) of `video-studio render` (2 render threads, the
default), `export_variant.py --workers 1`, and the encode floor: what the render-thread
count is worth on 2 cores, where x264's frame threads already fill both.
"""

from __future__ import annotations

import argparse
import os
from typing import Any

import common_paths as paths
import prepare
import timing
from run_job_a import commands

VARIANTS = {"workers1": ["--workers", "1"]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5)
    a = ap.parse_args()
    scripts = prepare.prepare(floor=True)
    base = commands(scripts["A"], "veryfast")
    cmds: dict[str, list[str | os.PathLike[str]]] = {"ours": base["ours"]}
    for name, extra in VARIANTS.items():
        cmds[name] = [
            paths.APP_PY,
            paths.BENCH_DIR / "export_variant.py",
            scripts["A"],
            paths.output(f"ours_{name}_A_veryfast.mp4"),
            *extra,
        ]
    cmds["floor"] = base["floor"]
    print(f"variants: {a.rounds} rounds of {', '.join(cmds)}", flush=True)
    series = timing.alternate(cmds, a.rounds)
    video_s = paths.ref().DURATION_S
    rows = []
    ratios: dict[str, Any] = {}
    for name, runs in series.runs.items():
        s = timing.summarize(name, runs, video_s)
        vs_floor = timing.paired_ratio(runs, series.runs["floor"])
        vs_ours = timing.paired_ratio(runs, series.runs["ours"])
        ratios[name] = {"floor": vs_floor, "ours": vs_ours}
        rows.append(
            [
                name,
                *s.row()[1:],
                f"{vs_floor[0]:.3f} ({', '.join(f'{r:.2f}' for r in vs_floor[1])})",
                f"{vs_ours[0]:.3f}",
            ]
        )
    header = ["run", "wall s (min–max)", "CPU s", "peak MiB", "RT", "/ floor (paired)", "/ ours"]
    markdown = "\n".join(
        [
            f"### Render threads: job A, veryfast, {a.rounds} rounds after 1 warm-up, medians",
            "",
            f"Series: {series.text()}.",
            "",
            timing.markdown_table(header, rows),
        ]
    )
    timing.save("variants", {"series": series, "ratios": ratios}, markdown)


if __name__ == "__main__":
    main()
