"""Where API keys live: the OS keyring when a usable one exists, else the config file,
written owner-only (0600).

    storage = key_storage()                  # KeyStorage.KEYRING or KeyStorage.CONFIG_FILE
    where = save_config(config, path)        # the file, and each key where it belongs
    config = fill_missing_keys(config)       # keys kept in the keyring, into a loaded config

Precedence when reading: a key from the environment or the config file wins; the keyring
fills only models that have none. No key ever reaches a log: messages name the model only.
"""

from __future__ import annotations

import logging
from enum import StrEnum
from pathlib import Path

import keyring
import keyring.errors
from keyring.backend import KeyringBackend
from keyring.backends import chainer, fail, null
from pydantic import SecretStr

from video_studio import secrets
from video_studio.config import ModelConfig, VideoStudioConfig
from video_studio.data_files import write_mapping

_log = logging.getLogger("video_studio.key_store")

SERVICE_NAME = "video-studio"  # the keyring's service; the user name is the model's name
OWNER_ONLY = 0o600


class KeyStorage(StrEnum):
    KEYRING = "keyring"
    CONFIG_FILE = "config_file"

    @property
    def label(self) -> str:
        """Where the key goes, in the words of the settings dialog."""
        return "OS keyring" if self is KeyStorage.KEYRING else "config file (owner-only)"


# Backends are plug-ins of any quality: a broken one may raise anything, and none of that
# may stop the app (the key then goes to the owner-only config file).
_KEYRING_FAILURES = (keyring.errors.KeyringError, OSError, RuntimeError, ValueError)


def keyring_backend() -> KeyringBackend | None:
    """The OS keyring, or None when there is no usable one (keyring's `fail` and `null`
    backends, or a chainer with nothing to chain)."""
    try:
        backend = keyring.get_keyring()
    except _KEYRING_FAILURES as error:
        _log.warning("the OS keyring is not usable: %s", type(error).__name__)
        return None
    if isinstance(backend, (fail.Keyring, null.Keyring)):
        return None
    if isinstance(backend, chainer.ChainerBackend) and not backend.backends:
        return None
    return backend


def key_storage() -> KeyStorage:
    """Where `store_key` would put a key now."""
    return KeyStorage.KEYRING if keyring_backend() is not None else KeyStorage.CONFIG_FILE


def read_key(model: str) -> str | None:
    """The model's key kept in the OS keyring, or None (no keyring, no key, or an error)."""
    backend = keyring_backend()
    if backend is None:
        return None
    try:
        key = backend.get_password(SERVICE_NAME, model)
    except _KEYRING_FAILURES as error:
        _log.warning("could not read the %s API key from the keyring: %s", model, _kind(error))
        return None
    if key:
        secrets.register_secret(key)
    return key or None


def store_key(model: str, key: str) -> bool:
    """Keep the model's key in the OS keyring; False when there is no usable keyring or it
    refused (the caller then writes the key to the owner-only config file)."""
    secrets.register_secret(key)
    backend = keyring_backend()
    if backend is None:
        return False
    try:
        backend.set_password(SERVICE_NAME, model, key)
    except _KEYRING_FAILURES as error:
        _log.warning("could not store the %s API key in the keyring: %s", model, _kind(error))
        return False
    _log.info("stored the %s API key in the OS keyring", model)
    return True


def delete_key(model: str) -> bool:
    """Forget the model's key in the OS keyring; True if one was there and is gone."""
    backend = keyring_backend()
    if backend is None:
        return False
    try:
        if backend.get_password(SERVICE_NAME, model) is None:
            return False
        backend.delete_password(SERVICE_NAME, model)
    except _KEYRING_FAILURES as error:
        _log.warning("could not delete the %s API key from the keyring: %s", model, _kind(error))
        return False
    _log.info("deleted the %s API key from the OS keyring", model)
    return True


def fill_missing_keys(config: VideoStudioConfig) -> VideoStudioConfig:
    """`config` with the keyring's key for every model that has none (environment and file
    keys win). Returns `config` itself when nothing was missing or found."""
    if keyring_backend() is None:
        return config
    filled: dict[str, ModelConfig] = {}
    for name, model in config.models.items():
        if model.has_api_key:
            continue
        key = read_key(name)
        if key:
            # Validated (not model_copy): the validator registers the key for redaction.
            filled[name] = ModelConfig.model_validate(
                {**model.model_dump(exclude={"api_key"}), "api_key": SecretStr(key)}
            )
    if not filled:
        return config
    return config.model_copy(update={"models": {**config.models, **filled}})


def save_config(config: VideoStudioConfig, path: Path | str) -> dict[str, KeyStorage]:
    """Write `config` to `path` atomically, each API key in the OS keyring when possible and
    otherwise in the file, which is then owner-only (0600). A model without a key loses the
    one kept in the keyring. Returns where each model's key went."""
    where: dict[str, KeyStorage] = {}
    in_file: dict[str, str] = {}
    for name, model in config.models.items():
        if not model.has_api_key:
            delete_key(name)
            continue
        assert model.api_key is not None
        key = model.api_key.get_secret_value()
        if store_key(name, key):
            where[name] = KeyStorage.KEYRING
        else:
            where[name] = KeyStorage.CONFIG_FILE
            in_file[name] = key
    data = config.to_dict(include_secrets=False)
    for name, key in in_file.items():
        data["models"][name]["api_key"] = key
    write_mapping(Path(path), data, mode=OWNER_ONLY if in_file else None)
    _log.info(
        "settings written to %s (API keys: %s)",
        path,
        ", ".join(f"{name} in {storage.label}" for name, storage in where.items()) or "none",
    )
    return where


def _kind(error: BaseException) -> str:
    # The class name only: a backend's message could quote what it was given.
    return type(error).__name__
