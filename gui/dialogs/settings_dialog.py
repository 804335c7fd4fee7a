"""Edit > Settings...: the settings dialog, saving, and hot reload of the config file.

Save validates the fields with the engine's config model (each problem shown next to its
field, nothing written), then, on a worker thread, writes the file atomically with every API
key in the OS keyring or, without one, in the owner-only file (`video_studio.key_store`),
and applies the result to the running app (`set_config`).

Hot reload: a QFileSystemWatcher on the file and on its folder (editors save by writing a new
file and renaming it over the old one) triggers, after a short quiet time, the engine's
`ConfigReloader.check()`: a good file becomes the app's config, a bad one is reported with
file, field and reason while the last good config stays.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QFileSystemWatcher, QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication

from gui.actions import ActionSpec
from gui.dialogs.settings_form import SettingsDialog
from gui.services import Services
from gui.theme import Theme, apply_theme
from gui.workers import JobHandle, error_text
from video_studio import key_store
from video_studio.config import VideoStudioConfig, default_config_path, set_config
from video_studio.config_errors import ConfigError
from video_studio.config_watch import ConfigReloader
from video_studio.error_types import ErrorInfo
from video_studio.jobs import CancelToken, Progress
from video_studio.key_store import KeyStorage

DEBOUNCE_MS = 300  # a save often arrives as several file events: wait for quiet
_STATUS_MS = 10_000

_Report = Callable[[Progress], None]


@dataclass(frozen=True)
class _Loaded:
    config: VideoStudioConfig  # the file's settings (no environment), keys included
    storage: KeyStorage
    note: str = ""


@dataclass(frozen=True)
class _Checked:
    """One hot-reload check: a new config, a refused edit, or (neither) no change."""

    config: VideoStudioConfig | None = None
    error: ConfigError | None = None


@dataclass(frozen=True)
class _Saved:
    where: dict[str, KeyStorage]
    checked: _Checked
    digest: str | None


def file_digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def issue_text(error: ConfigError) -> str:
    """The first problem as 'file: field: reason', and how many more there are."""
    if not error.issues:
        return str(error)
    more = len(error.issues) - 1
    return str(error.issues[0]) + (f" (and {more} more)" if more else "")


class SettingsController(QObject):
    """Edit > Settings... (Ctrl+,) and hot reload of `config_path` (default: the user's
    config file)."""

    reloaded = Signal(object)  # the VideoStudioConfig applied from the edited file
    reload_failed = Signal(object)  # the ConfigError of a refused edit
    saved = Signal(object)  # the VideoStudioConfig applied by Save

    def __init__(
        self,
        services: Services,
        *,
        config_path: Path | None = None,
        debounce_ms: int = DEBOUNCE_MS,
    ) -> None:
        super().__init__(services.window)
        self.services = services
        self.path = config_path or default_config_path()
        self.dialog: SettingsDialog | None = None
        self._base: VideoStudioConfig | None = None  # what the dialog's fields started from
        self._load: JobHandle | None = None
        self._save: JobHandle | None = None
        self._check: JobHandle | None = None
        self._check_again = False
        self._stopped = False
        try:
            initial = services.config()
        except ConfigError:  # the window reports a bad file; reload starts from defaults
            initial = VideoStudioConfig.defaults(environment=False)
        self._reloader = ConfigReloader(self.path, initial=initial)
        self._digest = file_digest(self.path)

        self._debounce = QTimer(self)
        self._debounce.setObjectName("settings_reload_debounce")
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(debounce_ms)
        self._debounce.timeout.connect(self.check_file)
        self._watcher = QFileSystemWatcher(self)
        self._watcher.fileChanged.connect(self._file_event)
        self._watcher.directoryChanged.connect(self._file_event)
        self._watch()

        self.action = services.actions.add(
            ActionSpec(
                "edit.settings",
                "&Settings...",
                "Edit",
                "Ctrl+,",
                tip="API keys, storage folders, concurrency and theme",
                icon="mdi6.cog",
                section=9,
            ),
            self.open_dialog,
        )
        # Keys kept in the OS keyring join the running config (the engine's loader does not
        # read the keyring itself); the keyring may be slow, so not on the GUI thread.
        self._start(
            "Read API keys",
            lambda _cancel, _report: key_store.fill_missing_keys(initial),
            on_success=lambda config: self._keys_filled(initial, config),
        )

    # --- the dialog -----------------------------------------------------------------------

    def open_dialog(self) -> SettingsDialog:
        """Show the dialog (non-modal), filled from the config file in the background."""
        if self.dialog is None:
            self.dialog = SettingsDialog(self.services.window)
            self.dialog.save_requested.connect(self.save)
        dialog = self.dialog
        if not dialog.isVisible() or not dialog.edited:
            self._load_dialog()
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()
        return dialog

    def _load_dialog(self) -> None:
        if self.dialog is None or self._load is not None:
            return
        self.dialog.set_busy(True)
        running = self._running_config()
        path = self.path

        def work(_cancel: CancelToken, _report: _Report) -> _Loaded:
            note = ""
            try:
                if path.exists():
                    config = VideoStudioConfig.from_file(path, environment=False)
                else:
                    config = VideoStudioConfig.defaults(environment=False)
            except ConfigError as error:
                config = running
                note = (
                    f"The config file has a problem ({issue_text(error)}); the fields show "
                    "the settings in use, and Save replaces the file."
                )
            return _Loaded(key_store.fill_missing_keys(config), key_store.key_storage(), note)

        self._load = self._start(
            "Load settings",
            work,
            on_success=self._loaded,
            on_failure=self._load_failed,
            on_finish=self._load_done,
        )

    def _loaded(self, loaded: _Loaded) -> None:
        if self.dialog is None:
            return
        self._base = loaded.config
        self.dialog.populate(loaded.config, self.services.state.theme, loaded.storage, loaded.note)

    def _load_failed(self, info: ErrorInfo) -> None:
        if self.dialog is not None:  # the fields stay disabled: there is nothing to edit
            self.dialog.show_error(f"The settings could not be read: {error_text(info)}")

    def _load_done(self) -> None:
        self._load = None

    def save(self) -> None:
        """Validate the fields; if good, write and apply them in the background."""
        dialog = self.dialog
        if dialog is None or self._base is None or self._save is not None:
            return
        dialog.clear_issues()
        try:
            config = VideoStudioConfig.from_dict(
                dialog.collect(self._base), environment=False, source=str(self.path)
            )
        except ConfigError as error:
            dialog.show_issues(error.issues)
            return
        theme = dialog.chosen_theme()
        dialog.set_busy(True)
        self._save = self._start(
            "Save settings",
            lambda _cancel, _report: self._save_work(config),
            on_success=lambda saved: self._saved(saved, theme),
            on_failure=self._save_failed,
            on_finish=self._save_done,
        )

    def _save_work(self, config: VideoStudioConfig) -> _Saved:
        where = key_store.save_config(config, self.path)
        checked = self._reload_work()
        if checked.config is None and checked.error is None:  # the same file as before
            checked = _Checked(config=key_store.fill_missing_keys(self._reloader.current))
        return _Saved(where, checked, file_digest(self.path))

    def _saved(self, saved: _Saved, theme: Theme) -> None:
        self._digest = saved.digest
        self._apply_theme(theme)
        error = saved.checked.error
        if error is not None:  # written, but the environment makes it unusable
            if self.dialog is not None:
                self.dialog.show_issues(error.issues)
            self.services.status(f"Settings saved but not applied: {issue_text(error)}", _STATUS_MS)
            return
        assert saved.checked.config is not None
        set_config(saved.checked.config)
        places = sorted({storage.label for storage in saved.where.values()})
        keys = f"; API keys in the {' and '.join(places)}" if places else ""
        self.services.status(f"Settings saved to {self.path}{keys}", _STATUS_MS)
        if self.dialog is not None:
            self.dialog.edited = False
            self.dialog.close()
        self.saved.emit(saved.checked.config)

    def _save_failed(self, info: ErrorInfo) -> None:
        if self.dialog is not None:
            self.dialog.show_error(f"Nothing was saved: {error_text(info)}")

    def _save_done(self) -> None:
        self._save = None
        if self.dialog is not None:
            self.dialog.set_busy(False)
        if self._check_again and not self._stopped:
            self._check_again = False
            self.check_file()

    def _apply_theme(self, theme: Theme) -> None:
        self.services.state.theme = theme.value
        app = QApplication.instance()
        if isinstance(app, QApplication):
            apply_theme(app, theme)
        if "view.dark_theme" in self.services.actions:  # the window's View > Dark Theme
            self.services.actions.action("view.dark_theme").setChecked(theme is Theme.DARK)

    # --- hot reload -----------------------------------------------------------------------

    def _watch(self) -> None:
        """Watch the file (when it exists) and the nearest existing folder above it."""
        wanted: list[str] = []
        if self.path.is_file():
            wanted.append(str(self.path))
        folder = self.path.parent
        while not folder.is_dir() and folder != folder.parent:
            folder = folder.parent
        wanted.append(str(folder))
        watched = set(self._watcher.files()) | set(self._watcher.directories())
        stale = [path for path in watched if path not in wanted]
        if stale:
            self._watcher.removePaths(stale)
        missing = [path for path in wanted if path not in watched]
        if missing:
            self._watcher.addPaths(missing)

    def _file_event(self, _path: str) -> None:
        if not self._stopped:
            self._debounce.start()

    def check_file(self) -> None:
        """Reload the file if its content changed (in the background)."""
        if self._stopped:
            return
        self._watch()  # a replaced file is a new file to watch
        digest = file_digest(self.path)
        if digest == self._digest:
            return
        if self._check is not None or self._save is not None:
            self._check_again = True
            return
        self._digest = digest
        self._check = self._start(
            "Reload settings",
            lambda _cancel, _report: self._reload_work(),
            on_success=self._checked,
            on_finish=self._check_done,
        )

    def _reload_work(self) -> _Checked:
        errors: list[ConfigError] = []
        unsubscribe = self._reloader.subscribe_errors(errors.append)
        try:
            applied = self._reloader.check()
        finally:
            unsubscribe()
        if applied:
            return _Checked(config=key_store.fill_missing_keys(self._reloader.current))
        return _Checked(error=errors[-1] if errors else None)

    def _checked(self, checked: _Checked) -> None:
        if checked.config is not None:
            set_config(checked.config)
            self.services.status(f"Settings reloaded from {self.path}", _STATUS_MS)
            self.reloaded.emit(checked.config)
            if self.dialog is not None and self.dialog.isVisible() and not self.dialog.edited:
                self._load_dialog()
        elif checked.error is not None:
            self.services.status(
                f"Settings not reloaded, keeping the previous ones: {issue_text(checked.error)}",
                _STATUS_MS,
            )
            self.reload_failed.emit(checked.error)

    def _check_done(self) -> None:
        self._check = None
        if self._check_again and not self._stopped:
            self._check_again = False
            self.check_file()

    # --- helpers --------------------------------------------------------------------------

    def _running_config(self) -> VideoStudioConfig:
        try:
            return self.services.config()
        except ConfigError:
            return self._reloader.current

    def _keys_filled(self, before: VideoStudioConfig, filled: VideoStudioConfig) -> None:
        if filled is before or self._stopped:
            return
        try:
            unchanged = self.services.config() is before
        except ConfigError:
            unchanged = False
        if unchanged:  # nothing replaced the config meanwhile
            set_config(filled)

    def _start(
        self,
        name: str,
        work: Callable[[CancelToken, _Report], object],
        *,
        on_success: Callable[..., object],
        on_failure: Callable[[ErrorInfo], object] | None = None,
        on_finish: Callable[[], object] | None = None,
    ) -> JobHandle:
        def failed(info: ErrorInfo) -> None:
            if on_failure is not None:
                on_failure(info)
            else:
                self.services.status(f"{name} failed: {error_text(info)}", _STATUS_MS)

        return self.services.jobs.start(
            name, work, on_success=on_success, on_failure=failed, on_finish=on_finish
        )

    def shutdown(self) -> None:
        """Stop watching: the timer, the watcher and any chooser."""
        self._stopped = True
        self._debounce.stop()
        paths = self._watcher.files() + self._watcher.directories()
        if paths:
            self._watcher.removePaths(paths)
        if self.dialog is not None:
            self.dialog.close_choosers()
