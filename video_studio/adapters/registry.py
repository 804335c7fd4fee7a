"""Which model adapters exist and how to make one: the built-ins and installed plugins.

Built-in models are modules of this package with a module-level `create(config)`; the local
engine is always there, the cloud ones (luma, runway, pika) are imported on first use.
Plugins are packages that declare an AdapterFactory in the entry-point group
`video_studio.adapters`:

    [project.entry-points."video_studio.adapters"]
    mymodel = "my_package:create"

Listing names reads the installed packages' metadata and imports nothing. A plugin that
fails to load becomes a VideoStudioError naming it and its package; it never takes the
application down.
"""

from __future__ import annotations

import importlib
import logging
import math
import threading
from collections.abc import Mapping
from importlib.metadata import EntryPoint, entry_points

from video_studio.adapters.base import AdapterFactory, Capabilities, ModelAdapter
from video_studio.config import (
    ADAPTER_ENTRY_POINT_GROUP,
    BUILTIN_MODELS,
    ModelConfig,
    get_config,
)
from video_studio.config_errors import ConfigError, ConfigIssue
from video_studio.error_messages import register_model_display_name
from video_studio.error_types import RecoveryAction, VideoStudioError, VideoStudioErrorType
from video_studio.media_formats import AspectRatio

_log = logging.getLogger("video_studio.adapters")

# Built-in models and the module holding each one's `create(config)`.
BUILTIN_MODULES: Mapping[str, str] = {
    name: f"video_studio.adapters.{name}" for name in BUILTIN_MODELS
}
DURATION_TOLERANCE = 1e-6


class UnknownModelError(ConfigError):
    """A model name that is neither built in nor installed as a plugin."""

    def __init__(self, name: str, known: tuple[str, ...], field: str = "model") -> None:
        self.name = name
        self.known = known
        super().__init__(
            [ConfigIssue("", field, f"unknown model '{name}' (known models: {', '.join(known)})")]
        )


