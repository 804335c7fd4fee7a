"""Render the Linux desktop icons (PNG) from their hand-written SVGs with Qt's SVG renderer.

    .venv/bin/python scripts/make_icons.py          # (re)write every PNG
    .venv/bin/python scripts/make_icons.py --check  # exit 1 if a PNG is missing or stale

Sources: packaging/linux/icons/scalable/{apps,mimetypes}/*.svg. Output:
packaging/linux/icons/hicolor/<N>x<N>/{apps,mimetypes}/<name>.png for the sizes in SIZES (the
fixed sizes desktops look for when they do not draw SVGs themselves). Qt renders them so that
no extra tool (Inkscape, rsvg) is needed: PySide6 is already in the venv.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

# Qt needs a platform even to paint into an image; offscreen works without a display.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

REPO_ROOT = Path(__file__).resolve().parent.parent
ICON_DIR = REPO_ROOT / "packaging" / "linux" / "icons"
APP_ID = "io.github.videostudio.VideoStudio"
# The icon name shared-mime-info derives from application/x-video-studio-project.
MIME_ICON = "application-x-video-studio-project"
# (icon theme context, icon name): every SVG under scalable/.
ICONS: tuple[tuple[str, str], ...] = (("apps", APP_ID), ("mimetypes", MIME_ICON))
SIZES: tuple[int, ...] = (16, 24, 32, 48, 64, 128, 256, 512)
# Largest per-channel difference --check accepts: a Qt update may round a few edge pixels
# differently without the icon having changed.
CHECK_TOLERANCE = 2


def svg_path(context: str, name: str) -> Path:
    return ICON_DIR / "scalable" / context / f"{name}.svg"


def png_path(context: str, name: str, size: int) -> Path:
    return ICON_DIR / "hicolor" / f"{size}x{size}" / context / f"{name}.png"


def targets() -> Iterator[tuple[Path, Path, int]]:
    """(SVG source, PNG target, size) for every icon and size."""
    for context, name in ICONS:
        for size in SIZES:
            yield svg_path(context, name), png_path(context, name, size), size


def render(svg: Path, size: int) -> QImage:
    """`svg` drawn into a transparent size x size image."""
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise ValueError(f"{svg}: Qt cannot read this SVG")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()
    return image


def pixels(image: QImage) -> np.ndarray[tuple[int, int, int], np.dtype[np.int16]]:
    """The premultiplied ARGB pixels as height x width x 4 (signed, to subtract)."""
    argb = image.convertToFormat(QImage.Format.Format_ARGB32_Premultiplied)
    rows = np.frombuffer(argb.constBits(), dtype=np.uint8).reshape(
        argb.height(), argb.bytesPerLine()
    )
    return rows[:, : argb.width() * 4].reshape(argb.height(), argb.width(), 4).astype(np.int16)


def difference(svg: Path, png: Path, size: int) -> str | None:
    """Why `png` is not the current rendering of `svg`, or None when it is."""
    if not png.is_file():
        return "missing"
    stored = QImage(str(png))
    if stored.isNull():
        return "not a readable PNG"
    if stored.width() != size or stored.height() != size:
        return f"{stored.width()}x{stored.height()}, not {size}x{size}"
    largest = int(np.abs(pixels(stored) - pixels(render(svg, size))).max())
    return f"differs from the SVG (by up to {largest})" if largest > CHECK_TOLERANCE else None


def write_all() -> list[Path]:
    written = []
    for svg, png, size in targets():
        png.parent.mkdir(parents=True, exist_ok=True)
        if not render(svg, size).save(str(png)):
            raise OSError(f"{png}: could not be written")
        written.append(png)
    return written


def stale() -> list[str]:
    """One line for each PNG that is missing or not the rendering of its SVG."""
    problems = []
    for svg, png, size in targets():
        problem = difference(svg, png, size)
        if problem is not None:
            problems.append(f"{png.relative_to(REPO_ROOT)}: {problem}")
    return problems


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--check", action="store_true", help="only check that the PNGs match the SVGs"
    )
    args = parser.parse_args(argv)
    # Held until the end: painting into images needs a Qt GUI application to exist.
    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    if args.check:
        problems = stale()
        for line in problems:
            print(line, file=sys.stderr)
        if problems:
            print("regenerate them with: .venv/bin/python scripts/make_icons.py", file=sys.stderr)
        return 1 if problems else 0
    for png in write_all():
        print(png.relative_to(REPO_ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
