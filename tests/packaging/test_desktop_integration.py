"""Linux desktop integration (packaging/linux/): the launcher, the AppStream metadata, the
project file type, the icons and install.sh, checked with the freedesktop tools and the two
MIME readers desktops use (GLib's for GNOME, Qt's for KDE), in a temporary XDG_DATA_HOME.

The tools come from apt (desktop-file-utils, appstream, shared-mime-info, libglib2.0-bin),
installed by ./test.sh; a missing one fails the test rather than skipping it, so that a
machine without them cannot pass unnoticed.
"""

from __future__ import annotations

import configparser
import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PIL import Image

from video_studio import __version__
from video_studio.project_from_script import project_from_script
from video_studio.resources import demo_dir

REPO_ROOT = Path(__file__).resolve().parents[2]
LINUX = REPO_ROOT / "packaging" / "linux"
APP_ID = "io.github.videostudio.VideoStudio"
PROJECT_MIME = "application/x-video-studio-project"
MIME_ICON = "application-x-video-studio-project"
DESKTOP_FILE = LINUX / f"{APP_ID}.desktop"
METAINFO_FILE = LINUX / f"{APP_ID}.metainfo.xml"
MIME_FILE = LINUX / f"{APP_ID}-mime.xml"
INSTALL_SH = LINUX / "install.sh"
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ICONS = (("apps", APP_ID), ("mimetypes", MIME_ICON))

pytestmark = pytest.mark.timeout(120)

# Runs in a subprocess, since QMimeDatabase reads the XDG folders once per process: prints
# {path: [type, icon name]} for each path given.
QT_MIME_QUERY = textwrap.dedent(
    """
    import json, sys
    from PySide6.QtCore import QMimeDatabase

    database = QMimeDatabase()
    found = {}
    for path in sys.argv[1:]:
        mime = database.mimeTypeForFile(path)
        found[path] = [mime.name(), mime.iconName()]
    print(json.dumps(found))
    """
)