class AdapterRegistry:
    """Adapter factories by model name. Thread-safe; plugin entry points are read on first
    need and again by `refresh()` (or when an unknown name is asked for)."""

    def __init__(self, *, discover_plugins: bool = True) -> None:
        self._discover = discover_plugins
        self._lock = threading.RLock()
        self._registered: dict[str, AdapterFactory] = {}
        self._loaded: dict[str, AdapterFactory] = {}
        self._plugins: dict[str, EntryPoint] | None = None

    # --- what exists --------------------------------------------------------------------

    def names(self) -> tuple[str, ...]:
        """Built-in models first, then registered and plugin ones, sorted; nothing imported."""
        with self._lock:
            extra = set(self._registered) | set(self._plugin_entry_points())
        return BUILTIN_MODELS + tuple(sorted(extra - set(BUILTIN_MODELS)))

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name in self.names()

    def is_plugin(self, name: str) -> bool:
        with self._lock:
            return name not in BUILTIN_MODULES and name in self._plugin_entry_points()

    def plugin_package(self, name: str) -> str | None:
        """The installed package (distribution) that provides plugin `name`, if known."""
        with self._lock:
            entry = self._plugin_entry_points().get(name)
        return _package_of(entry) if entry is not None else None

    def refresh(self) -> None:
        """Read the installed plugins again (after installing or removing one)."""
        with self._lock:
            self._plugins = None
            self._loaded = {
                name: factory for name, factory in self._loaded.items() if name in BUILTIN_MODULES
            }

    def register(self, name: str, factory: AdapterFactory, *, replace: bool = False) -> None:
        """Add a factory by hand (tests, embedding applications). Built-ins are kept unless
        `replace`."""
        with self._lock:
            if not replace and (name in BUILTIN_MODULES or name in self._registered):
                raise ValueError(f"a model named '{name}' is already registered")
            self._registered[name] = factory
            self._loaded.pop(name, None)

    # --- making adapters ----------------------------------------------------------------

    def factory(self, name: str) -> AdapterFactory:
        """The factory of model `name`, importing its module or plugin now."""
        with self._lock:
            if name in self._registered:
                return self._registered[name]
            if name in self._loaded:
                return self._loaded[name]
            if name in BUILTIN_MODULES:
                factory = _load_builtin(name)
            else:
                entry = self._plugin_entry_points().get(name)
                if entry is None:
                    self._plugins = None  # perhaps installed since we last looked
                    entry = self._plugin_entry_points().get(name)
                if entry is None:
                    raise UnknownModelError(name, self.names())
                factory = _load_plugin(name, entry)
            self._loaded[name] = factory
            return factory

    def get(self, name: str, config: ModelConfig | None = None) -> ModelAdapter:
        """A new adapter for model `name`, with its settings from the application's config
        unless `config` is given."""
        factory = self.factory(name)
        if config is None:
            config = model_config_for(name)
        try:
            adapter = factory(config)
        except VideoStudioError:
            raise
        except Exception as error:
            raise _adapter_failed(name, self.plugin_package(name), error) from error
        if not isinstance(adapter, ModelAdapter):
            raise _adapter_failed(
                name,
                self.plugin_package(name),
                TypeError(f"its factory returned {type(adapter).__name__}, not a model adapter"),
            )
        register_model_display_name(name, adapter.display_name)
        return adapter

    def capabilities(self, name: str) -> Capabilities:
        return self.get(name).capabilities()

    # --- internals ----------------------------------------------------------------------

    def _plugin_entry_points(self) -> dict[str, EntryPoint]:
        if not self._discover:
            return {}
        if self._plugins is None:
            found: dict[str, EntryPoint] = {}
            for entry in entry_points(group=ADAPTER_ENTRY_POINT_GROUP):
                if entry.name in BUILTIN_MODULES:
                    _log.warning(
                        "ignoring the plugin %s from %s: '%s' is a built-in model",
                        entry.value,
                        _package_of(entry),
                        entry.name,
                    )
                elif entry.name in found:
                    _log.warning(
                        "two plugins are named '%s' (%s and %s); using the first",
                        entry.name,
                        _package_of(found[entry.name]),
                        _package_of(entry),
                    )
                else:
                    found[entry.name] = entry
            self._plugins = found
        return self._plugins


def model_config_for(name: str) -> ModelConfig:
    """The model's settings; a plugin the config file does not mention gets defaults."""
    config = get_config()
    existing = config.models.get(name)
    return existing if existing is not None else ModelConfig(name=name)


def _load_builtin(name: str) -> AdapterFactory:
    module_name = BUILTIN_MODULES[name]
    try:
        module = importlib.import_module(module_name)
        factory = module.create
        if not callable(factory):
            raise TypeError(f"{module_name}.create is not a function")
    except Exception as error:  # an import error, or a module without create()
        _log.exception("the built-in adapter %s could not be loaded", module_name)
        raise VideoStudioError(
            VideoStudioErrorType.CONFIGURATION,
            f"The {name} model is not available in this installation ({module_name} could "
            "not be loaded). Reinstall Video Studio, or use the local engine.",
            details={"module": module_name, "error": repr(error)},
            recovery_actions=(RecoveryAction.USE_LOCAL_ENGINE,),
        ) from error
    checked: AdapterFactory = factory
    return checked


def _load_plugin(name: str, entry: EntryPoint) -> AdapterFactory:
    try:
        loaded = entry.load()
    except Exception as error:  # the plugin's own code: anything may go wrong
        _log.exception("the model plugin '%s' (%s) could not be loaded", name, entry.value)
        raise _plugin_broken(name, _package_of(entry), entry.value, error) from error
    if not callable(loaded):
        raise _plugin_broken(
            name,
            _package_of(entry),
            entry.value,
            TypeError(f"it is a {type(loaded).__name__}, not an adapter factory"),
        )
    factory: AdapterFactory = loaded
    return factory


def _package_of(entry: EntryPoint) -> str:
    dist = getattr(entry, "dist", None)
    if dist is None:
        return entry.value.split(":", 1)[0].split(".", 1)[0]
    version = dist.version
    return f"{dist.name} {version}" if version else str(dist.name)


