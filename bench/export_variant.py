"""Our export with other settings than the command line's, as a whole process (for timing).

  .venv/bin/python bench/export_variant.py SCRIPT OUT.mp4 [--workers 1] [--render-ahead 6]

The same call `video-studio render SCRIPT -o OUT --crf 20 --preset veryfast -q` makes
(`export_video` with the storyboard of the script), with the render-thread count of
ExportOptions and the engine's RENDER_AHEAD set here instead of their defaults (2 and 6).
Nothing in the engine is changed; this only shows what its knobs are worth.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from video_studio.render import export
from video_studio.render.encoder import EncodeSettings
from video_studio.script import load_script


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("script", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--render-ahead", type=int, default=export.RENDER_AHEAD)
    ap.add_argument("--crf", type=int, default=20)
    ap.add_argument("--preset", default="veryfast")
    a = ap.parse_args()
    export.RENDER_AHEAD = a.render_ahead
    options = export.ExportOptions(
        encode=EncodeSettings(crf=a.crf, preset=a.preset), workers=a.workers
    )
    result = export.export_video(load_script(a.script), a.out, options)
    print(f"{result.frames} frames in {result.elapsed:.2f} s, workers {a.workers}")


if __name__ == "__main__":
    main()
