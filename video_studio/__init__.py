"""Video Studio engine: turns product photos into short marketing videos. No Qt in here.

The public API of the seed design document:

    from video_studio import VideoConfig, AspectRatio, VideoQuality
    from video_studio import handle_generation_error, VideoStudioErrorType
    from video_studio import get_config, get_model_config
    from video_studio import get_logger
"""

__version__ = "0.1.0"

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