def _plugin_broken(
    name: str, package: str | None, target: str, error: BaseException
) -> VideoStudioError:
    source = f" from the package {package}" if package else ""
    return VideoStudioError(
        VideoStudioErrorType.CONFIGURATION,
        f"The model plugin '{name}'{source} could not be loaded ({target}: {_reason(error)}). "
        "Update or reinstall that package, or uninstall it; the other models still work.",
        details={"plugin": name, "package": package, "target": target, "error": repr(error)},
        recovery_actions=(RecoveryAction.USE_LOCAL_ENGINE,),
    )


def _adapter_failed(name: str, package: str | None, error: BaseException) -> VideoStudioError:
    if package is None:
        return VideoStudioError(
            VideoStudioErrorType.CONFIGURATION,
            f"The {name} model could not be set up: {_reason(error)}.",
            details={"model": name, "error": repr(error)},
            recovery_actions=(RecoveryAction.FIX_CONFIGURATION, RecoveryAction.USE_LOCAL_ENGINE),
        )
    return _plugin_broken(name, package, "its adapter factory", error)


def _reason(error: BaseException) -> str:
    if isinstance(error, ModuleNotFoundError) and error.name:
        return f"the module {error.name} is missing"
    text = str(error).strip()
    return text or "it failed without saying why"


# --- checking a request against a model's capabilities -------------------------------------


def max_duration(capabilities: Capabilities) -> float | None:
    """The longest clip the model makes (None: no limit known)."""
    return max(capabilities.durations) if capabilities.durations else None


def duration_supported(capabilities: Capabilities, duration: float) -> bool:
    """Models of `any_duration` make any length up to their longest listed duration; the
    others make only the listed ones."""
    if not math.isfinite(duration) or duration <= 0:
        return False
    if capabilities.any_duration:
        limit = max_duration(capabilities)
        return limit is None or duration <= limit + DURATION_TOLERANCE
    return any(abs(duration - d) <= DURATION_TOLERANCE for d in capabilities.durations)


def request_problems(
    capabilities: Capabilities,
    *,
    aspect_ratio: AspectRatio | str,
    duration: float,
    resolution: str,
    model: str,
) -> list[tuple[str, str]]:
    """What the model cannot make of these settings, as (setting, reason in plain words)."""
    problems: list[tuple[str, str]] = []
    aspects = [a.value for a in capabilities.aspect_ratios]
    aspect = aspect_ratio.value if isinstance(aspect_ratio, AspectRatio) else str(aspect_ratio)
    if aspect not in aspects:
        problems.append(
            ("aspect", f"{model} cannot make {aspect} clips (it makes {_listed(aspects)})")
        )
    if not duration_supported(capabilities, duration):
        problems.append(
            ("duration", f"{model} cannot make {duration:g} s clips ({_durations(capabilities)})")
        )
    if resolution not in capabilities.resolutions:
        problems.append(
            (
                "resolution",
                f"{model} cannot make {resolution} clips "
                f"(it makes {_listed(list(capabilities.resolutions))})",
            )
        )
    return problems


def _durations(capabilities: Capabilities) -> str:
    limit = max_duration(capabilities)
    if capabilities.any_duration:
        return f"it makes any length up to {limit:g} s" if limit else "it makes any length"
    return f"it makes {_listed([f'{d:g} s' for d in capabilities.durations])}"


def _listed(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items) or "none"
    return ", ".join(items[:-1]) + " or " + items[-1]


# --- the process-wide registry ------------------------------------------------------------

_registry_lock = threading.Lock()
_registry: AdapterRegistry | None = None


def get_registry() -> AdapterRegistry:
    """The application's registry, made on first use."""
    global _registry  # noqa: PLW0603 - one registry per process
    with _registry_lock:
        if _registry is None:
            _registry = AdapterRegistry()
        return _registry


def set_registry(registry: AdapterRegistry | None) -> None:
    """Replace the application's registry (None: a fresh one on next use)."""
    global _registry  # noqa: PLW0603
    with _registry_lock:
        _registry = registry
