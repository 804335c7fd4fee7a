"""Hot reload: good edits replace the config and tell subscribers; bad edits keep the last good
config and report file, field and reason."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from video_studio.config import CONFIG_FILE_ENV, VideoStudioConfig, get_config
from video_studio.config_errors import ConfigError
from video_studio.config_watch import ConfigReloader, watch_default_config


def write(path: Path, tasks: int | str) -> None:
    path.write_text(f"workflow:\n  max_concurrent_tasks: {tasks}\n", encoding="utf-8")


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "config.yaml"
    write(path, 3)
    return path


def test_good_edit_replaces_and_notifies(config_file: Path) -> None:
    reloader = ConfigReloader(config_file, environment=False)
    seen: list[VideoStudioConfig] = []
    reloader.subscribe(seen.append)
    assert reloader.current.workflow.max_concurrent_tasks == 3
    assert reloader.check() is False  # nothing changed yet

    write(config_file, 8)
    assert reloader.check() is True
    assert reloader.current.workflow.max_concurrent_tasks == 8
    assert [config.workflow.max_concurrent_tasks for config in seen] == [8]


def test_bad_edit_keeps_the_last_good_config(config_file: Path) -> None:
    reloader = ConfigReloader(config_file, environment=False)
    errors: list[ConfigError] = []
    seen: list[VideoStudioConfig] = []
    reloader.subscribe(seen.append)
    reloader.subscribe_errors(errors.append)

    write(config_file, -2)
    assert reloader.check() is False
    assert reloader.current.workflow.max_concurrent_tasks == 3
    assert seen == []
    assert len(errors) == 1
    issue = errors[0].issues[0]
    assert (issue.source, issue.field) == (str(config_file), "workflow.max_concurrent_tasks")
    assert "greater than or equal to 1" in issue.reason
    assert reloader.last_error is errors[0]

    config_file.write_text("workflow: [unclosed\n", encoding="utf-8")
    reloader.check()
    assert "invalid YAML" in str(errors[-1])
    assert reloader.current.workflow.max_concurrent_tasks == 3

    write(config_file, 4)
    assert reloader.check() is True
    assert reloader.current.workflow.max_concurrent_tasks == 4
    assert reloader.last_error is None


def test_removed_file_keeps_config_and_recreation_reloads(config_file: Path) -> None:
    reloader = ConfigReloader(config_file, environment=False)
    errors: list[ConfigError] = []
    reloader.subscribe_errors(errors.append)
    config_file.unlink()
    reloader.check()
    assert "removed" in str(errors[-1])
    assert reloader.current.workflow.max_concurrent_tasks == 3
    write(config_file, 6)
    assert reloader.check() is True
    assert reloader.current.workflow.max_concurrent_tasks == 6


def test_unsubscribe(config_file: Path) -> None:
    reloader = ConfigReloader(config_file, environment=False)
    seen: list[VideoStudioConfig] = []
    unsubscribe = reloader.subscribe(seen.append)
    unsubscribe()
    write(config_file, 9)
    reloader.check()
    assert seen == []


def test_watch_thread_applies_edits_to_the_process_config(
    config_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CONFIG_FILE_ENV, str(config_file))
    reloader = watch_default_config(interval=0.02)
    changed = threading.Event()
    reloader.subscribe(lambda config: changed.set())
    try:
        assert get_config().workflow.max_concurrent_tasks == 3
        write(config_file, 11)
        assert changed.wait(timeout=5), "the watcher did not notice the edit"
        assert get_config().workflow.max_concurrent_tasks == 11
    finally:
        reloader.stop()
    assert reloader._thread is None


def test_a_failing_subscriber_does_not_stop_the_others(config_file: Path) -> None:
    reloader = ConfigReloader(config_file, environment=False)
    calls: list[int] = []

    def broken(config: VideoStudioConfig) -> None:
        raise RuntimeError("subscriber bug")

    reloader.subscribe(broken)
    reloader.subscribe(lambda config: calls.append(config.workflow.max_concurrent_tasks))
    write(config_file, 5)
    assert reloader.check() is True
    write(config_file, 7)
    assert reloader.check() is True
    assert calls == [5, 7]
