"""Finding and loading fonts: Noto CJK for Chinese/Japanese/Korean text, DejaVu otherwise.

System font folders are searched by file name (fast, predictable), then fontconfig when it
is installed. Text that needs CJK glyphs never falls back to a font without them: that would
render empty boxes ("tofu"), so a missing CJK font is an error that says how to fix it.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from collections.abc import Iterable, Sequence
from pathlib import Path

from PIL import ImageFont

from video_studio.error_types import RecoveryAction, VideoStudioError, VideoStudioErrorType
from video_studio.resources import fonts_dir

FONT_DIRS_ENV = "VIDEO_STUDIO_FONT_DIRS"  # extra folders, searched first (os.pathsep list)
_SYSTEM_DIRS = (
    Path("/usr/share/fonts"),
    Path("/usr/local/share/fonts"),
    Path("~/.local/share/fonts"),
    Path("~/.fonts"),
    Path("/Library/Fonts"),
    Path("/System/Library/Fonts"),
    Path("~/Library/Fonts"),
    Path("C:/Windows/Fonts"),
)
_FONT_SUFFIXES = {".ttf", ".otf", ".ttc", ".otc"}
_FONTCONFIG_TIMEOUT = 10.0

# Preferred file names, best first. A light weight falls back to regular, serif to sans.
_CJK_FILES: dict[tuple[str, str], tuple[str, ...]] = {
    ("sans", "light"): ("NotoSansCJK-Light.ttc", "NotoSansCJKsc-Light.otf"),
    ("sans", "regular"): (
        "NotoSansCJK-Regular.ttc",
        "NotoSansCJKsc-Regular.otf",
        "NotoSansSC-Regular.otf",
        "NotoSansSC-Regular.ttf",
        "NotoSansCJK.ttc",
        "wqy-microhei.ttc",
        "wqy-zenhei.ttc",
        "PingFang.ttc",
        "msyh.ttc",
    ),
    ("sans", "bold"): (
        "NotoSansCJK-Bold.ttc",
        "NotoSansCJKsc-Bold.otf",
        "NotoSansSC-Bold.otf",
        "NotoSansSC-Bold.ttf",
        "msyhbd.ttc",
    ),
    ("serif", "light"): ("NotoSerifCJK-Light.ttc", "NotoSerifCJKsc-Light.otf"),
    ("serif", "regular"): (
        "NotoSerifCJK-Regular.ttc",
        "NotoSerifCJKsc-Regular.otf",
        "NotoSerifSC-Regular.otf",
    ),
    ("serif", "bold"): ("NotoSerifCJK-Bold.ttc", "NotoSerifCJKsc-Bold.otf", "NotoSerifSC-Bold.otf"),
}
_LATIN_FILES: dict[tuple[str, str], tuple[str, ...]] = {
    ("sans", "light"): ("DejaVuSans-ExtraLight.ttf",),
    ("sans", "regular"): ("DejaVuSans.ttf", "LiberationSans-Regular.ttf", "Arial.ttf"),
    ("sans", "bold"): ("DejaVuSans-Bold.ttf", "LiberationSans-Bold.ttf", "Arial Bold.ttf"),
    ("serif", "light"): (),
    ("serif", "regular"): ("DejaVuSerif.ttf", "LiberationSerif-Regular.ttf", "Times New Roman.ttf"),
    ("serif", "bold"): ("DejaVuSerif-Bold.ttf", "LiberationSerif-Bold.ttf"),
}
_FAMILIES = ("sans", "serif")
_WEIGHTS = ("light", "regular", "bold")

_CJK_RANGES = (
    (0x1100, 0x11FF),  # Hangul Jamo
    (0x2E80, 0x2FDF),  # CJK radicals
    (0x3000, 0x30FF),  # CJK punctuation, Hiragana, Katakana
    (0x3100, 0x31FF),  # Bopomofo, Hangul compatibility Jamo, Katakana extension
    (0x3200, 0x4DBF),  # enclosed CJK, compatibility, extension A
    (0x4E00, 0x9FFF),  # unified ideographs
    (0xA960, 0xA97F),  # Hangul Jamo extended A
    (0xAC00, 0xD7FF),  # Hangul syllables
    (0xF900, 0xFAFF),  # compatibility ideographs
    (0xFE30, 0xFE4F),  # CJK compatibility forms
    (0xFF00, 0xFFEF),  # full-width forms
    (0x20000, 0x3134F),  # extensions B to G
)


def is_cjk_char(char: str) -> bool:
    code = ord(char)
    return any(low <= code <= high for low, high in _CJK_RANGES)


def contains_cjk(text: str) -> bool:
    """True when the text has a Chinese, Japanese or Korean character (or CJK punctuation)."""
    return any(is_cjk_char(char) for char in text)


def _missing_font_error(needs_cjk: bool, family: str, weight: str) -> VideoStudioError:
    if needs_cjk:
        message = (
            "No font that can show Chinese, Japanese or Korean text was found, so the text "
            "cannot be drawn. Install the fonts-noto-cjk package (sudo apt-get install "
            "fonts-noto-cjk), or run ./run.sh, which installs it, then try again."
        )
    else:
        message = (
            f"No {family} font was found to draw text. Install the fonts-dejavu-core package "
            "(sudo apt-get install fonts-dejavu-core), or run ./run.sh, which installs it."
        )
    return VideoStudioError(
        VideoStudioErrorType.CONFIGURATION,
        message,
        details={"family": family, "weight": weight, "needs_cjk": needs_cjk},
        recovery_actions=[RecoveryAction.FIX_CONFIGURATION],
    )


def default_search_dirs() -> list[Path]:
    """$VIDEO_STUDIO_FONT_DIRS, the bundled fonts, then the usual system folders."""
    extra = [Path(part) for part in os.environ.get(FONT_DIRS_ENV, "").split(os.pathsep) if part]
    try:
        bundled = [fonts_dir()]
    except VideoStudioError:
        bundled = []
    return [*extra, *bundled, *(folder.expanduser() for folder in _SYSTEM_DIRS)]


@functools.lru_cache(maxsize=32)
def _index_folders(folders: tuple[Path, ...]) -> dict[str, Path]:
    """File name -> path of every font under the folders (the first folder wins)."""
    index: dict[str, Path] = {}
    for folder in folders:
        if not folder.is_dir():
            continue
        for root, _dirs, files in os.walk(folder):
            for file_name in sorted(files):
                if Path(file_name).suffix.lower() in _FONT_SUFFIXES:
                    index.setdefault(file_name.lower(), Path(root) / file_name)
    return index


def _fallback_order(family: str, weight: str) -> list[tuple[str, str]]:
    weights = {"light": ["light", "regular"], "regular": ["regular"], "bold": ["bold", "regular"]}
    families = [family] + [other for other in _FAMILIES if other != family]
    return [(fam, w) for fam in families for w in weights[weight]]


def _fontconfig_cjk(weight: str) -> Path | None:
    """A CJK-capable font that fontconfig knows (covers fonts not named in our tables)."""
    if shutil.which("fc-list") is None:
        return None
    try:
        result = subprocess.run(
            ["fc-list", ":lang=zh-cn", "file", "style"],
            capture_output=True,
            text=True,
            timeout=_FONTCONFIG_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    candidates: list[tuple[bool, str]] = []
    for line in result.stdout.splitlines():
        file_name, _, style = line.partition(":")
        if Path(file_name).suffix.lower() in _FONT_SUFFIXES and Path(file_name).is_file():
            candidates.append((weight.casefold() not in style.casefold(), file_name))
    return Path(min(candidates)[1]) if candidates else None


def _fontconfig_latin(family: str, weight: str) -> Path | None:
    if shutil.which("fc-match") is None:
        return None
    pattern = f"{'sans-serif' if family == 'sans' else 'serif'}:weight={weight}"
    try:
        result = subprocess.run(
            ["fc-match", "-f", "%{file}", pattern],
            capture_output=True,
            text=True,
            timeout=_FONTCONFIG_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    path = Path(result.stdout.strip())
    return path if result.stdout.strip() and path.is_file() else None


@functools.lru_cache(maxsize=64)
def _find(family: str, weight: str, needs_cjk: bool, folders: tuple[Path, ...], fc: bool) -> Path:
    index = _index_folders(folders)
    tables: Iterable[dict[tuple[str, str], tuple[str, ...]]]
    # Noto CJK also covers Latin, so plain text may use it when DejaVu is missing.
    tables = (_CJK_FILES,) if needs_cjk else (_LATIN_FILES, _CJK_FILES)
    for table in tables:
        for key in _fallback_order(family, weight):
            for file_name in table[key]:
                if file_name.lower() in index:
                    return index[file_name.lower()]
    found = None
    if fc:
        found = _fontconfig_cjk(weight) if needs_cjk else _fontconfig_latin(family, weight)
    if found is None:
        raise _missing_font_error(needs_cjk, family, weight)
    return found


def find_font(
    family: str = "sans",
    weight: str = "regular",
    needs_cjk: bool = False,
    *,
    search_dirs: Sequence[Path] | None = None,
) -> Path:
    """The font file for a family ("sans"/"serif") and weight ("light"/"regular"/"bold").

    `search_dirs` replaces the default folders and turns fontconfig off (for tests and
    bundles that ship their own fonts). Raises VideoStudioError (CONFIGURATION) with the
    package to install when nothing suitable exists.
    """
    if family not in _FAMILIES:
        raise ValueError(f"font family must be one of {', '.join(_FAMILIES)}, not {family!r}")
    if weight not in _WEIGHTS:
        raise ValueError(f"font weight must be one of {', '.join(_WEIGHTS)}, not {weight!r}")
    folders = tuple(default_search_dirs() if search_dirs is None else search_dirs)
    return _find(family, weight, needs_cjk, folders, search_dirs is None)


@functools.lru_cache(maxsize=64)
def _face_index(path: Path) -> int:
    """In a collection, the Simplified Chinese face (the product's main CJK audience)."""
    if path.suffix.lower() not in {".ttc", ".otc"}:
        return 0
    for index in range(64):
        try:
            face_name = ImageFont.truetype(str(path), 12, index=index).getname()[0] or ""
        except OSError:
            break
        if face_name.endswith((" SC", " CN")) or " SC " in face_name:
            return index
    return 0


@functools.lru_cache(maxsize=128)
def load_font(path: Path, size_px: int) -> ImageFont.FreeTypeFont:
    """The font at a pixel size (cached: loading a CJK collection takes milliseconds)."""
    try:
        return ImageFont.truetype(str(path), max(1, int(size_px)), index=_face_index(path))
    except OSError as error:
        raise VideoStudioError(
            VideoStudioErrorType.CONFIGURATION,
            f"The font file {path} cannot be read. Reinstall the font package, or run "
            "./run.sh, which installs the fonts Video Studio needs.",
            details={"error": str(error)},
            recovery_actions=[RecoveryAction.FIX_CONFIGURATION],
        ) from error
