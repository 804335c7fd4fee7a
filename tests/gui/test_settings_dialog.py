"""Edit > Settings...: keys saved owner-only or in the keyring and applied to the running app,
invalid values explained next to their field, and hot reload of the config file."""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLineEdit
from pytestqt.qtbot import QtBot

from gui.dialogs.settings_dialog import SettingsController
from gui.dialogs.settings_form import SettingsDialog
from gui.services import Services
from gui.theme import Theme, apply_theme, current_theme
from tests.unit.test_key_store import MemoryKeyring
from video_studio import key_store
from video_studio.config import CONFIG_FILE_ENV, VideoStudioConfig, get_config

pytestmark = pytest.mark.timeout(60)

LUMA_KEY = "luma-5d1f0a9e-2b3c-4d5e-8f70-1a2b3c4d5e6f"
RUNWAY_KEY = "key_fedcba9876543210fedcba9876543210"


def write_tasks(path: Path, tasks: int | str) -> None:
    path.write_text(f"workflow:\n  max_concurrent_tasks: {tasks}\n", encoding="utf-8")


@pytest.fixture
def config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "settings" / "config.yaml"
    path.parent.mkdir()
    write_tasks(path, 3)
    monkeypatch.setenv(CONFIG_FILE_ENV, str(path))
    return path


@pytest.fixture
def no_keyring() -> Iterator[None]:
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())  # type: ignore[no-untyped-call]
    yield
    keyring.set_keyring(previous)


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def controller(services: Services, config_file: Path) -> Iterator[SettingsController]:
    made = SettingsController(services, debounce_ms=100)
    assert made.path == config_file
    yield made
    made.shutdown()
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    apply_theme(app, Theme.DARK)


def opened(qtbot: QtBot, services: Services, controller: SettingsController) -> SettingsDialog:
    services.actions.action("edit.settings").trigger()
    dialog = controller.dialog
    assert dialog is not None and dialog.isVisible() and not dialog.isModal()
    qtbot.waitUntil(lambda: dialog.loaded and dialog.save_button.isEnabled())
    return dialog


def retype(edit: QLineEdit, text: str) -> None:
    edit.selectAll()
    QTest.keyClick(edit, Qt.Key.Key_Delete)
    QTest.keyClicks(edit, text)


def messages(services: Services) -> list[str]:
    found: list[str] = services.status_messages  # type: ignore[attr-defined]
    return found


def test_save_writes_an_owner_only_file_and_applies_it(
    qtbot: QtBot,
    services: Services,
    controller: SettingsController,
    config_file: Path,
    no_keyring: None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    spec = next(s for s in services.actions.specs() if s.id == "edit.settings")
    assert (spec.menu, spec.shortcut) == ("Edit", "Ctrl+,")
    dialog = opened(qtbot, services, controller)
    luma = dialog.models["luma"]
    assert set(dialog.models) == {"local", "luma", "runway", "pika"}
    assert luma.key_place.text() == "Kept in: config file (owner-only)"
    # isHidden, not isVisible: the rows' own state, whether or not the page is on screen yet.
    assert not (luma.api_key.isHidden() or luma.base_url.isHidden())
    local = dialog.models["local"]  # runs on this computer: no key or address to ask for
    assert not local.enabled.isHidden()
    assert local.api_key.isHidden() and local.key_place.isHidden()
    assert local.base_url.isHidden()
    assert dialog.concurrency.value() == 3

    retype(luma.api_key, LUMA_KEY)
    assert luma.api_key.echoMode() == QLineEdit.EchoMode.Password
    luma.show_key.trigger()
    assert luma.api_key.echoMode() == QLineEdit.EchoMode.Normal
    luma.show_key.trigger()
    assert luma.api_key.echoMode() == QLineEdit.EchoMode.Password
    retype(luma.base_url, "https://luma.example.test/v2/")
    # What the error messages send the user to Settings for: Luma's image host, a model's
    # time limit, the largest download.
    assert not luma.image_host.isHidden() and dialog.models["runway"].image_host.isHidden()
    retype(luma.image_host, "https://images.example.test/upload/")
    luma.time_limit.setValue(900)
    dialog.max_file_size.setValue(250)
    dialog.models["pika"].enabled.setChecked(False)
    dialog.theme.setCurrentIndex(dialog.theme.findData("light"))
    QTest.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.isVisible())

    assert stat.S_IMODE(config_file.stat().st_mode) == 0o600
    written = VideoStudioConfig.from_file(config_file, environment=False)
    assert written.models["luma"].image_host_url == "https://images.example.test/upload"
    assert written.models["luma"].timeout == 900
    assert written.storage.max_file_size_mb == 250
    luma_key = written.models["luma"].api_key
    assert luma_key is not None and luma_key.get_secret_value() == LUMA_KEY
    assert written.models["luma"].base_url == "https://luma.example.test/v2"
    assert written.models["pika"].enabled is False
    assert written.workflow.max_concurrent_tasks == 3

    applied = get_config()
    assert applied.models["luma"].base_url == "https://luma.example.test/v2"
    assert applied.models["luma"].api_key == luma_key
    assert applied.models["pika"].enabled is False
    app = QApplication.instance()
    assert isinstance(app, QApplication) and current_theme(app) is Theme.LIGHT
    assert services.state.theme == "light"
    assert any("Settings saved to" in text for text in messages(services))
    assert LUMA_KEY not in caplog.text
    assert not any(LUMA_KEY in text for text in messages(services))
    assert [p.name for p in config_file.parent.iterdir()] == ["config.yaml"]


