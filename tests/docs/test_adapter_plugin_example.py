"""The example model plugin of CONTRIBUTING.md (examples/adapter_plugin/) works as a third
party would use it: pip-installed into a folder of its own, found by the adapter registry
through its entry point, and making a playable clip, directly and through `video-studio
generate`. The code CONTRIBUTING.md shows is the code of the files."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pytest

from video_studio.clip_probe import probe_clip
from video_studio.resources import demo_dir

REPO_ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = REPO_ROOT / "examples" / "adapter_plugin"
EXAMPLE_FILES = ("pyproject.toml", "src/vs_push_in/__init__.py")
CONTRIBUTING = REPO_ROOT / "CONTRIBUTING.md"
_SHOWN = re.compile(r"<!-- example: (\S+) -->\n```\w*\n(.*?)^```", re.DOTALL | re.MULTILINE)

# The `video-studio` command, as its console script runs it.
VIDEO_STUDIO = "import sys; from video_studio.cli import main; sys.exit(main())"

pytestmark = pytest.mark.timeout(240)

# Runs in a fresh interpreter with the installed plugin on PYTHONPATH.
USE_PLUGIN = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    from video_studio.adapters.base import GenerationRequest, ModelAdapter
    from video_studio.adapters.registry import AdapterRegistry
    from video_studio.config import known_model_names
    from video_studio.error_types import VideoStudioError
    from video_studio.jobs import CancelToken

    photo, out = Path(sys.argv[1]), Path(sys.argv[2])
    registry = AdapterRegistry()
    adapter = registry.get("push_in")
    events = []
    clip = adapter.generate(
        GenerationRequest(image=photo, duration=1.0, resolution="720p", fps=12,
                          output_dir=out, scene_id="scene-1"),
        cancel=CancelToken(), progress=events.append,
    )
    try:
        adapter.generate(GenerationRequest(image=photo, duration=30.0, resolution="4k",
                                           output_dir=out), cancel=CancelToken(),
                         progress=events.append)
        refused = None
    except VideoStudioError as error:
        refused = [error.error_type.value, error.message]
    cancel = CancelToken()
    cancel.cancel()
    try:
        adapter.generate(GenerationRequest(image=photo, duration=1.0, output_dir=out),
                         cancel=cancel, progress=events.append)
        cancelled = None
    except VideoStudioError as error:
        cancelled = error.error_type.value
    print(json.dumps({
        "names": registry.names(),
        "is_plugin": registry.is_plugin("push_in"),
        "package": registry.plugin_package("push_in"),
        "configurable": "push_in" in known_model_names(),
        "protocol": isinstance(adapter, ModelAdapter),
        "display_name": adapter.display_name,
        "clip": str(clip.path), "model": clip.model,
        "size": [clip.width, clip.height], "duration": clip.duration,
        "states": [event.state.value for event in events],
        "refused": refused, "cancelled": cancelled,
        "left_over": sorted(p.name for p in out.iterdir() if p.name != clip.path.name),
    }))
    """
)


def can_build_offline() -> bool:
    """Whether this environment's setuptools builds wheels by itself (70.1 and later, or
    with the `wheel` package): then pip needs no package index to build the example."""
    try:
        major, minor = (int(part) for part in version("setuptools").split(".")[:2])
    except (PackageNotFoundError, ValueError):
        return False
    return (major, minor) >= (70, 1) or importlib.util.find_spec("wheel") is not None


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The example installed with pip into a throwaway folder (built from a copy, so the
    build leaves nothing in the repository). Where this environment cannot build a wheel
    by itself, pip fetches the build tools (setuptools) from the package index."""
    work = tmp_path_factory.mktemp("plugin")
    source, target = work / "source", work / "site"
    shutil.copytree(EXAMPLE, source, ignore=shutil.ignore_patterns("build", "*.egg-info"))
    isolation = ["--no-build-isolation"] if can_build_offline() else []
    result = subprocess.run(
        [
            sys.executable,
            *("-m", "pip", "install", "--no-deps", "--quiet", "--disable-pip-version-check"),
            *isolation,
            *("--target", str(target), str(source)),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, f"pip could not install the example:\n{result.stderr}"
    assert (target / "vs_push_in" / "__init__.py").is_file()
    yield target


def plugin_environment(site: Path) -> dict[str, str]:
    existing = os.environ.get("PYTHONPATH")
    paths = [str(site), str(REPO_ROOT), *([existing] if existing else [])]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}


def test_the_registry_finds_the_plugin_and_it_makes_a_clip(installed: Path, tmp_path: Path) -> None:
    out = tmp_path / "clips"
    result = subprocess.run(
        [sys.executable, "-c", USE_PLUGIN, str(demo_dir() / "wristwatch.jpg"), str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        env=plugin_environment(installed),
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["names"] == ["local", "luma", "runway", "pika", "push_in"]
    assert report["is_plugin"] is True and report["protocol"] is True
    assert report["package"] == "vs-push-in 0.1.0"
    assert report["configurable"] is True  # models.push_in may appear in the config file
    assert report["display_name"] == "Gentle push-in"
    assert report["model"] == "push_in" and report["size"] == [1280, 720]
    assert report["states"][0] == "running" and report["states"][-1] == "done"
    assert report["refused"][0] == "invalid_input"
    assert "cannot make 30 s clips" in report["refused"][1]
    assert report["cancelled"] == "cancelled"
    assert report["left_over"] == []  # no temporary files behind a refused or cancelled clip
    facts = probe_clip(Path(report["clip"]))
    assert (facts.width, facts.height, facts.frames) == (1280, 720, 12)
    assert facts.duration == pytest.approx(1.0)


def test_video_studio_generate_uses_the_plugin(installed: Path, tmp_path: Path) -> None:
    target = tmp_path / "gift.mp4"
    result = subprocess.run(
        [
            *(sys.executable, "-c", VIDEO_STUDIO, "generate", "--model", "push_in"),
            *("--image", str(demo_dir() / "gift_box.jpg"), "--duration", "2", "--quiet"),
            *("-o", str(target)),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=plugin_environment(installed),
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "with Gentle push-in" in result.stdout + result.stderr
    facts = probe_clip(target)
    assert (facts.width, facts.height) == (1280, 720)
    assert facts.duration == pytest.approx(2.0)


def test_contributing_shows_the_example_files_as_they_are() -> None:
    shown = dict(_SHOWN.findall(CONTRIBUTING.read_text(encoding="utf-8")))
    expected = {f"examples/adapter_plugin/{name}" for name in EXAMPLE_FILES}
    assert set(shown) == expected, "CONTRIBUTING.md must show every file of the example"
    for relative, code in shown.items():
        assert code == (REPO_ROOT / relative).read_text(encoding="utf-8"), (
            f"CONTRIBUTING.md shows an old version of {relative}"
        )
    on_disk = {
        str(path.relative_to(EXAMPLE))
        for path in EXAMPLE.rglob("*")
        if path.is_file()
        and not {"build", "__pycache__"} & set(path.parts)
        and ".egg-info" not in str(path)
    }
    assert on_disk == set(EXAMPLE_FILES)
