"""The command line: make all the demo media, or some of it, into a folder."""

from __future__ import annotations

import argparse
import os
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Final

from .assets import ASSETS, make

DEFAULT_OUT: Final = Path(__file__).resolve().parents[2] / "resources" / "demo"


def main() -> None:
    parser = argparse.ArgumentParser(description="Make the demo project's media.")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder")
    parser.add_argument(
        "--only", default="", help="comma-separated file names to make (default: all)"
    )
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1))
    args = parser.parse_args()
    folder: Path = args.out
    folder.mkdir(parents=True, exist_ok=True)
    names = [n for n in args.only.split(",") if n] or list(ASSETS)
    unknown = sorted(set(names) - set(ASSETS))
    if unknown:
        parser.error(f"unknown asset(s) {', '.join(unknown)}; known: {', '.join(ASSETS)}")
    start = time.perf_counter()
    if args.jobs <= 1:
        for name in names:
            print(make(name, folder), flush=True)
    else:
        with ProcessPoolExecutor(max_workers=args.jobs) as pool:
            for line in pool.map(make, names, [folder] * len(names)):
                print(line, flush=True)
    print(f"done in {time.perf_counter() - start:.1f} s -> {folder}")


if __name__ == "__main__":
    main()
