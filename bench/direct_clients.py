"""The reference for bench/adapter_overhead.py: each service's protocol spoken with bare
httpx and nothing else, the least any client must do for a clip. One shared client per
service, the photo read and (for Runway and fal) base64-encoded, the create, status polls
until done, fal's result fetch, and the clip streamed to a file. No retries, no checks of
the photo or the clip, no workflow, no cache, no events: the adapter layer's CPU is ours
minus this, for the same jobs against the same emulators in the same run.
"""

from __future__ import annotations

import base64
import hashlib
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from video_studio.adapters.luma import DEFAULT_MODEL as LUMA_MODEL
from video_studio.adapters.pika import DEFAULT_MODEL as PIKA_MODEL
from video_studio.adapters.runway import DEFAULT_MODEL as RUNWAY_MODEL
from video_studio.adapters.runway import RUNWAY_VERSION

PROMPT = "slow push-in on the product"


class DirectClients:
    """Make one clip with `make(model, photo, target)`; thread-safe like httpx.Client."""

    def __init__(self, addresses: dict[str, Any], poll_interval: float) -> None:
        self._models: dict[str, dict[str, str]] = addresses["models"]
        self._host = str(addresses["image_host"]) + "/images"
        self._poll_interval = poll_interval
        self._clients = {
            name: httpx.Client(base_url=entry["base_url"], headers=self._auth(name, entry))
            for name, entry in self._models.items()
        }
        self._plain = httpx.Client()  # uploads and downloads: no key
        self._makers: dict[str, Callable[[Path, Path], None]] = {
            "luma": self._luma,
            "runway": self._runway,
            "pika": self._pika,
        }

    @staticmethod
    def _auth(name: str, entry: dict[str, str]) -> dict[str, str]:
        if name == "pika":
            return {"Authorization": f"Key {entry['api_key']}"}
        headers = {"Authorization": f"Bearer {entry['api_key']}"}
        if name == "runway":
            headers["X-Runway-Version"] = RUNWAY_VERSION
        return headers

    def close(self) -> None:
        for client in (*self._clients.values(), self._plain):
            client.close()

    def make(self, model: str, photo: Path, target: Path) -> None:
        self._makers[model](photo, target)

    def _poll(self, client: httpx.Client, url: str, done: Callable[[dict[str, Any]], bool]) -> None:
        while True:
            answer: dict[str, Any] = client.get(url).raise_for_status().json()
            if done(answer):
                return
            time.sleep(self._poll_interval)

    def _download(self, url: str, target: Path) -> None:
        with self._plain.stream("GET", url) as response, target.open("wb") as out:
            response.raise_for_status()
            for chunk in response.iter_bytes(256 * 1024):
                out.write(chunk)

    def _luma(self, photo: Path, target: Path) -> None:
        data = photo.read_bytes()
        image_url = f"{self._host}/{hashlib.sha256(data).hexdigest()}.jpg"
        self._plain.put(image_url, content=data, headers={"Content-Type": "image/jpeg"})
        client = self._clients["luma"]
        body = {
            "model": LUMA_MODEL,
            "prompt": PROMPT,
            "aspect_ratio": "16:9",
            "duration": "5s",
            "resolution": "720p",
            "keyframes": {"frame0": {"type": "image", "url": image_url}},
        }
        job = client.post("/generations/video", json=body).raise_for_status().json()
        state: dict[str, Any] = {}

        def done(answer: dict[str, Any]) -> bool:
            state.update(answer)
            return answer.get("state") in ("completed", "failed")

        self._poll(client, f"/generations/{job['id']}", done)
        self._download(state["assets"]["video"], target)

    def _runway(self, photo: Path, target: Path) -> None:
        uri = "data:image/jpeg;base64," + base64.b64encode(photo.read_bytes()).decode("ascii")
        client = self._clients["runway"]
        body = {
            "model": RUNWAY_MODEL,
            "promptImage": uri,
            "promptText": PROMPT,
            "ratio": "1280:720",
            "duration": 5,
        }
        task = client.post("/v1/image_to_video", json=body).raise_for_status().json()
        state: dict[str, Any] = {}

        def done(answer: dict[str, Any]) -> bool:
            state.update(answer)
            return answer.get("status") in ("SUCCEEDED", "FAILED", "CANCELLED")

        self._poll(client, f"/v1/tasks/{task['id']}", done)
        self._download(state["output"][0], target)

    def _pika(self, photo: Path, target: Path) -> None:
        uri = "data:image/jpeg;base64," + base64.b64encode(photo.read_bytes()).decode("ascii")
        client = self._clients["pika"]
        body = {"image_url": uri, "prompt": PROMPT, "duration": 5, "resolution": "720p"}
        queued = client.post(f"/{PIKA_MODEL}", json=body).raise_for_status().json()
        self._poll(client, queued["status_url"], lambda a: a.get("status") == "COMPLETED")
        result = client.get(queued["response_url"]).raise_for_status().json()
        self._download(result["video"]["url"], target)
