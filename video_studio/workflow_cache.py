"""The result cache of the generation workflow: a generated clip is kept under a key made of
everything that decides its content (the image's bytes, the model, the prompt, duration,
aspect, resolution, motion, seed), so asking for the same generation again costs nothing.

Layout: `<root>/<key[:2]>/<key><suffix>` for the clip and `<key>.json` beside it for what is
known about it (size and modification time of the clip, its model, duration and frame
size). A clip whose size or time no longer matches (it was written to since), or whose
record is missing or unreadable, is a miss: it is removed and generated again. Size and
time, not a digest: hashing every stored clip would cost more CPU than the rest of a job.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from video_studio.adapters.base import GeneratedClip, GenerationRequest
from video_studio.file_hash import content_hash, shared_hash_memo

_log = logging.getLogger("video_studio.workflow")
_KEY_VERSION = 1
_SAFE_NAME = re.compile(r"[^A-Za-z0-9_.-]+")


@dataclass(frozen=True)
class CachedClip:
    key: str
    path: Path  # the cache's own copy; never handed out, see ResultCache.place
    model: str
    duration: float
    width: int
    height: int
    remote_job_id: str | None


def cache_key(request: GenerationRequest, model: str, model_id: str = "") -> str:
    """The key of a generation (hashes the image file: call it off the GUI thread).

    `model_id` is the service's model (ray-2, gen4_turbo...): another one makes another
    clip. The frame rate only matters to the local engine; the services choose their own.
    """
    motion = request.motion.model_dump(mode="json") if request.motion is not None else None
    parts: dict[str, Any] = {
        "v": _KEY_VERSION,
        "image": shared_hash_memo.hash(Path(request.image)),
        "model": model,
        "model_id": model_id,
        "prompt": request.prompt,
        "duration": round(float(request.duration), 6),
        "aspect": str(request.aspect_ratio),
        "resolution": request.resolution,
        "motion": motion,
        "seed": request.seed,
        "fps": request.fps if model == "local" else None,
    }
    text = json.dumps(parts, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class ResultCache:
    """Thread-safe through the file system: every write is a rename of a finished file."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _record_path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.json"

    def lookup(self, key: str) -> CachedClip | None:
        """The cached clip of `key` if it is there and intact, else None."""
        record_path = self._record_path(key)
        try:
            record = json.loads(record_path.read_text(encoding="utf-8"))
            clip = record_path.with_name(key + str(record["suffix"]))
            intact = record.get("version") == _KEY_VERSION and _stamp(clip) == (
                record.get("size"),
                record.get("mtime_ns"),
            )
            if intact:
                return CachedClip(
                    key=key,
                    path=clip,
                    model=str(record["model"]),
                    duration=float(record["duration"]),
                    width=int(record["width"]),
                    height=int(record["height"]),
                    remote_job_id=record.get("remote_job_id"),
                )
        except FileNotFoundError:
            return None
        except Exception as exc:  # unreadable record, damaged clip: a miss, never a failure
            _log.warning("ignoring damaged cache entry %s: %s", key, exc)
        else:
            _log.warning("ignoring damaged cache entry %s: clip does not match", key)
        self._discard(key)
        return None

    def _discard(self, key: str) -> None:
        folder = self.root / key[:2]
        with contextlib.suppress(OSError):
            for path in folder.glob(f"{key}.*"):
                path.unlink()

    def store(self, key: str, clip: GeneratedClip) -> None:
        """Keep a copy of `clip` (best effort: a cache that cannot be written is skipped)."""
        try:
            folder = self.root / key[:2]
            folder.mkdir(parents=True, exist_ok=True)
            suffix = clip.path.suffix or ".mp4"
            target = folder / f"{key}{suffix}"
            _link_or_copy(clip.path, target)
            size, mtime_ns = _stamp(target)
            record = {
                "version": _KEY_VERSION,
                "suffix": suffix,
                "size": size,
                "mtime_ns": mtime_ns,
                "model": clip.model,
                "duration": clip.duration,
                "width": clip.width,
                "height": clip.height,
                "remote_job_id": clip.remote_job_id,
            }
            _replace_text(self._record_path(key), json.dumps(record, indent=1))
        except Exception as exc:
            _log.warning("could not cache the clip %s: %s", clip.path, exc)

    def place(self, cached: CachedClip, request: GenerationRequest) -> GeneratedClip:
        """The cached clip as a file of its own in the request's output folder."""
        output_dir = Path(request.output_dir)
        output_dir.mkdir(parents=True, exist_ok=True)
        stem = _SAFE_NAME.sub("_", request.scene_id or "clip")[:60]
        target = output_dir / f"{stem}-{cached.model}-{cached.key[:12]}{cached.path.suffix}"
        if not _same_file_content(cached.path, target):
            _link_or_copy(cached.path, target)
        return GeneratedClip(
            path=target,
            model=cached.model,
            duration=cached.duration,
            width=cached.width,
            height=cached.height,
            remote_job_id=cached.remote_job_id,
        )


def _stamp(path: Path) -> tuple[int, int]:
    stat = path.stat()
    return stat.st_size, stat.st_mtime_ns


def _same_file_content(source: Path, target: Path) -> bool:
    try:
        if os.path.samefile(source, target):
            return True
        return source.stat().st_size == target.stat().st_size and content_hash(
            source
        ) == content_hash(target)
    except Exception:  # unreadable either way: not the same
        return False


def _replace_text(path: Path, text: str) -> None:
    """Write through a temporary file and a rename, without fsync: a record lost in a crash
    only costs a cache miss, and a torn one is never seen (the rename is atomic)."""
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise


def _link_or_copy(source: Path, target: Path) -> None:
    """Put `source`'s bytes at `target` atomically: a hard link when the file system allows,
    a copy otherwise."""
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        tmp.unlink()
        try:
            os.link(source, tmp)
        except OSError:
            shutil.copyfile(source, tmp)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
