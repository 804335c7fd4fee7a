"""Media the emulators serve or accept: a tiny valid MP4 and small test images."""

from __future__ import annotations

import base64
import functools
import io
import threading

import numpy as np

VIDEO_WIDTH = 256
VIDEO_HEIGHT = 144
VIDEO_FPS = 24
VIDEO_FRAMES = 24  # one second

_lock = threading.Lock()


@functools.cache
def _encode_mp4() -> bytes:
    import av

    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=VIDEO_FPS)
        stream.width = VIDEO_WIDTH
        stream.height = VIDEO_HEIGHT
        stream.pix_fmt = "yuv420p"
        stream.options = {"preset": "ultrafast", "tune": "zerolatency", "crf": "30"}
        ys, xs = np.mgrid[0:VIDEO_HEIGHT, 0:VIDEO_WIDTH]
        for index in range(VIDEO_FRAMES):
            frame = np.zeros((VIDEO_HEIGHT, VIDEO_WIDTH, 3), dtype=np.uint8)
            frame[..., 0] = (xs * 255 // VIDEO_WIDTH).astype(np.uint8)
            frame[..., 2] = (ys * 255 // VIDEO_HEIGHT).astype(np.uint8)
            left = index * (VIDEO_WIDTH - 40) // (VIDEO_FRAMES - 1)
            frame[52:92, left : left + 40] = (255, 255, 255)  # a square crossing the frame
            video_frame = av.VideoFrame.from_ndarray(frame, format="rgb24")
            for packet in stream.encode(video_frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return buffer.getvalue()


def tiny_mp4() -> bytes:
    """A 1 s, 256x144, 24 fps H.264 MP4 with a moving square (made once per process)."""
    with _lock:
        return _encode_mp4()


def image_bytes(width: int = 64, height: int = 48, fmt: str = "PNG") -> bytes:
    """A small gradient image encoded as PNG, JPEG, WEBP or GIF."""
    from PIL import Image

    ys, xs = np.mgrid[0:height, 0:width]
    pixels = np.zeros((height, width, 3), dtype=np.uint8)
    pixels[..., 0] = (xs * 255 // max(1, width - 1)).astype(np.uint8)
    pixels[..., 1] = (ys * 255 // max(1, height - 1)).astype(np.uint8)
    pixels[..., 2] = 128
    out = io.BytesIO()
    Image.fromarray(pixels, "RGB").save(out, format=fmt)
    return out.getvalue()


def data_uri(data: bytes, media_type: str = "image/png") -> str:
    return f"data:{media_type};base64,{base64.b64encode(data).decode()}"


def image_size(data: bytes) -> tuple[str, int, int] | None:
    """(media type, width, height) of an image, or None when it is not a readable image."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            media_type = Image.MIME.get(image.format or "", "application/octet-stream")
            return media_type, int(image.width), int(image.height)
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError):
        return None
