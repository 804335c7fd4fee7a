"""Logging: JSON-lines file, console, rotation, levels, helpers, and redaction of secrets."""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from video_studio import logging_config, secrets
from video_studio.config import VideoStudioConfig, set_config, temporary_config
from video_studio.logging_config import (
    FIELDS_ATTR,
    MODELS_LOGGER,
    SPECIALIZED_LOGGERS,
    RedactingFilter,
    get_logger,
    setup_logging,
    shutdown_logging,
)


@pytest.fixture(autouse=True)
def log_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Every test logs into tmp_path (never the user's log folder) and starts unconfigured."""
    for name in ("VIDEO_STUDIO_LOG_LEVEL", "VIDEO_STUDIO_DEBUG_MODE", "VIDEO_STUDIO_CONFIG_FILE"):
        monkeypatch.delenv(name, raising=False)
    directory = tmp_path / "logs"
    monkeypatch.setenv("VIDEO_STUDIO_LOG_DIR", str(directory))
    shutdown_logging(reset=True)
    yield directory
    shutdown_logging(reset=True)


def make_config(**data: Any) -> VideoStudioConfig:
    return VideoStudioConfig.from_dict(data)  # VIDEO_STUDIO_LOG_DIR points it at tmp_path


def start(config: VideoStudioConfig, **options: Any) -> Path:
    """setup_logging, which must have opened a log file."""
    path = setup_logging(config, **options)
    assert path is not None
    return path


def read_records(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def messages(path: Path) -> list[str]:
    return [record["message"] for record in read_records(path)]


def unique_secret() -> str:
    # Shaped like no known credential, so only the registry of secrets can redact it.
    return "Zq" + uuid.uuid4().hex


def test_file_holds_one_json_object_per_line(log_dir: Path) -> None:
    path = start(make_config(), console=False)
    assert path == log_dir / "video_studio.log"
    logger = get_logger("assets")
    logger.info("saved %s", "photo.png", size=3, tags=["a", "b"])
    try:
        raise ValueError("bad photo")
    except ValueError:
        logger.exception("import failed", file="x.png")

    first, second = read_records(path)
    assert first["message"] == "saved photo.png"
    assert (first["level"], first["logger"]) == ("INFO", "video_studio.assets")
    assert first["fields"] == {"size": 3, "tags": ["a", "b"]}
    assert datetime.fromisoformat(first["ts"]).utcoffset() == timedelta(0)
    assert "exception" not in first
    assert second["level"] == "ERROR"
    assert second["fields"] == {"file": "x.png"}
    assert "Traceback" in second["exception"]
    assert "ValueError: bad photo" in second["exception"]


def test_seed_example_sets_logging_up_on_first_use(
    log_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with temporary_config(VideoStudioConfig.defaults()):
        logger = get_logger("video_studio.workflow")
        logger.log_task_start("task_123", "video_generation")
        logger.log_task_progress("task_123", 0.5, "Generating scenes")
        logger.log_task_complete("task_123", 45.2, {"output_url": "https://..."})

    records = read_records(log_dir / "video_studio.log")
    events = [record["fields"]["event"] for record in records]
    assert events == ["task_start", "task_progress", "task_complete"]
    assert all(record["fields"]["task_id"] == "task_123" for record in records)
    assert records[0]["fields"]["task_type"] == "video_generation"
    assert records[1]["fields"]["progress"] == 0.5
    assert records[1]["message"] == "Task task_123 at 50%: Generating scenes"
    assert records[2]["fields"]["duration_seconds"] == 45.2
    assert records[2]["fields"]["result"] == {"output_url": "https://..."}
    console = capsys.readouterr().err.splitlines()
    assert len(console) == 3
    assert all("video_studio.workflow: Task task_123" in line for line in console)


def test_file_rotates_at_max_bytes(log_dir: Path) -> None:
    config = make_config(logging={"max_bytes": 10_000, "backup_count": 2})
    path = start(config, console=False)
    logger = get_logger("rendering")
    for index in range(300):
        logger.info("frame %d %s", index, "x" * 100)

    assert path.with_name("video_studio.log.1").exists()
    assert path.with_name("video_studio.log.2").exists()
    assert not path.with_name("video_studio.log.3").exists()
    assert all(file.stat().st_size <= 10_000 for file in log_dir.iterdir())
    assert read_records(path)[-1]["message"].startswith("frame 299 ")


def test_setup_again_replaces_only_our_handlers(
    capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    root = logging.getLogger("video_studio")
    foreign = logging.NullHandler()
    root.addHandler(foreign)
    try:
        setup_logging(make_config())
        path = start(make_config())
        get_logger("workflow").info("once", step=2, note="two words")

        assert messages(path) == ["once"]
        err = capsys.readouterr().err
        assert re.fullmatch(
            r'\d\d:\d\d:\d\d INFO +video_studio\.workflow: once step=2 note="two words"\n', err
        )
        assert "once" in caplog.messages  # still propagates to pytest's handler
        assert caplog.records[-1].funcName == "test_setup_again_replaces_only_our_handlers"
        shutdown_logging()
        assert root.handlers == [foreign]
    finally:
        root.removeHandler(foreign)


def test_levels_from_config_and_per_logger_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    levels = {"video_studio.models": "DEBUG", "rendering": "ERROR"}
    path = start(make_config(log_level="WARNING", logging={"levels": levels}))
    get_logger("workflow").info("workflow info")
    get_logger("workflow").warning("workflow warning")
    get_logger("models").debug("models debug")
    get_logger("rendering").warning("rendering warning")
    get_logger("rendering").error("rendering error")
    assert messages(path) == ["workflow warning", "models debug", "rendering error"]

    # A new setup without the overrides drops them; debug_mode means DEBUG everywhere.
    setup_logging(make_config(debug_mode=True), console=False)
    get_logger("rendering").debug("rendering debug")
    # VIDEO_STUDIO_LOG_LEVEL reaches the level through the config.
    monkeypatch.setenv("VIDEO_STUDIO_LOG_LEVEL", "error")
    setup_logging(make_config(), console=False)
    get_logger("models").warning("models warning")
    get_logger("assets").error("assets error")
    assert messages(path)[3:] == ["rendering debug", "assets error"]


def test_configured_api_key_never_reaches_the_log(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    key = unique_secret()
    monkeypatch.setenv("VIDEO_STUDIO_LUMA_API_KEY", key)
    config = VideoStudioConfig.defaults()
    assert key in config.secret_values()
    path = start(config)
    logger = get_logger("models")
    logger.info("calling luma with %s", key)
    logger.info(f"url https://example.com/?k={key}")
    # A plain stdlib child logger: its records are redacted by our handlers too.
    logging.getLogger("video_studio.models.luma").error("sent %s", key)

    data = path.read_bytes()
    assert key.encode() not in data
    assert data.count(b"[REDACTED]") == 3
    assert key not in capsys.readouterr().err


def test_setup_registers_token_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    config = make_config()
    names = ("VIDEO_STUDIO_NEWVENDOR_API_KEY", "PARTNER_TOKEN", "PARTNER_SECRET")
    values = [unique_secret() for _ in names]
    for name, value in zip(names, values, strict=True):
        monkeypatch.setenv(name, value)
    assert all(secrets.redact(value) == value for value in values)  # unknown before setup
    path = start(config, console=False)
    get_logger("models").info("values %s", " ".join(values))
    text = path.read_text(encoding="utf-8")
    assert not any(value in text for value in values)
    assert text.count("[REDACTED]") == 3


_TOKEN = f"tok9{uuid.uuid4().hex}"
_FAL_CREDENTIAL = f"{uuid.uuid4()}:{uuid.uuid4().hex}"  # fal's "<key id>:<key secret>"


@pytest.mark.parametrize(
    ("value", "credential"),
    [(f"Bearer {_TOKEN}", _TOKEN), (f"Key {_FAL_CREDENTIAL}", _FAL_CREDENTIAL)],
    ids=["bearer", "fal-key"],
)
def test_authorization_headers_are_redacted(
    value: str, credential: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = start(make_config())
    logger = get_logger("models")
    logger.info("request headers: Authorization: %s", value)
    logger.info("request sent", headers={"Authorization": value})
    logger.warning("raw headers %r", {"Authorization": value})

    data, err = path.read_bytes(), capsys.readouterr().err
    for part in {credential, *credential.split(":")}:
        assert part.encode() not in data
        assert part not in err
    assert data.count(b"[REDACTED]") >= 3


def test_key_in_exception_with_traceback_is_redacted(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    key = unique_secret()
    monkeypatch.setenv("VIDEO_STUDIO_RUNWAY_API_KEY", key)
    path = start(VideoStudioConfig.defaults())
    logger = get_logger("models")

    def call_service() -> None:
        raise RuntimeError(f"service rejected credential {key}")

    try:
        call_service()
    except RuntimeError as error:
        logger.exception("upload failed: %s", error)
        logger.log_task_error("task_9", error, {"attempted": key})

    text = path.read_text(encoding="utf-8")
    assert key not in text
    first, second = read_records(path)
    assert "Traceback" in first["exception"]
    assert "in call_service" in first["exception"]
    assert "RuntimeError: service rejected credential [REDACTED]" in first["exception"]
    assert second["fields"]["error_type"] == "RuntimeError"
    assert second["fields"]["context"] == {"attempted": "[REDACTED]"}
    assert "Traceback" in second["exception"]
    assert key not in capsys.readouterr().err
    assert key not in caplog.text


def test_key_in_structured_fields_is_redacted() -> None:
    key = unique_secret()
    secrets.register_secret(key)
    path = start(make_config(), console=False)
    logger = get_logger("assets")
    logger.info("request sent", headers={"X-Api": key}, attempts=[{"hint": f"a-{key}"}])
    logger.info("object field", where=Path("/keys") / key, pair=(1, key))
    logger.log_task_complete("t1", 1.0, {"url": f"https://cdn.example.com/x?sig={key}"})
    logger.log_metric("upload", 2.0, "s", account=key)
    with logger.time_operation("op", level=logging.INFO, credential=key):
        pass
    # A plain stdlib logger's `extra=` data (as error_handler sends) becomes fields too.
    extra = {"error_id": "e1", "error_context": {"upload": key}}
    logging.getLogger("video_studio.errors").error("failed", extra=extra)

    assert key.encode() not in path.read_bytes()
    records = read_records(path)
    assert len(records) == 6
    assert records[5]["fields"] == {"error_id": "e1", "error_context": {"upload": "[REDACTED]"}}
    assert records[0]["fields"]["headers"] == {"X-Api": "[REDACTED]"}
    assert records[1]["fields"] == {"where": "/keys/[REDACTED]", "pair": [1, "[REDACTED]"]}


def test_redacting_filter_cleans_every_part_of_a_record() -> None:
    key = unique_secret()
    secrets.register_secret(key)
    try:
        raise ValueError(key)
    except ValueError:
        exc_info = sys.exc_info()
    stack = f"Stack (most recent call last):\n  {key}"
    record = logging.LogRecord(
        "video_studio.t", logging.INFO, __file__, 1, "v %s", (key,), exc_info
    )
    record.stack_info = stack
    setattr(record, FIELDS_ATTR, {"a": [key, {"b": key}], "n": 1, "f": float("nan")})

    assert RedactingFilter().filter(record)
    assert (record.msg, record.args, record.exc_info) == ("v [REDACTED]", None, None)
    assert record.exc_text is not None
    assert "ValueError: [REDACTED]" in record.exc_text
    assert record.stack_info == "Stack (most recent call last):\n  [REDACTED]"
    cleaned = getattr(record, FIELDS_ATTR)
    assert cleaned == {"a": ["[REDACTED]", {"b": "[REDACTED]"}], "n": 1, "f": "nan"}


def test_time_operation_logs_duration_and_reraises() -> None:
    path = start(make_config(), console=False)
    logger = get_logger("rendering")
    with logger.time_operation("encode", level=logging.INFO, scene=1) as info:
        time.sleep(0.02)
        info["frames"] = 24
    with logger.time_operation("quiet"):  # DEBUG by default, below the INFO level
        pass
    error = RuntimeError("encoder crashed")
    with pytest.raises(RuntimeError) as raised, logger.time_operation("mux"):
        raise error

    assert raised.value is error
    done, failed = read_records(path)
    assert done["fields"].pop("duration_ms") >= 20
    assert done["fields"] == {"event": "timing", "operation": "encode", "scene": 1, "frames": 24}
    assert (failed["level"], failed["fields"]["operation"]) == ("WARNING", "mux")
    assert failed["fields"]["error_type"] == "RuntimeError"
    assert failed["fields"]["duration_ms"] >= 0
    assert failed["message"].startswith("mux failed after")


def test_get_logger_names_and_caches() -> None:
    setup_logging(make_config(), console=False)
    assert get_logger("models") is get_logger(MODELS_LOGGER)
    assert get_logger("models").name == "video_studio.models"
    assert get_logger("video_studio").name == "video_studio"
    assert get_logger("video_studiox").name == "video_studio.video_studiox"
    assert get_logger("rendering").logger is logging.getLogger("video_studio.rendering")
    parts = ("models", "workflow", "assets", "rendering")
    assert tuple(f"video_studio.{part}" for part in parts) == SPECIALIZED_LOGGERS


def test_unwritable_log_dir_falls_back_to_console(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    assert setup_logging(make_config(), log_dir=blocker / "logs", console=False) is None
    get_logger("workflow").info("still logging")
    err = capsys.readouterr().err
    assert "cannot write log files" in err
    assert "still logging" in err


def test_broken_config_falls_back_on_first_use(
    log_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = log_dir.parent / "config.yaml"
    broken.write_text("log_level: LOUD\n", encoding="utf-8")
    monkeypatch.setenv("VIDEO_STUDIO_CONFIG_FILE", str(broken))
    with temporary_config(make_config()):
        set_config(None)  # the next get_config() loads the broken file
        get_logger("workflow").info("app still runs")
    err = capsys.readouterr().err
    assert "could not load the configuration" in err
    assert "app still runs" in err
    assert not log_dir.exists()


def test_get_logger_survives_a_failing_setup(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(logging_config, "setup_logging", explode)
    get_logger("workflow").warning("after a failed setup")
    err = capsys.readouterr().err
    assert "logging setup failed" in err
    assert "after a failed setup" in err
