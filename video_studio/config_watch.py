"""Hot reload: when the config file changes, a validated new config replaces the old one and
subscribers are told; an invalid edit keeps the last good config and reports the error."""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from video_studio.config import VideoStudioConfig, default_config_path, get_config, set_config
from video_studio.config_errors import ConfigError, ConfigIssue

_log = logging.getLogger("video_studio.config")

ConfigListener = Callable[[VideoStudioConfig], None]
ErrorListener = Callable[[ConfigError], None]


class ConfigReloader:
    """Watches one config file by polling its content hash (robust to editors that save by
    rename, and to file systems without change notification).

    `check()` does one comparison and reload, synchronously; `start()` runs it every
    `interval` seconds in a daemon thread until `stop()`.
    """

    def __init__(
        self,
        path: Path | str,
        initial: VideoStudioConfig | None = None,
        *,
        interval: float = 1.0,
        environment: bool = True,
        update_global: bool = False,
    ) -> None:
        self.path = Path(path)
        self.interval = interval
        self._environment = environment
        self._update_global = update_global
        self._lock = threading.Lock()
        self._listeners: list[ConfigListener] = []
        self._error_listeners: list[ErrorListener] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._digest = self._read_digest()
        self._current = initial if initial is not None else self._load()
        self._last_error: ConfigError | None = None

    @property
    def current(self) -> VideoStudioConfig:
        with self._lock:
            return self._current

    @property
    def last_error(self) -> ConfigError | None:
        """The error of the latest edit that was refused, None once a good edit arrives."""
        with self._lock:
            return self._last_error

    def subscribe(self, listener: ConfigListener) -> Callable[[], None]:
        """Call `listener(new_config)` after each successful reload; returns an unsubscribe."""
        with self._lock:
            self._listeners.append(listener)
        return lambda: self._remove(self._listeners, listener)

    def subscribe_errors(self, listener: ErrorListener) -> Callable[[], None]:
        with self._lock:
            self._error_listeners.append(listener)
        return lambda: self._remove(self._error_listeners, listener)

    def _remove(self, listeners: list[ConfigListener] | list[ErrorListener], item: object) -> None:
        with self._lock:
            if item in listeners:
                listeners.remove(item)  # type: ignore[arg-type]

    def check(self) -> bool:
        """Reload if the file's content changed. True when a new config was applied."""
        digest = self._read_digest()
        with self._lock:
            if digest == self._digest:
                return False
            self._digest = digest
        try:
            config = self._load()
        except ConfigError as error:
            with self._lock:
                self._last_error = error
                listeners_e = list(self._error_listeners)
            _log.warning("config edit refused, keeping the previous settings: %s", error)
            _notify(listeners_e, error)
            return False
        with self._lock:
            self._current = config
            self._last_error = None
            listeners = list(self._listeners)
        if self._update_global:
            set_config(config)
        _log.info("config reloaded from %s", self.path)
        _notify(listeners, config)
        return True

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="config-reloader", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.check()
            except Exception:  # an unexpected failure must not end hot reload for good
                _log.exception("config hot reload failed")

    def _load(self) -> VideoStudioConfig:
        if not self.path.exists():
            raise ConfigError([ConfigIssue(str(self.path), "", "the file was removed")])
        return VideoStudioConfig.from_file(self.path, environment=self._environment)

    def _read_digest(self) -> str | None:
        try:
            return hashlib.sha256(self.path.read_bytes()).hexdigest()
        except OSError:
            return None


def _notify(listeners: list[Callable[[Any], None]], value: object) -> None:
    for listener in listeners:
        try:
            listener(value)
        except Exception:  # one subscriber's bug must not keep the others uninformed
            _log.exception("config subscriber %r failed", listener)


def watch_default_config(*, interval: float = 1.0) -> ConfigReloader:
    """Start hot reload of the user's config file into `get_config()`. The file need not
    exist yet: creating it counts as an edit."""
    reloader = ConfigReloader(
        default_config_path(), initial=get_config(), interval=interval, update_global=True
    )
    reloader.start()
    return reloader