def test_keys_go_to_the_keyring_when_there_is_one(
    qtbot: QtBot,
    services: Services,
    controller: SettingsController,
    config_file: Path,
    memory_keyring: MemoryKeyring,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    dialog = opened(qtbot, services, controller)
    runway = dialog.models["runway"]
    assert runway.key_place.text() == "Kept in: OS keyring"
    retype(runway.api_key, RUNWAY_KEY)
    QTest.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.isVisible())

    assert memory_keyring.passwords == {(key_store.SERVICE_NAME, "runway"): RUNWAY_KEY}
    assert RUNWAY_KEY not in config_file.read_text(encoding="utf-8")
    key = get_config().models["runway"].api_key
    assert key is not None and key.get_secret_value() == RUNWAY_KEY
    assert RUNWAY_KEY not in caplog.text
    assert any("API keys in the OS keyring" in text for text in messages(services))

    # Opened again, the key kept in the keyring is shown (hidden) in its field.
    dialog = opened(qtbot, services, controller)
    assert dialog.models["runway"].api_key.text() == RUNWAY_KEY
    assert dialog.models["runway"].api_key.echoMode() == QLineEdit.EchoMode.Password
    # Cleared and saved, it leaves the keyring.
    dialog.models["runway"].api_key.clear()
    QTest.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert memory_keyring.passwords == {}
    assert not get_config().models["runway"].has_api_key


def test_invalid_values_are_explained_next_to_their_field_and_nothing_is_written(
    qtbot: QtBot,
    services: Services,
    controller: SettingsController,
    config_file: Path,
    no_keyring: None,
) -> None:
    before = config_file.read_bytes()
    dialog = opened(qtbot, services, controller)
    dialog.concurrency.setValue(0)
    retype(dialog.models["runway"].base_url, "ftp://runway.example.test")
    dialog.tabs.setCurrentIndex(0)
    QTest.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)

    concurrency_error = dialog.errors["workflow.max_concurrent_tasks"]
    assert not concurrency_error.isHidden()
    assert "greater than or equal to 1" in concurrency_error.text()
    url_error = dialog.errors["models.runway.base_url"]
    assert url_error.isVisibleTo(dialog)  # on the tab now shown: the first problem's
    assert url_error.text() == "must start with http:// or https://"
    assert dialog.isVisible() and services.jobs.jobs() == []
    assert config_file.read_bytes() == before
    assert get_config().workflow.max_concurrent_tasks == 3

    dialog.concurrency.setValue(100)
    retype(dialog.models["runway"].base_url, "https://runway.example.test")
    QTest.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert "less than or equal to 64" in concurrency_error.text()
    assert url_error.isHidden()
    assert dialog.tabs.currentIndex() == 1  # the tab of the first problem is shown
    assert config_file.read_bytes() == before


def test_an_edited_file_is_hot_reloaded_and_a_broken_one_is_refused(
    qtbot: QtBot,
    services: Services,
    controller: SettingsController,
    config_file: Path,
    no_keyring: None,
) -> None:
    assert get_config().workflow.max_concurrent_tasks == 3
    applied: list[VideoStudioConfig] = []
    controller.reloaded.connect(applied.append)

    write_tasks(config_file, 9)  # edited in place
    qtbot.waitUntil(lambda: get_config().workflow.max_concurrent_tasks == 9, timeout=5000)
    assert f"Settings reloaded from {config_file}" in messages(services)

    # An editor that writes a new file and renames it over the old one.
    replacement = config_file.with_name("config.yaml.new")
    write_tasks(replacement, 11)
    os.replace(replacement, config_file)
    qtbot.waitUntil(lambda: get_config().workflow.max_concurrent_tasks == 11, timeout=5000)
    assert [c.workflow.max_concurrent_tasks for c in applied] == [9, 11]

    write_tasks(config_file, -2)  # refused: the last good config stays
    qtbot.waitUntil(lambda: any("not reloaded" in m for m in messages(services)), timeout=5000)
    refused = next(m for m in messages(services) if "not reloaded" in m)
    assert str(config_file) in refused
    assert "workflow.max_concurrent_tasks" in refused
    assert "greater than or equal to 1" in refused
    assert get_config().workflow.max_concurrent_tasks == 11

    # Fixed again, it is taken.
    write_tasks(config_file, 4)
    qtbot.waitUntil(lambda: get_config().workflow.max_concurrent_tasks == 4, timeout=5000)
    qtbot.waitUntil(lambda: not services.jobs.jobs())


def test_a_broken_file_opens_with_the_settings_in_use(
    qtbot: QtBot,
    services: Services,
    controller: SettingsController,
    config_file: Path,
    no_keyring: None,
) -> None:
    config_file.write_text("workflow: [unclosed\n", encoding="utf-8")
    dialog = opened(qtbot, services, controller)
    assert "config file has a problem" in dialog.note_label.text()
    assert str(config_file) in dialog.note_label.text()
    assert dialog.concurrency.value() == 3
    qtbot.waitUntil(lambda: any("not reloaded" in m for m in messages(services)), timeout=5000)
    assert get_config().workflow.max_concurrent_tasks == 3
    dialog.close()
