"""Redaction of secrets and credential-shaped text, and atomic file writes."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

import pytest

from video_studio.atomic_io import atomic_write_text
from video_studio.config_errors import ConfigError
from video_studio.data_files import read_mapping, write_mapping
from video_studio.secrets import REDACTED, redact, register_secret


class TestRedaction:
    def test_registered_secret_is_removed_everywhere(self) -> None:
        register_secret("plain-words-secret")
        assert redact("a plain-words-secret b plain-words-secret") == f"a {REDACTED} b {REDACTED}"

    def test_short_values_are_not_registered(self) -> None:
        register_secret("abc")
        assert redact("abc abcd") == "abc abcd"

    @pytest.mark.parametrize(
        ("text", "gone"),
        [
            ("Authorization: Bearer key_8c1f9a6d2b7e4c3a9f0e1d2c3b4a5f6e7d8c9b0a", "8c1f9a6d"),
            (
                "Authorization: Key 1b4e28ba-2fa1-11d2-883f-0016d3cca427:9f86d081884c7d659a2feaa0",
                "9f86d0",
            ),
            ("luma key luma-5f1c2d3e-aaaa-bbbb-cccc-1234567890ab used", "5f1c2d3e"),
            ('{"api_key": "s3cr3t-value-42"}', "s3cr3t"),
            ("url?token=abcd1234efgh&x=1", "abcd1234"),
            ("sk-abcdefghijklmnopqrstuvwxyz123456", "abcdefghij"),
            (
                "jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N",
                "eyJhbGci",
            ),
        ],
    )
    def test_credential_shapes_are_removed(self, text: str, gone: str) -> None:
        result = redact(text)
        assert gone not in result
        assert REDACTED in result

    @pytest.mark.parametrize(
        "text",
        [
            "key frames every 2 seconds",
            f"asset {hashlib.sha256(b'x').hexdigest()} imported",
            "scene 3 of 6 rendered at 1920x1080",
            "the token budget was fine",
        ],
    )
    def test_ordinary_text_is_left_alone(self, text: str) -> None:
        assert redact(text) == text


class TestAtomicWrite:
    def test_replaces_content_and_keeps_permissions(self, tmp_path: Path) -> None:
        path = tmp_path / "doc.json"
        atomic_write_text(path, "one", mode=0o600)
        atomic_write_text(path, "two")
        assert path.read_text() == "two"
        assert stat.S_IMODE(path.stat().st_mode) == 0o600

    def test_new_files_are_readable_normally(self, tmp_path: Path) -> None:
        path = tmp_path / "sub" / "doc.json"
        atomic_write_text(path, "x")
        assert stat.S_IMODE(path.stat().st_mode) == 0o644

    def test_a_failed_write_leaves_the_old_file_and_no_debris(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        path = tmp_path / "doc.json"
        atomic_write_text(path, "old")

        def broken_replace(source: str, target: Path) -> None:
            raise OSError(28, "No space left on device")

        monkeypatch.setattr("video_studio.atomic_io.os.replace", broken_replace)
        with pytest.raises(OSError, match="No space"):
            atomic_write_text(path, "new")
        assert path.read_text() == "old"
        assert os.listdir(tmp_path) == ["doc.json"]


class TestDataFiles:
    def test_round_trip_keeps_unicode(self, tmp_path: Path) -> None:
        data = {"name": "新品上市", "scenes": [{"duration": 2.5}]}
        for name in ("a.json", "a.yaml", "a.yml"):
            write_mapping(tmp_path / name, data)
            assert read_mapping(tmp_path / name) == data

    def test_errors_name_the_file(self, tmp_path: Path) -> None:
        path = tmp_path / "a.json"
        path.write_text("[1, 2]")
        with pytest.raises(ConfigError, match=f"^{path}: the top level must be a mapping"):
            read_mapping(path)
