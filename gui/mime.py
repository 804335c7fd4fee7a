"""Drag-and-drop formats inside the app."""

from __future__ import annotations

import json

from PySide6.QtCore import QMimeData

# Images dragged from the bin: a JSON list of asset references ("asset:<sha256>").
ASSETS_MIME = "application/x-video-studio-assets"
# Scenes dragged inside the timeline: a JSON list of scene ids.
SCENES_MIME = "application/x-video-studio-scenes"


def encode_list(mime: QMimeData, kind: str, values: list[str]) -> None:
    mime.setData(kind, json.dumps(values).encode("utf-8"))


def decode_list(mime: QMimeData, kind: str) -> list[str]:
    if not mime.hasFormat(kind):
        return []
    try:
        values = json.loads(bytes(mime.data(kind).data()).decode("utf-8"))
    except ValueError:
        return []
    return [v for v in values if isinstance(v, str)] if isinstance(values, list) else []
