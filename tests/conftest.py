"""Test-wide isolation: Qt offscreen, user folders in a temporary place, no stray
VIDEO_STUDIO_* settings from the developer's shell, and a fresh global config per test."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

# Loopback emulators of the cloud services, as fixtures for every test package.
pytest_plugins = ["tests.emulators.fixtures"]

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# platformdirs follows the XDG variables on Linux: point them away from the real home before
# any test resolves a default path, so no test reads or writes the user's own config or logs.
_USER_DIRS = Path(tempfile.mkdtemp(prefix="video-studio-tests-"))
for _variable in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
    os.environ[_variable] = str(_USER_DIRS / _variable.lower())
for _variable in [name for name in os.environ if name.startswith("VIDEO_STUDIO_")]:
    del os.environ[_variable]


@pytest.fixture(autouse=True)
def _fresh_global_config() -> Iterator[None]:
    from video_studio.config import set_config
    from video_studio.secrets import secrets_restored_afterwards

    set_config(None)
    with secrets_restored_afterwards():  # keys made up by one test redact nothing in another
        yield
    set_config(None)


@pytest.fixture
def user_dirs() -> Path:
    """The folder the XDG variables point into during tests."""
    return _USER_DIRS
