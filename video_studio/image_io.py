"""Reading product photos: `probe_image` (header facts, validated) and `load_image` (pixels as
uint8 RGB/RGBA numpy arrays, upright, sRGB, optionally downscaled while decoding).

Only JPEG, PNG, WebP, TIFF and BMP are accepted. Whatever is wrong with a file (missing,
empty, cut short, not an image, too many pixels) surfaces as a VideoStudioError naming it.
"""

from __future__ import annotations

import errno
import functools
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np
from PIL import (  # the plugin imports register the formats in Image.OPEN
    BmpImagePlugin,  # noqa: F401
    ExifTags,
    Image,
    ImageFile,
    JpegImagePlugin,  # noqa: F401
    PngImagePlugin,  # noqa: F401
    TiffImagePlugin,
    WebPImagePlugin,  # noqa: F401
)

from video_studio.error_types import RecoveryAction, VideoStudioError, VideoStudioErrorType
from video_studio.image_pixels import (
    ImageArray,
    apply_orientation,
    has_alpha,
    resize_area,
    to_rgb,
)

_log = logging.getLogger("video_studio.assets")

DEFAULT_MAX_PIXELS = 150_000_000
SUPPORTED_FORMATS: tuple[str, ...] = ("JPEG", "PNG", "WEBP", "TIFF", "BMP")
SUPPORTED_SUFFIXES: frozenset[str] = frozenset(
    {".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".webp", ".tif", ".tiff", ".bmp", ".dib"}
)
# Camera RAW files are TIFF inside, and Pillow would show their small embedded preview.
_RAW_SUFFIXES = frozenset({".cr2", ".cr3", ".nef", ".nrw", ".arw", ".dng", ".orf", ".rw2", ".raf"})
_USE_INSTEAD = "use JPEG, PNG, WebP, TIFF or BMP"
_ROTATED_ORIENTATIONS = frozenset({5, 6, 7, 8})  # these swap width and height
# EFBIG: the file is too big for this disk (FAT32, or a size limit): the same remedy.
_DISK_FULL_ERRNOS = frozenset(
    code for code in (errno.ENOSPC, getattr(errno, "EDQUOT", None), errno.EFBIG) if code
)


@dataclass(frozen=True)
class ImageInfo:
    """Header facts; width and height are as displayed, after EXIF orientation."""

    path: Path
    width: int
    height: int
    format: str
    mode: str
    has_alpha: bool
    bit_depth: int
    file_size: int
    orientation: int


# --- errors -------------------------------------------------------------------------------


def invalid_image(path: Path, problem: str) -> VideoStudioError:
    """INVALID_INPUT naming the file; `problem` continues the sentence after the name."""
    return VideoStudioError(
        VideoStudioErrorType.INVALID_INPUT,
        f"'{path.name}' {problem}",
        details={"path": str(path)},
        recovery_actions=(RecoveryAction.CHANGE_INPUT,),
    )


def file_access_error(path: Path, exc: OSError, *, writing: bool = False) -> VideoStudioError:
    """Plain words for an operating-system failure while reading or writing `path`."""
    code = exc.errno
    details = {"path": str(path), "errno": code, "os_error": str(exc)}
    if code in _DISK_FULL_ERRNOS:
        return VideoStudioError(
            VideoStudioErrorType.DISK_FULL,
            f"There is not enough disk space to save '{path.name}'. Free disk space or "
            "choose another folder.",
            details=details,
        )
    if code == errno.ENOENT and not writing:
        return invalid_image(path, "was not found. It may have been moved or deleted.")
    if code in (errno.EISDIR, errno.ENOTDIR) and not writing:
        return invalid_image(path, "is a folder or an unusable path, not an image file.")
    if code in (errno.EACCES, errno.EPERM, errno.EROFS):
        action = "save" if writing else "read"
        return VideoStudioError(
            VideoStudioErrorType.STORAGE,
            f"Video Studio has no permission to {action} '{path.name}'. Check the file's "
            "permissions or choose another location.",
            details=details,
            recovery_actions=(RecoveryAction.CHOOSE_OTHER_LOCATION,),
        )
    action = "Writing" if writing else "Reading"
    return VideoStudioError(
        VideoStudioErrorType.STORAGE,
        f"{action} '{path.name}' failed ({exc.strerror or 'disk error'}). Check the disk.",
        details=details,
    )


# --- opening ------------------------------------------------------------------------------


@contextmanager
def _open_image(path: Path, max_pixels: int) -> Iterator[ImageFile.ImageFile]:
    """The identified image, its header read and its pixel count checked, nothing decoded.
    The file stays open (and the image usable) inside the block only."""
    if path.suffix.lower() in _RAW_SUFFIXES:
        raise invalid_image(path, f"is a camera RAW file (unsupported format); {_USE_INSTEAD}.")
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise file_access_error(path, exc) from None
    with handle:
        image = _identify(handle, path)
        _check_pixels(path, image.size, max_pixels)
        yield image


def _identify(handle: IO[bytes], path: Path) -> ImageFile.ImageFile:
    # The format factories are called directly rather than through Image.open, whose own
    # bomb check would refuse large images before ours could report their size.
    head = _read_head(handle, path)
    for name in SUPPORTED_FORMATS:
        entry = Image.OPEN.get(name)
        if entry is None:  # e.g. Pillow built without WebP
            continue
        factory, accept = entry
        verdict = True if accept is None else accept(head[:16])
        if verdict is not True:
            continue
        handle.seek(0)
        try:
            return factory(handle, str(path))
        except Exception as exc:  # Pillow raises many types for a bad header
            _log.debug("header of %s not readable: %r", path, exc)
            raise invalid_image(
                path, "is damaged: its header cannot be read. Export it again or choose another."
            ) from None
    raise _unrecognised(path, head)


def _read_head(handle: IO[bytes], path: Path) -> bytes:
    try:
        head = handle.read(1024)
    except OSError as exc:
        raise file_access_error(path, exc) from None
    if not head:
        raise invalid_image(path, "is empty (0 bytes). Choose the original photo again.")
    return head


def _unrecognised(path: Path, head: bytes) -> VideoStudioError:
    kind = _sniff_unsupported(head)
    if kind is None:
        return invalid_image(
            path,
            "is not an image file, or it is damaged: its contents are not JPEG, PNG, WebP, "
            "TIFF or BMP data.",
        )
    return invalid_image(path, f"has an unsupported format ({kind}); {_USE_INSTEAD}.")


def _sniff_unsupported(head: bytes) -> str | None:
    """Names the common formats users try that we do not accept, for a helpful message."""
    lowered = head.lower()
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "GIF"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"):
            return "HEIC"
        return "AVIF" if brand in (b"avif", b"avis") else "a video"
    if b"<svg" in lowered:
        return "SVG"
    signatures = {
        b"%PDF": "PDF",
        b"8BPS": "Photoshop PSD",
        b"\x00\x00\x01\x00": "ICO",
        b"\xff\x0a": "JPEG XL",
        b"\x00\x00\x00\x0cJXL ": "JPEG XL",
        b"\x00\x00\x00\x0cjP  ": "JPEG 2000",
        b"\xff\x4f\xff\x51": "JPEG 2000",
    }
    return next((name for sig, name in signatures.items() if head.startswith(sig)), None)


def _check_pixels(path: Path, size: tuple[int, int], max_pixels: int) -> None:
    width, height = size
    if width <= 0 or height <= 0:
        raise invalid_image(path, f"has no pixels ({width} x {height}); it is damaged.")
    if width * height > max_pixels:
        raise invalid_image(
            path,
            f"is too large to open safely: {width} x {height} pixels "
            f"({width * height:,} pixels; the limit is {max_pixels:,} pixels). "
            "Scale it down in an image editor and import it again.",
        )


def _decode(image: ImageFile.ImageFile, path: Path) -> None:
    """Decode the pixel data, turning every decoder failure into plain words."""
    try:
        image.load()
    except (MemoryError, Image.DecompressionBombError):
        raise invalid_image(path, "is too large to decode with the memory available.") from None
    except OSError as exc:
        if exc.errno is not None:
            raise file_access_error(path, exc) from None
        _log.debug("decoding %s failed: %r", path, exc)
        if "truncated" in str(exc):
            raise invalid_image(
                path,
                "is incomplete: the file ends before its image data does (an interrupted "
                "download or copy?). Copy the original again.",
            ) from None
        raise _damaged(path) from None
    except Exception as exc:  # decoders raise ValueError, SyntaxError, struct.error...
        _log.debug("decoding %s failed: %r", path, exc)
        raise _damaged(path) from None


def _damaged(path: Path) -> VideoStudioError:
    return invalid_image(
        path, "is damaged: its image data cannot be decoded. Export it again or choose another."
    )


# --- header facts -------------------------------------------------------------------------


def _orientation(image: Image.Image) -> int:
    if image.format == "PNG" and "exif" not in image.info:
        # Pillow would decode the whole PNG looking for an eXIf chunk after the pixel data;
        # the PNG spec puts eXIf before it, and probing must stay cheap.
        return 1
    try:
        value = image.getexif().get(ExifTags.Base.Orientation, 1)
    except Exception:  # a broken EXIF block must not make the photo unusable
        return 1
    return _valid_orientation(value)


def _valid_orientation(value: object) -> int:
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def _stored_size(image: ImageFile.ImageFile) -> tuple[int, int]:
    """Width and height as stored, before any turning (recent Pillow reports a TIFF's
    size already turned, as it turns TIFF pixels itself while loading)."""
    if isinstance(image, TiffImagePlugin.TiffImageFile):
        width = image.tag_v2.get(TiffImagePlugin.IMAGEWIDTH)
        height = image.tag_v2.get(TiffImagePlugin.IMAGELENGTH)
        if isinstance(width, int) and isinstance(height, int):
            return width, height
    return image.size


def _orientation_left(image: ImageFile.ImageFile, stated: int) -> int:
    """The turn still to apply after loading: when Pillow turned a TIFF itself, it dropped
    the tag."""
    if isinstance(image, TiffImagePlugin.TiffImageFile):
        return _valid_orientation(image.tag_v2.get(ExifTags.Base.Orientation, 1))
    return stated


def _bit_depth(image: ImageFile.ImageFile) -> int:
    if image.mode == "1":
        return 1
    if image.mode in ("I", "F"):
        return 32
    raw_modes = " ".join(str(tile.args) for tile in image.tile)
    return 16 if image.mode.startswith("I;16") or ";16" in raw_modes else 8


def probe_image(path: Path, *, max_pixels: int = DEFAULT_MAX_PIXELS) -> ImageInfo:
    """Header facts for `path`, after checking the data decodes (a cheap 1/8-scale decode
    for JPEG, chunk checksums for PNG), so a broken file is refused at import time."""
    path = Path(path)
    with _open_image(path, max_pixels) as image:
        orientation = _orientation(image)
        width, height = _stored_size(image)
        if orientation in _ROTATED_ORIENTATIONS:
            width, height = height, width
        info = ImageInfo(
            path=path,
            width=width,
            height=height,
            format=str(image.format),
            mode=image.mode,
            has_alpha=has_alpha(image),
            bit_depth=_bit_depth(image),
            file_size=path.stat().st_size,
            orientation=orientation,
        )
        _validate(image, path)
    return info


@functools.lru_cache(maxsize=512)
def _probe_unchanged(path: str, size: int, mtime_ns: int) -> ImageInfo:
    return probe_image(Path(path))


def probe_image_cached(path: Path) -> ImageInfo:
    """probe_image, remembered while the file keeps its size and modification time: its
    check decodes the picture (at 1/8 scale for JPEG), and the same photo is probed again
    for every preview rebuild, scene and generation."""
    try:
        stat = Path(path).stat()
    except OSError:
        return probe_image(path)  # the plain error naming the file
    return _probe_unchanged(str(path), stat.st_size, stat.st_mtime_ns)


def _validate(image: ImageFile.ImageFile, path: Path) -> None:
    if image.format == "PNG":
        try:
            image.verify()
        except Exception as exc:
            _log.debug("verifying %s failed: %r", path, exc)
            raise invalid_image(
                path, "is incomplete or damaged: its data fails its own checksums."
            ) from None
        return
    if image.format in ("JPEG", "MPO"):  # MPO: a camera JPEG holding extra pictures
        image.draft(None, (max(1, image.width // 8), max(1, image.height // 8)))
    _decode(image, path)


# --- decoding -----------------------------------------------------------------------------


def load_image(
    path: Path,
    *,
    max_side: int | None = None,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    keep_alpha: bool = True,
) -> ImageArray:
    """The photo as uint8 (H, W, 3) RGB, or (H, W, 4) RGBA when it has transparency and
    `keep_alpha` (without it, transparent parts are put on white). Upright per EXIF and
    converted to sRGB. With `max_side`, the longer side is at most that (never upscaled);
    JPEGs are then decoded at a reduced scale directly, which is much faster."""
    if max_side is not None and max_side < 1:
        raise ValueError(f"max_side must be at least 1, not {max_side}")
    path = Path(path)
    with _open_image(path, max_pixels) as image:
        orientation = _orientation(image)
        target = _target_size(image.size, max_side)
        if target != image.size:
            image.draft(None, target)  # JPEG only: DCT scaling to >= target
        _decode(image, path)
        turn = _orientation_left(image, orientation)
        try:
            rgb = to_rgb(image, keep_alpha=keep_alpha)
        except ValueError:
            raise invalid_image(
                path, f"uses a colour mode ({image.mode}) that cannot be converted to RGB."
            ) from None
    pixels = np.asarray(rgb, dtype=np.uint8)
    if (pixels.shape[1], pixels.shape[0]) != target:
        pixels = resize_area(pixels, target)
    return np.ascontiguousarray(apply_orientation(pixels, turn))


def _target_size(size: tuple[int, int], max_side: int | None) -> tuple[int, int]:
    width, height = size
    longest = max(width, height)
    if max_side is None or longest <= max_side:
        return size
    scale = max_side / longest
    if width >= height:
        return max_side, max(1, round(height * scale))
    return max(1, round(width * scale)), max_side
