"""Finds out, before any QApplication exists, whether a Qt window can be opened.

Qt aborts the whole process (SIGABRT, no Python exception) when its platform plugin cannot
start, e.g. `xcb` without an X server. So the app checks first, from the environment and
with a cheap probe, which platforms Qt will try and whether one of them can work:

- `QT_QPA_PLATFORM` (a `;`-separated list Qt tries in order) or, when it is unset, the
  platforms Qt picks on Linux: `wayland` (with `WAYLAND_DISPLAY` or a Wayland session) and
  `xcb` (with `DISPLAY`);
- `xcb`: the plugin's system libraries load, and the X server named by `DISPLAY` accepts a
  connection (probed with libxcb, the library Qt itself connects with);
- `wayland`: the compositor's socket exists;
- anything else (`offscreen`, `minimal`, `vnc`, `eglfs`, ...) is left to Qt.

Only Linux and other X11/Wayland systems are checked; Windows and macOS always have a screen.
"""

from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Mapping
from pathlib import Path

from PySide6.QtCore import QLibraryInfo

_XCB_LIBRARIES_HINT = (
    "  Install the libraries Qt needs: ./run.sh installs them, or on Debian/Ubuntu:\n"
    "  apt-get install libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 "
    "libxcb-render-util0 libxcb-xinerama0 libxcb-xkb1 libxkbcommon-x11-0 libegl1 libgl1"
)
_NO_DISPLAY_HINT = (
    "  On a machine without a display, run the app under a virtual X server:\n"
    "    xvfb-run video-studio\n"
    "  or let Qt draw offscreen (nothing is shown on screen):\n"
    "    QT_QPA_PLATFORM=offscreen video-studio\n"
    "  The command line works without a display: video-studio --help"
)


def find_platform_problem(
    environ: Mapping[str, str] | None = None, platform: str | None = None
) -> str | None:
    """Why no Qt platform can start here (a message for the user), or None if one can."""
    env = os.environ if environ is None else environ
    system = sys.platform if platform is None else platform
    if system.startswith(("win", "darwin", "cygwin")):
        return None
    candidates = requested_platforms(env)
    if not candidates:
        return "no display found (neither DISPLAY nor WAYLAND_DISPLAY is set).\n" + _NO_DISPLAY_HINT
    reasons: list[str] = []
    for name in candidates:
        reason = _platform_problem(name, env)
        if reason is None:
            return None
        reasons.append(reason)
    return "\n".join(reasons)


def requested_platforms(environ: Mapping[str, str]) -> list[str]:
    """The platform plugins Qt will try, in order (without their `:options`)."""
    spec = environ.get("QT_QPA_PLATFORM", "").strip()
    if spec:
        names = (entry.split(":", 1)[0].strip() for entry in spec.split(";"))
        return [name for name in names if name]
    candidates: list[str] = []
    if environ.get("WAYLAND_DISPLAY") or environ.get("XDG_SESSION_TYPE") == "wayland":
        candidates.append("wayland")
    if environ.get("DISPLAY"):
        candidates.append("xcb")
    return candidates


def _platform_problem(name: str, environ: Mapping[str, str]) -> str | None:
    if name == "xcb":
        return _xcb_problem(environ)
    if name.startswith("wayland"):
        return _wayland_problem(name, environ)
    return None


def _xcb_problem(environ: Mapping[str, str]) -> str | None:
    display = environ.get("DISPLAY", "")
    if not display:
        return (
            "Qt's X11 platform (xcb) needs an X display, but DISPLAY is not set.\n"
            + _NO_DISPLAY_HINT
        )
    library_problem = xcb_plugin_problem(_platform_plugin_dirs(environ))
    if library_problem is not None:
        return library_problem
    if not x_display_accepts_connection(display):
        return (
            f"cannot connect to the X display {display!r} named by DISPLAY "
            "(is the X server running, and may this user open windows on it?).\n" + _NO_DISPLAY_HINT
        )
    return None


def _wayland_problem(name: str, environ: Mapping[str, str]) -> str | None:
    if environ.get("WAYLAND_SOCKET"):
        return None  # an already connected socket handed over by the compositor
    display = environ.get("WAYLAND_DISPLAY") or "wayland-0"
    socket_path = Path(display)
    if not socket_path.is_absolute():
        runtime_dir = environ.get("XDG_RUNTIME_DIR", "")
        if not runtime_dir:
            return (
                f"Qt's Wayland platform ({name}) cannot find the compositor: "
                "XDG_RUNTIME_DIR is not set.\n" + _NO_DISPLAY_HINT
            )
        socket_path = Path(runtime_dir) / display
    if not socket_path.exists():
        return (
            f"Qt's Wayland platform ({name}) cannot find the compositor's socket "
            f"{socket_path}.\n" + _NO_DISPLAY_HINT
        )
    return None


def xcb_plugin_problem(plugin_dirs: list[Path]) -> str | None:
    """Whether Qt's xcb plugin and the system libraries it links to can be loaded.

    Loading it with the dynamic linker names the first missing library, where Qt would only
    abort. The first `libqxcb.so` found in `plugin_dirs` is the one checked; a plugin that is
    not found at all is left to Qt to report.
    """
    for directory in plugin_dirs:
        plugin = directory / "libqxcb.so"
        if not plugin.is_file():
            continue
        try:
            ctypes.CDLL(str(plugin))
        except OSError as exc:
            return f"Qt's X11 platform plugin (xcb) cannot be loaded: {exc}\n" + _XCB_LIBRARIES_HINT
        return None
    return None


def _platform_plugin_dirs(environ: Mapping[str, str]) -> list[Path]:
    """Where Qt looks for platform plugins: QT_QPA_PLATFORM_PLUGIN_PATH, then its own folder."""
    directories: list[Path] = []
    override = environ.get("QT_QPA_PLATFORM_PLUGIN_PATH", "")
    directories.extend(Path(entry) for entry in override.split(os.pathsep) if entry)
    plugins = QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath)
    directories.append(Path(plugins) / "platforms")
    return directories


def x_display_accepts_connection(display: str) -> bool:
    """True if the X server named `display` accepts a connection from this process."""
    try:
        libxcb = ctypes.CDLL("libxcb.so.1")
    except OSError:
        return False
    connect = libxcb.xcb_connect
    connect.restype = ctypes.c_void_p
    connect.argtypes = [ctypes.c_char_p, ctypes.POINTER(ctypes.c_int)]
    has_error = libxcb.xcb_connection_has_error
    has_error.restype = ctypes.c_int
    has_error.argtypes = [ctypes.c_void_p]
    disconnect = libxcb.xcb_disconnect
    disconnect.restype = None
    disconnect.argtypes = [ctypes.c_void_p]
    # xcb_connect never returns NULL: failures come back as an error connection object,
    # which xcb_disconnect accepts too.
    connection = connect(display.encode(), None)
    try:
        return bool(connection) and has_error(connection) == 0
    finally:
        if connection:
            disconnect(connection)
