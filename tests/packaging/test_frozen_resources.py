"""Where the PyInstaller bundle finds `resources/`: in its data folder (`sys._MEIPASS`),
unless VIDEO_STUDIO_RESOURCES says otherwise. Fast: no bundle is built here
(test_bundle.py runs the real one)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from video_studio.error_types import VideoStudioError
from video_studio.resources import RESOURCES_ENV, demo_dir, resources_dir, template_dir


@pytest.fixture
def frozen_bundle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fake bundle data folder holding `resources/templates`, with sys set up as the
    PyInstaller bootloader sets it."""
    (tmp_path / "resources" / "templates").mkdir(parents=True)
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    monkeypatch.delenv(RESOURCES_ENV, raising=False)
    return tmp_path


def test_a_frozen_app_uses_the_bundled_resources(frozen_bundle: Path) -> None:
    assert resources_dir() == frozen_bundle / "resources"
    assert template_dir() == frozen_bundle / "resources" / "templates"
    assert demo_dir() == frozen_bundle / "resources" / "demo"


def test_the_environment_still_wins_in_a_bundle(
    frozen_bundle: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    monkeypatch.setenv(RESOURCES_ENV, str(elsewhere))
    assert resources_dir() == elsewhere


def test_a_bundle_without_its_resources_says_so(
    frozen_bundle: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "_MEIPASS", str(frozen_bundle / "missing"))
    with pytest.raises(VideoStudioError, match=RESOURCES_ENV) as error:
        resources_dir()
    assert str(frozen_bundle / "missing" / "resources") in str(error.value)


def test_outside_a_bundle_the_checkout_resources_are_used(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(RESOURCES_ENV, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", "/nonexistent", raising=False)  # not frozen: ignored
    checkout = Path(__file__).resolve().parents[2] / "resources"
    assert resources_dir() == checkout
