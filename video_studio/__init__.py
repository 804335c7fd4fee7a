"""Video Studio engine: turns product photos into short marketing videos. No Qt in here.

The public API of the seed design document:

    from video_studio import VideoConfig, AspectRatio, VideoQuality
    from video_studio import handle_generation_error, VideoStudioErrorType
    from video_studio import get_config, get_model_config
    from video_studio import get_logger
"""

__version__ = "0.1.0"

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the real names, for type checkers and IDEs
    from video_studio.config import (
        LoggingConfig,
        ModelConfig,
        RenderingConfig,
        StorageConfig,
        VideoStudioConfig,
        WorkflowConfig,
        get_config,
        get_model_config,
        set_config,
    )
    from video_studio.config_errors import ConfigError, ConfigIssue
    from video_studio.config_watch import ConfigReloader, watch_default_config
    from video_studio.error_handler import (
        CancelledByUser,
        CircuitBreaker,
        CircuitOpenError,
        CircuitState,
        ContentPolicyError,
        ErrorInfo,
        RecoveryAction,
        RetryPolicy,
        VideoStudioError,
        VideoStudioErrorHandler,
        VideoStudioErrorType,
        get_error_handler,
        handle_generation_error,
    )
    from video_studio.logging_config import VideoStudioLogger, get_logger, setup_logging
    from video_studio.models import (
        AspectRatio,
        AudioConfig,
        ConfigurationManager,
        Easing,
        MotionSpec,
        MotionType,
        Scene,
        TaskInfo,
        TaskStatus,
        TextOverlay,
        TextPosition,
        Transition,
        TransitionType,
        VideoConfig,
        VideoQuality,
        frame_size,
    )


# The public API is loaded on first use (PEP 562), so `import video_studio` and the command
# line start fast: pydantic-settings, logging and the error machinery load only when asked.
_EXPORTS: dict[str, str] = {
    "AspectRatio": "video_studio.models",
    "AudioConfig": "video_studio.models",
    "CancelledByUser": "video_studio.error_handler",
    "CircuitBreaker": "video_studio.error_handler",
    "CircuitOpenError": "video_studio.error_handler",
    "CircuitState": "video_studio.error_handler",
    "ConfigError": "video_studio.config_errors",
    "ConfigIssue": "video_studio.config_errors",
    "ConfigReloader": "video_studio.config_watch",
    "ConfigurationManager": "video_studio.models",
    "ContentPolicyError": "video_studio.error_handler",
    "Easing": "video_studio.models",
    "ErrorInfo": "video_studio.error_handler",
    "LoggingConfig": "video_studio.config",
    "ModelConfig": "video_studio.config",
    "MotionSpec": "video_studio.models",
    "MotionType": "video_studio.models",
    "RecoveryAction": "video_studio.error_handler",
    "RenderingConfig": "video_studio.config",
    "RetryPolicy": "video_studio.error_handler",
    "Scene": "video_studio.models",
    "StorageConfig": "video_studio.config",
    "TaskInfo": "video_studio.models",
    "TaskStatus": "video_studio.models",
    "TextOverlay": "video_studio.models",
    "TextPosition": "video_studio.models",
    "Transition": "video_studio.models",
    "TransitionType": "video_studio.models",
    "VideoConfig": "video_studio.models",
    "VideoQuality": "video_studio.models",
    "VideoStudioConfig": "video_studio.config",
    "VideoStudioError": "video_studio.error_handler",
    "VideoStudioErrorHandler": "video_studio.error_handler",
    "VideoStudioErrorType": "video_studio.error_handler",
    "VideoStudioLogger": "video_studio.logging_config",
    "WorkflowConfig": "video_studio.config",
    "frame_size": "video_studio.models",
    "get_config": "video_studio.config",
    "get_error_handler": "video_studio.error_handler",
    "get_logger": "video_studio.logging_config",
    "get_model_config": "video_studio.config",
    "handle_generation_error": "video_studio.error_handler",
    "set_config": "video_studio.config",
    "setup_logging": "video_studio.logging_config",
    "watch_default_config": "video_studio.config_watch",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'video_studio' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])


__all__ = [
    "AspectRatio",
    "AudioConfig",
    "CancelledByUser",
    "CircuitBreaker",
    "CircuitOpenError",
    "CircuitState",
    "ConfigError",
    "ConfigIssue",
    "ConfigReloader",
    "ConfigurationManager",
    "ContentPolicyError",
    "Easing",
    "ErrorInfo",
    "LoggingConfig",
    "ModelConfig",
    "MotionSpec",
    "MotionType",
    "RecoveryAction",
    "RenderingConfig",
    "RetryPolicy",
    "Scene",
    "StorageConfig",
    "TaskInfo",
    "TaskStatus",
    "TextOverlay",
    "TextPosition",
    "Transition",
    "TransitionType",
    "VideoConfig",
    "VideoQuality",
    "VideoStudioConfig",
    "VideoStudioError",
    "VideoStudioErrorHandler",
    "VideoStudioErrorType",
    "VideoStudioLogger",
    "WorkflowConfig",
    "__version__",
    "frame_size",
    "get_config",
    "get_error_handler",
    "get_logger",
    "get_model_config",
    "handle_generation_error",
    "set_config",
    "setup_logging",
    "watch_default_config",
]
