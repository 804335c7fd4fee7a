"""Every usage example of the seed design document runs as written, with
`from video_studio import ...` in place of `from app_utils.video_studio import ...`."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from video_studio.error_handler import ErrorInfo, VideoStudioErrorType
from video_studio.logging_config import setup_logging, shutdown_logging

SEED = Path(__file__).resolve().parents[2] / "docs" / "seed-design-document.md"


def usage_examples() -> dict[str, str]:
    """The python blocks of the 'Usage Examples' section, by their heading."""
    text = SEED.read_text(encoding="utf-8")
    section = text.split("## Usage Examples", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"### (.+?)\n```python\n(.*?)```", section, flags=re.DOTALL)
    seed_import, our_import = "from app_utils.video_studio import", "from video_studio import"
    return {title.strip(): code.replace(seed_import, our_import) for title, code in blocks}


def run(code: str, **names: Any) -> dict[str, Any]:
    namespace: dict[str, Any] = {"__name__": "seed_example", **names}
    exec(compile(code, str(SEED), "exec"), namespace)
    return namespace


def test_the_seed_has_the_four_examples() -> None:
    assert list(usage_examples()) == [
        "Basic Configuration",
        "Error Handling",
        "Configuration Management",
        "Logging",
    ]


def test_basic_configuration() -> None:
    namespace = run(usage_examples()["Basic Configuration"])
    assert namespace["is_valid"] is True
    assert namespace["config"].style == "Amazon 极简风"


def test_error_handling_as_written() -> None:
    # As written, generate_video is not defined: the NameError is what gets handled.
    namespace = run(usage_examples()["Error Handling"])
    info = namespace["error_info"]
    assert isinstance(info, ErrorInfo)
    assert info.error_type is VideoStudioErrorType.UNKNOWN
    assert info.context["task_id"] == "task_123"
    assert "NameError" not in info.message


def test_error_handling_with_a_real_failure(tmp_path: Path) -> None:
    def generate_video(config: object) -> None:
        (tmp_path / "missing" / "clip.mp4").read_bytes()

    namespace = run(usage_examples()["Error Handling"], generate_video=generate_video, config=None)
    info = namespace["error_info"]
    assert info.error_type is VideoStudioErrorType.INVALID_INPUT
    assert "clip.mp4" in info.message


def test_configuration_management() -> None:
    namespace = run(usage_examples()["Configuration Management"])
    assert namespace["luma_config"].name == "luma"
    assert namespace["luma_config"].base_url == "https://api.lumalabs.ai/dream-machine/v1"
    assert namespace["config"].get_model_config("luma") == namespace["luma_config"]


@pytest.fixture
def log_file(tmp_path: Path) -> Any:
    path = setup_logging(log_dir=tmp_path, console=False)
    yield path
    shutdown_logging(reset=True)


def test_logging(log_file: Path) -> None:
    run(usage_examples()["Logging"])
    records = [json.loads(line) for line in log_file.read_text(encoding="utf-8").splitlines()]
    events = [(r["fields"]["event"], r["fields"]["task_id"]) for r in records if "fields" in r]
    assert events == [
        ("task_start", "task_123"),
        ("task_progress", "task_123"),
        ("task_complete", "task_123"),
    ]
    assert records[-1]["fields"]["result"] == {"output_url": "https://..."}
    assert all(r["logger"] == "video_studio.workflow" for r in records)
