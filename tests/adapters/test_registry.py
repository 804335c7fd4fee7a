"""The adapter registry: built-in models, hand-registered ones, and real plugins discovered
through their package metadata (the fixture folder holds an installed-looking package)."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.render.conftest import probe
from video_studio.adapters import registry as registry_module
from video_studio.adapters.base import Capabilities, GenerationRequest, ModelAdapter
from video_studio.adapters.local import LocalEngineAdapter
from video_studio.adapters.registry import (
    AdapterRegistry,
    UnknownModelError,
    duration_supported,
    get_registry,
    request_problems,
    set_registry,
)
from video_studio.config import (
    BUILTIN_MODELS,
    ModelConfig,
    VideoStudioConfig,
    known_model_names,
    temporary_config,
)
from video_studio.config_errors import ConfigError
from video_studio.error_types import VideoStudioError, VideoStudioErrorType
from video_studio.jobs import CancelToken
from video_studio.media_formats import AspectRatio

PLUGIN_FOLDER = Path(__file__).parent / "plugin_fixture"
PLUGIN_MODULES = ("vs_demo_plugin", "vs_broken_plugin_missing")


def _forget_plugin_modules() -> None:
    for name in list(sys.modules):
        if name.split(".")[0] in PLUGIN_MODULES:
            del sys.modules[name]


@pytest.fixture
def plugins() -> Iterator[None]:
    """The fixture packages installed (on sys.path) for one test, and gone after it."""
    _forget_plugin_modules()
    sys.path.insert(0, str(PLUGIN_FOLDER))
    importlib.invalidate_caches()  # importlib.metadata caches what each path holds
    set_registry(None)
    try:
        yield
    finally:
        sys.path.remove(str(PLUGIN_FOLDER))
        _forget_plugin_modules()
        importlib.invalidate_caches()
        set_registry(None)


def test_built_in_names_come_first_and_local_always_works() -> None:
    registry = AdapterRegistry()
    assert registry.names()[: len(BUILTIN_MODELS)] == BUILTIN_MODELS
    adapter = registry.get("local", ModelConfig(name="local"))
    assert isinstance(adapter, LocalEngineAdapter) and isinstance(adapter, ModelAdapter)
    assert registry.capabilities("local").needs_api_key is False
    assert "local" in registry and "nothing" not in registry


def test_get_without_config_uses_the_application_config() -> None:
    config = VideoStudioConfig.from_dict({"models": {"local": {"timeout": 42}}}, environment=False)
    with temporary_config(config):
        adapter = AdapterRegistry().get("local")
    assert isinstance(adapter, LocalEngineAdapter)
    assert adapter.config.timeout == 42


@pytest.mark.parametrize("name", ["luma", "runway", "pika"])
def test_cloud_models_load_lazily_through_their_module(name: str) -> None:
    adapter = AdapterRegistry().get(name, ModelConfig(name=name))
    assert isinstance(adapter, ModelAdapter)
    assert adapter.name == name
    assert adapter.capabilities().needs_api_key


def test_unknown_model_is_a_config_error_listing_the_known_ones() -> None:
    with pytest.raises(UnknownModelError) as caught:
        AdapterRegistry().get("sora")
    assert isinstance(caught.value, ConfigError)
    message = str(caught.value)
    assert "'sora'" in message
    assert all(name in message for name in BUILTIN_MODELS)


def test_a_built_in_module_that_cannot_load_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    modules = dict(registry_module.BUILTIN_MODULES)
    modules["luma"] = "video_studio.adapters.no_such_module"
    monkeypatch.setattr(registry_module, "BUILTIN_MODULES", modules)
    with pytest.raises(VideoStudioError) as caught:
        AdapterRegistry().get("luma", ModelConfig(name="luma"))
    assert caught.value.error_type is VideoStudioErrorType.CONFIGURATION
    assert "luma" in caught.value.message and "local engine" in caught.value.message


def test_registered_factories_and_their_failures() -> None:
    registry = AdapterRegistry(discover_plugins=False)
    registry.register("mine", LocalEngineAdapter)
    assert "mine" in registry.names()
    assert isinstance(registry.get("mine"), LocalEngineAdapter)  # no config entry: defaults
    with pytest.raises(ValueError, match="already registered"):
        registry.register("local", LocalEngineAdapter)

    def explodes(config: ModelConfig) -> ModelAdapter:
        raise RuntimeError("no GPU found")

    registry.register("explodes", explodes)
    with pytest.raises(VideoStudioError, match="no GPU found") as caught:
        registry.get("explodes")
    assert caught.value.error_type is VideoStudioErrorType.CONFIGURATION

    registry.register("wrong", lambda config: "not an adapter")  # type: ignore[arg-type,return-value]
    with pytest.raises(VideoStudioError, match="not a model adapter"):
        registry.get("wrong")


def test_the_process_registry_is_shared() -> None:
    set_registry(None)
    try:
        assert get_registry() is get_registry()
    finally:
        set_registry(None)


def test_request_problems_follow_the_capabilities() -> None:
    caps = Capabilities(
        aspect_ratios=(AspectRatio.LANDSCAPE, AspectRatio.PORTRAIT),
        durations=(5.0, 10.0),
        resolutions=("720p",),
        max_image_bytes=None,
    )
    assert (
        request_problems(caps, aspect_ratio="16:9", duration=5.0, resolution="720p", model="X")
        == []
    )
    problems = dict(
        request_problems(caps, aspect_ratio="1:1", duration=7.0, resolution="1080p", model="X")
    )
    assert problems == {
        "aspect": "X cannot make 1:1 clips (it makes 16:9 or 9:16)",
        "duration": "X cannot make 7 s clips (it makes 5 s or 10 s)",
        "resolution": "X cannot make 1080p clips (it makes 720p)",
    }
    free = Capabilities((AspectRatio.SQUARE,), (60.0,), ("720p",), None, any_duration=True)
    assert duration_supported(free, 0.5) and duration_supported(free, 60.0)
    assert not duration_supported(free, 60.5) and not duration_supported(free, 0.0)
    assert not duration_supported(free, float("nan"))


# --- plugins ------------------------------------------------------------------------------


@pytest.mark.usefixtures("plugins")
def test_plugins_are_listed_without_being_imported() -> None:
    registry = AdapterRegistry()
    assert "demo" in registry.names() and "broken" in registry.names()
    assert "demo" in known_model_names() and "broken" in known_model_names()
    assert "vs_demo_plugin" not in sys.modules
    assert registry.is_plugin("demo") and not registry.is_plugin("local")
    assert registry.plugin_package("demo") == "vs-demo-plugin 0.1.0"
    # The config accepts settings for the plugin's model while it is installed.
    config = VideoStudioConfig.from_dict({"models": {"demo": {"timeout": 9}}}, environment=False)
    assert config.get_model_config("demo").timeout == 9


@pytest.mark.usefixtures("plugins")
def test_a_plugin_generates_a_clip_through_the_registry(tmp_path: Path) -> None:
    adapter = get_registry().get("demo")
    assert isinstance(adapter, ModelAdapter) and adapter.name == "demo"
    assert "vs_demo_plugin" in sys.modules
    request = GenerationRequest(
        image=tmp_path / "unused.png",
        prompt="red",
        duration=1.0,
        aspect_ratio=AspectRatio.PORTRAIT,
        output_dir=tmp_path / "clips",
    )
    clip = adapter.generate(request, cancel=CancelToken(), progress=lambda _: None)
    info = probe(clip.path)
    assert (info.width, info.height, info.frames) == (720, 1280, 30)
    assert (clip.width, clip.height, clip.model) == (720, 1280, "demo")


@pytest.mark.usefixtures("plugins")
def test_a_broken_plugin_is_a_clear_error_and_the_rest_still_works() -> None:
    registry = AdapterRegistry()
    with pytest.raises(VideoStudioError) as caught:
        registry.get("broken")
    error = caught.value
    assert error.error_type is VideoStudioErrorType.CONFIGURATION
    assert "'broken'" in error.message
    assert "vs-broken-plugin 0.1.0" in error.message  # the package to update or remove
    assert "vs_broken_plugin_missing" in error.message  # what is missing
    assert error.details["package"] == "vs-broken-plugin 0.1.0"
    assert isinstance(registry.get("local"), LocalEngineAdapter)
    assert isinstance(registry.get("demo"), ModelAdapter)


def test_plugins_are_gone_once_uninstalled() -> None:
    assert "demo" not in AdapterRegistry().names()
    assert "demo" not in known_model_names()


def test_refresh_finds_a_plugin_installed_later() -> None:
    registry = AdapterRegistry()
    assert "demo" not in registry.names()
    sys.path.insert(0, str(PLUGIN_FOLDER))
    importlib.invalidate_caches()
    try:
        assert isinstance(registry.get("demo"), ModelAdapter)  # an unknown name looks again
        registry.refresh()
        assert "demo" in registry.names()
    finally:
        sys.path.remove(str(PLUGIN_FOLDER))
        _forget_plugin_modules()
        importlib.invalidate_caches()
