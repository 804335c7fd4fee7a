"""API keys in the OS keyring when one is usable, else in the owner-only config file; and
keys kept in the keyring filled into a loaded config."""

from __future__ import annotations

import logging
import stat
from collections.abc import Iterator
from pathlib import Path

import keyring
import keyring.errors
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import chainer, fail, null
from pydantic import SecretStr

from video_studio import key_store
from video_studio.config import VideoStudioConfig
from video_studio.key_store import KeyStorage

LUMA_KEY = "luma-3f9a1c2e-77b0-4d1e-9c8a-5b6d7e8f9a0b"
RUNWAY_KEY = "key_0123456789abcdef0123456789abcdef"


class MemoryKeyring(KeyringBackend):
    """A keyring that keeps passwords in a dict (a stand-in for the OS keyring)."""

    # Only ever installed by keyring.set_keyring: not viable, so keyring's own discovery
    # (the default keyring of other tests) never picks it.
    priority = 1
    viable = False

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.passwords: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.passwords.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.passwords[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if (service, username) not in self.passwords:
            raise keyring.errors.PasswordDeleteError("no such password")
        del self.passwords[(service, username)]


class RefusingKeyring(MemoryKeyring):
    """A keyring that is present but refuses to store (locked, or a broken backend)."""

    def set_password(self, service: str, username: str, password: str) -> None:
        raise keyring.errors.PasswordSetError("the keyring is locked")


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def no_keyring() -> Iterator[None]:
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())  # type: ignore[no-untyped-call]
    yield
    keyring.set_keyring(previous)


def config_with_keys(**keys: str) -> VideoStudioConfig:
    models = {name: {"api_key": key} for name, key in keys.items()}
    return VideoStudioConfig.from_dict({"models": models}, environment=False)


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_keys_go_to_the_keyring_and_not_into_the_file(
    memory_keyring: MemoryKeyring, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    path = tmp_path / "config.yaml"
    assert key_store.key_storage() is KeyStorage.KEYRING
    assert KeyStorage.KEYRING.label == "OS keyring"

    where = key_store.save_config(config_with_keys(luma=LUMA_KEY, runway=RUNWAY_KEY), path)

    assert where == {"luma": KeyStorage.KEYRING, "runway": KeyStorage.KEYRING}
    assert memory_keyring.passwords == {
        (key_store.SERVICE_NAME, "luma"): LUMA_KEY,
        (key_store.SERVICE_NAME, "runway"): RUNWAY_KEY,
    }
    text = path.read_text(encoding="utf-8")
    assert LUMA_KEY not in text and RUNWAY_KEY not in text and "api_key" not in text
    assert LUMA_KEY not in caplog.text and RUNWAY_KEY not in caplog.text
    assert "luma in OS keyring" in caplog.text

    # Reading the file back gives no keys; the key store fills them from the keyring.
    loaded = VideoStudioConfig.from_file(path, environment=False)
    assert not loaded.models["luma"].has_api_key
    filled = key_store.fill_missing_keys(loaded)
    luma_key = filled.models["luma"].api_key
    assert luma_key is not None and luma_key.get_secret_value() == LUMA_KEY
    assert filled.models["runway"].api_key is not None
    assert not filled.models["pika"].has_api_key
    assert LUMA_KEY not in repr(filled)


def test_a_key_in_the_file_wins_over_the_keyring(memory_keyring: MemoryKeyring) -> None:
    memory_keyring.set_password(key_store.SERVICE_NAME, "luma", "luma-old-key-in-the-keyring")
    config = config_with_keys(luma=LUMA_KEY)
    filled = key_store.fill_missing_keys(config)
    key = filled.models["luma"].api_key
    assert key is not None and key.get_secret_value() == LUMA_KEY
    defaults = VideoStudioConfig.defaults(environment=False)
    from_keyring = key_store.fill_missing_keys(defaults).models["luma"].api_key
    assert from_keyring == SecretStr("luma-old-key-in-the-keyring")


def test_a_cleared_key_is_deleted_from_the_keyring(
    memory_keyring: MemoryKeyring, tmp_path: Path
) -> None:
    path = tmp_path / "config.yaml"
    key_store.save_config(config_with_keys(luma=LUMA_KEY), path)
    assert key_store.read_key("luma") == LUMA_KEY
    key_store.save_config(VideoStudioConfig.defaults(environment=False), path)
    assert key_store.read_key("luma") is None
    assert memory_keyring.passwords == {}
    assert key_store.delete_key("luma") is False


def test_without_a_keyring_keys_go_to_an_owner_only_file(
    no_keyring: None, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    path = tmp_path / "settings" / "config.yaml"
    assert key_store.key_storage() is KeyStorage.CONFIG_FILE
    assert KeyStorage.CONFIG_FILE.label == "config file (owner-only)"

    where = key_store.save_config(config_with_keys(luma=LUMA_KEY), path)

    assert where == {"luma": KeyStorage.CONFIG_FILE}
    assert mode_of(path) == 0o600
    loaded = VideoStudioConfig.from_file(path, environment=False)
    key = loaded.models["luma"].api_key
    assert key is not None and key.get_secret_value() == LUMA_KEY
    assert key_store.read_key("luma") is None
    assert key_store.fill_missing_keys(loaded) is loaded
    assert LUMA_KEY not in caplog.text
    assert "luma in config file (owner-only)" in caplog.text
    # No temporary file of the atomic write is left beside it.
    assert [p.name for p in path.parent.iterdir()] == ["config.yaml"]


def test_a_refusing_keyring_falls_back_to_the_file(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    previous = keyring.get_keyring()
    keyring.set_keyring(RefusingKeyring())
    try:
        path = tmp_path / "config.json"
        where = key_store.save_config(config_with_keys(runway=RUNWAY_KEY), path)
    finally:
        keyring.set_keyring(previous)
    assert where == {"runway": KeyStorage.CONFIG_FILE}
    assert mode_of(path) == 0o600
    assert RUNWAY_KEY in path.read_text(encoding="utf-8")
    assert RUNWAY_KEY not in caplog.text
    assert "PasswordSetError" in caplog.text


@pytest.mark.parametrize(
    "backend",
    [fail.Keyring(), null.Keyring()],  # type: ignore[no-untyped-call]
    ids=["fail", "null"],
)
def test_placeholder_backends_are_not_keyrings(backend: KeyringBackend) -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    try:
        assert key_store.keyring_backend() is None
        assert key_store.store_key("luma", LUMA_KEY) is False
        assert key_store.read_key("luma") is None
    finally:
        keyring.set_keyring(previous)


def test_a_chainer_with_nothing_to_chain_is_no_keyring(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(chainer.ChainerBackend, "backends", [])
    previous = keyring.get_keyring()
    keyring.set_keyring(chainer.ChainerBackend())  # type: ignore[no-untyped-call]
    try:
        assert key_store.key_storage() is KeyStorage.CONFIG_FILE
    finally:
        keyring.set_keyring(previous)
