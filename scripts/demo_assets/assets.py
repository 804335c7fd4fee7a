"""The asset files: what each one is made by, and making one into a folder."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import Final

import numpy as np

from .brand import make_logo
from .canvas import Box, Photo, save_jpeg, save_png
from .gift_box import photo_gift_box
from .lifestyle import photo_lifestyle
from .mug import photo_mug
from .music import RATE, decode_audio, encode_mp3, loudness, make_music
from .serum import make_cutout, photo_serum_studio
from .wristwatch import photo_watch


def _describe_box(box: Box) -> str:
    return "product box x={:.2f} y={:.2f} w={:.2f} h={:.2f}".format(*box)


def _write_photo(path: Path, make: Callable[[], Photo]) -> str:
    image, box = make()
    save_jpeg(path, image)
    return f"{image.shape[1]}x{image.shape[0]}, {_describe_box(box)}"


def _write_cutout(path: Path) -> str:
    image, box = make_cutout()
    save_png(path, image)
    return f"{image.shape[1]}x{image.shape[0]} RGBA, {_describe_box(box)}"


def _write_logo(path: Path) -> str:
    image = make_logo()
    save_png(path, image)
    return f"{image.shape[1]}x{image.shape[0]} RGBA"


def _write_music(path: Path) -> str:
    encode_mp3(path, make_music())
    decoded = decode_audio(path)
    peak = 20 * math.log10(float(np.max(np.abs(decoded))))
    return (
        f"{decoded.shape[1] / RATE:.3f} s ({decoded.shape[1]} samples), "
        f"{loudness(decoded):.1f} LUFS, peak {peak:.1f} dBFS"
    )


ASSETS: Final[dict[str, Callable[[Path], str]]] = {
    "serum_studio.jpg": lambda path: _write_photo(path, photo_serum_studio),
    "gift_box.jpg": lambda path: _write_photo(path, photo_gift_box),
    "ceramic_mug.jpg": lambda path: _write_photo(path, photo_mug),
    "wristwatch.jpg": lambda path: _write_photo(path, photo_watch),
    "serum_lifestyle.jpg": lambda path: _write_photo(path, photo_lifestyle),
    "serum_cutout.png": _write_cutout,
    "aura_logo.png": _write_logo,
    "calm_loop.mp3": _write_music,
}


def make(name: str, folder: Path) -> str:
    """Write the asset `name` into `folder`; a line saying what was made and how long it took."""
    start = time.perf_counter()
    path = folder / name
    note = ASSETS[name](path)
    size = path.stat().st_size / 1024
    return f"{name}: {note}, {size:.0f} KB ({time.perf_counter() - start:.1f} s)"