def tool(name: str, package: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(
            f"{name} is missing (apt package {package}): run ./test.sh, which installs it",
            pytrace=False,
        )
    return path


def run(command: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=60, check=False)


def desktop_env(root: Path) -> dict[str, str]:
    """An environment whose user data is root/data and whose system data is the machine's:
    no desktop session, no D-Bus, so GLib reads the files and launches programs itself."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("XDG_", "DBUS_", "DISPLAY", "WAYLAND_"))
    }
    env.update(
        HOME=str(root / "home"),
        XDG_DATA_HOME=str(root / "data"),
        XDG_CONFIG_HOME=str(root / "config"),
        XDG_CACHE_HOME=str(root / "cache"),
        XDG_DATA_DIRS="/usr/local/share:/usr/share",
        GIO_USE_VFS="local",  # no gvfs daemons
        LC_ALL="C.UTF-8",
    )
    return env


def qt_mime_types(paths: list[Path], env: dict[str, str]) -> dict[str, list[str]]:
    result = run([sys.executable, "-c", QT_MIME_QUERY, *map(str, paths)], env)
    assert result.returncode == 0, result.stderr
    found: dict[str, list[str]] = json.loads(result.stdout)
    return found


def gio_mime_type(path: Path, env: dict[str, str]) -> str:
    gio = tool("gio", "libglib2.0-bin")
    result = run([gio, "info", "--attributes=standard::content-type", str(path)], env)
    assert result.returncode == 0, result.stderr
    for line in result.stdout.splitlines():
        key, _, value = line.strip().partition(": ")
        if key == "standard::content-type":
            return value
    raise AssertionError(f"gio info reported no content type:\n{result.stdout}")


def read_desktop_entry(path: Path) -> dict[str, str]:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment, method-assign]  # keys are case-sensitive
    parser.read(path, encoding="utf-8")
    return dict(parser["Desktop Entry"])


@pytest.fixture(scope="module")
def project_json(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project.json of a real project, written by the app's own code."""
    folder = tmp_path_factory.mktemp("projects") / "AURA demo.vsproj"
    return project_from_script(demo_dir() / "demo.yaml", folder).json_path


@pytest.fixture
def fake_app(tmp_path: Path) -> tuple[Path, Path]:
    """(a stand-in video-studio in a folder with a space, the file it writes its arguments
    to): what a launcher runs, without starting Qt."""
    record = tmp_path / "arguments.txt"
    executable = tmp_path / "bin folder" / "video-studio"
    executable.parent.mkdir()
    # Written aside and renamed, so that the test never reads half of it.
    script = f"#!/bin/sh\nprintf '%s\\n' \"$@\" > '{record}.part'\nmv '{record}.part' '{record}'\n"
    executable.write_text(script, encoding="utf-8")
    executable.chmod(0o755)
    return executable, record


# --- the files as shipped ---------------------------------------------------------------------


def test_desktop_file_passes_desktop_file_validate() -> None:
    validator = tool("desktop-file-validate", "desktop-file-utils")
    result = run([validator, str(DESKTOP_FILE)])
    assert (result.returncode, result.stdout + result.stderr) == (0, "")

    entry = read_desktop_entry(DESKTOP_FILE)
    assert entry["Icon"] == APP_ID
    assert entry["Exec"] == "video-studio %f"
    assert entry["Terminal"] == "false"
    assert PROJECT_MIME in entry["MimeType"].split(";")
    # What Qt's xcb platform sets as WM_CLASS's class: QApplication.applicationName().
    assert entry["StartupWMClass"] == "Video Studio"


def test_metainfo_passes_appstreamcli_validate() -> None:
    appstreamcli = tool("appstreamcli", "appstream")
    result = run([appstreamcli, "validate", "--no-net", "--strict", str(METAINFO_FILE)])
    assert result.returncode == 0, result.stdout + result.stderr

    component = ET.parse(METAINFO_FILE).getroot()
    assert component.findtext("id") == APP_ID
    assert component.findtext("launchable") == DESKTOP_FILE.name
    assert component.findtext("provides/mediatype") == PROJECT_MIME
    # A version bump needs its release entry (newest first), for software centres.
    newest = component.find("releases/release")
    assert newest is not None
    assert newest.get("version") == __version__


def test_icons_are_square_pngs_of_every_size_rendered_from_the_svgs() -> None:
    for context, name in ICONS:
        assert (LINUX / "icons" / "scalable" / context / f"{name}.svg").is_file()
        for size in SIZES:
            path = LINUX / "icons" / "hicolor" / f"{size}x{size}" / context / f"{name}.png"
            with Image.open(path) as image:
                assert image.format == "PNG", path
                assert image.size == (size, size), path
                low, high = image.convert("RGBA").getchannel("A").getextrema()
                assert high == 255, f"{path}: transparent everywhere"
                assert low == 0, f"{path}: no transparent corners, so not the tile shape"
    result = run([sys.executable, str(REPO_ROOT / "scripts" / "make_icons.py"), "--check"])
    assert result.returncode == 0, result.stderr


def test_mime_type_recognises_a_real_project_json(tmp_path: Path, project_json: Path) -> None:
    update = tool("update-mime-database", "shared-mime-info")
    env = desktop_env(tmp_path)
    packages = tmp_path / "data" / "mime" / "packages"
    packages.mkdir(parents=True)
    shutil.copy(MIME_FILE, packages / f"{APP_ID}.xml")
    result = run([update, str(packages.parent)], env)
    assert (result.returncode, result.stderr) == (0, "")
    # GLib and Qt pick a literal name before *.json whatever its weight, but the spec says
    # the highest weight wins, so readers that follow it need ours above application/json's.
    weights = {
        (mime, pattern): int(weight)
        for directory in (packages.parent, Path("/usr/share/mime"))
        for weight, mime, pattern, *_ in (
            line.split(":")
            for line in (directory / "globs2").read_text(encoding="utf-8").splitlines()
            if not line.startswith("#")
        )
    }
    assert weights[PROJECT_MIME, "project.json"] > weights["application/json", "*.json"]

    other_json = tmp_path / "settings.json"
    other_json.write_text('{"schema_version": 3, "theme": "dark"}\n', encoding="utf-8")
    renamed = tmp_path / "copy.json"  # a project's content under another *.json name
    shutil.copy(project_json, renamed)
    unnamed = tmp_path / "dropped-data"  # no name to go by: the content decides
    shutil.copy(project_json, unnamed)

    # GLib (GNOME's file manager and GTK file dialogs).
    assert gio_mime_type(project_json, env) == PROJECT_MIME
    assert gio_mime_type(unnamed, env) == PROJECT_MIME
    assert gio_mime_type(other_json, env) == "application/json"
    assert gio_mime_type(renamed, env) == "application/json"
    # Qt (KDE's file manager and Qt file dialogs).
    found = qt_mime_types([project_json, unnamed, other_json, renamed], env)
    assert found[str(project_json)] == [PROJECT_MIME, MIME_ICON]
    assert found[str(unnamed)] == [PROJECT_MIME, MIME_ICON]
    assert found[str(other_json)][0] == "application/json"
    assert found[str(renamed)][0] == "application/json"


# --- install.sh -----------------------------------------------------------------------------


def expected_files() -> set[str]:
    """What install.sh itself writes (not the caches the freedesktop tools generate), relative
    to XDG_DATA_HOME."""
    files = {
        f"applications/{APP_ID}.desktop",
        f"mime/packages/{APP_ID}.xml",
        f"metainfo/{APP_ID}.metainfo.xml",
    }
    for context, name in ICONS:
        files.add(f"icons/hicolor/scalable/{context}/{name}.svg")
        files |= {f"icons/hicolor/{n}x{n}/{context}/{name}.png" for n in SIZES}
    return files


def mentions_the_app(path: Path) -> bool:
    text = path.read_bytes().decode("utf-8", "replace")
    return any(word in path.name or word in text for word in (APP_ID, MIME_ICON, PROJECT_MIME))


def wait_for(path: Path, seconds: float = 15.0) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if path.is_file():
            return path.read_text(encoding="utf-8")
        time.sleep(0.05)
    raise AssertionError(f"the launcher did not run the app within {seconds} s")


def test_install_opens_project_json_in_the_app_and_uninstall_removes_everything(
    tmp_path: Path, project_json: Path, fake_app: tuple[Path, Path]
) -> None:
    validator = tool("desktop-file-validate", "desktop-file-utils")
    tool("update-mime-database", "shared-mime-info")
    tool("update-desktop-database", "desktop-file-utils")
    gio = tool("gio", "libglib2.0-bin")
    executable, record = fake_app
    env = desktop_env(tmp_path)
    data = tmp_path / "data"

    result = run([str(INSTALL_SH), str(executable)], env)
    assert result.returncode == 0, result.stderr
    assert sorted(f for f in expected_files() if not (data / f).is_file()) == []
    desktop = data / "applications" / f"{APP_ID}.desktop"
    assert read_desktop_entry(desktop)["Exec"] == f'"{executable}" %f'
    result = run([validator, str(desktop)])
    assert (result.returncode, result.stdout + result.stderr) == (0, "")

    # The app is the default for projects, and "open" (a double-click) runs it on the file.
    result = run([gio, "mime", PROJECT_MIME], env)
    default = result.stdout.splitlines()[0] if result.stdout else result.stderr
    assert default.startswith("Default application") and default.endswith(f": {APP_ID}.desktop"), (
        default
    )
    result = run([gio, "open", str(project_json)], env)
    assert result.returncode == 0, result.stderr
    assert wait_for(record) == f"{project_json}\n"

    result = run([str(INSTALL_SH), "--uninstall"], env)
    assert result.returncode == 0, result.stderr
    assert sorted(f for f in expected_files() if (data / f).exists()) == []
    leftovers = [p for p in data.rglob("*") if p.is_file() and mentions_the_app(p)]
    assert leftovers == []
    assert gio_mime_type(project_json, env) == "application/json"


def test_install_without_an_executable_says_what_to_give(tmp_path: Path) -> None:
    env = desktop_env(tmp_path)
    env["PATH"] = "/usr/bin:/bin"  # no video-studio on it
    result = run([str(INSTALL_SH)], env)
    assert result.returncode == 1
    assert "dist/video-studio/video-studio" in result.stderr
    result = run([str(INSTALL_SH), str(tmp_path / "missing")], env)
    assert result.returncode == 1
    assert "is not an executable file" in result.stderr
    assert not (tmp_path / "data").exists()
