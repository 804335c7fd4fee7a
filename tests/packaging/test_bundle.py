"""The one-folder bundle (packaging/video_studio.spec, what `make package` builds) built once
for this module into a temporary folder, then run as a user of the bundle runs it: in an
environment with no Python on PATH, no PYTHONHOME/PYTHONPATH, a fresh HOME. `--version`,
the headless demo render (compared frame by frame with the venv's render of the same
project), and the desktop app's window, offscreen and on a real X server (Xvfb, the bundled
xcb platform), with a check that the running app maps no file of the venv or the build
machine's Python.

The build takes about 30 s of the 2-core reference machine. PyInstaller comes with the dev
extra (./test.sh installs it); it reads binaries with objdump (binutils), installed here
through scripts/bootstrap.sh when missing, as ./test.sh installs its own packages.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys
import sysconfig
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import zip_longest
from pathlib import Path

import av
import numpy as np
import pytest

from tests.xvfb import xvfb_display
from video_studio import __version__

REPO = Path(__file__).resolve().parents[2]
SPEC = REPO / "packaging" / "video_studio.spec"
APP = "video-studio"

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

# Qt's widget painting log (QT_LOGGING_RULES below) names the main window when it is first
# drawn as a top-level: the window is on screen, painted. The app itself has no such signal.
PAINT_LOGGING = "qt.widgets.painting=true"
FIRST_PAINT = re.compile(r"Drawing .* of MainWindow\(.*DrawAsRoot")
GUI_TIMEOUT_S = 60.0
# System programs the app may run (fontconfig's, for fonts it has no table for): the only
# commands on the bundle's PATH.
SYSTEM_TOOLS = ("fc-list", "fc-match")


@dataclass(frozen=True)
class Bundle:
    folder: Path  # dist/video-studio
    executable: Path  # dist/video-studio/video-studio


def ensure_objdump() -> None:
    """PyInstaller needs objdump on Linux: install binutils the way ./test.sh installs its
    packages (scripts/bootstrap.sh), or fail saying how."""
    if shutil.which("objdump") is not None:
        return
    subprocess.run(
        [
            "bash",
            "-c",
            'source scripts/bootstrap.sh && vs_ensure_apt_packages "$@"',
            "-",
            "binutils",
        ],
        cwd=REPO,
        check=False,
    )
    if shutil.which("objdump") is None:
        pytest.fail(
            "objdump is missing and could not be installed: install binutils "
            "(apt-get install binutils), or run `make package` once, which installs it",
            pytrace=False,
        )


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Bundle:
    """The bundle, built from the checkout's spec with the venv's PyInstaller."""
    if importlib.util.find_spec("PyInstaller") is None:
        pytest.fail(
            f"PyInstaller is not installed in {sys.prefix}: run ./test.sh, which installs the "
            "dev extra of pyproject.toml (PyInstaller is in it)",
            pytrace=False,
        )
    ensure_objdump()
    root = tmp_path_factory.mktemp("bundle")
    build = subprocess.run(
        [
            sys.executable,
            "-m",
            "PyInstaller",
            "--noconfirm",
            "--log-level",
            "WARN",
            "--distpath",
            str(root / "dist"),
            "--workpath",
            str(root / "work"),
            str(SPEC),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=800,  # within the module's 900 s pytest timeout
        check=False,
    )
    if build.returncode != 0:
        pytest.fail(
            f"PyInstaller failed with exit code {build.returncode}:\n{build.stderr[-6000:]}",
            pytrace=False,
        )
    folder = root / "dist" / APP
    return Bundle(folder, folder / APP)


@pytest.fixture
def user_env(tmp_path: Path) -> dict[str, str]:
    """The environment of a user who only has the bundle: PATH holds no Python (only
    fontconfig's tools), no PYTHON* variables, HOME and XDG_RUNTIME_DIR fresh, Qt offscreen."""
    tools = tmp_path / "bin"
    tools.mkdir()
    for tool in SYSTEM_TOOLS:
        found = shutil.which(tool)
        if found is not None:
            (tools / tool).symlink_to(found)
    assert shutil.which("python3", path=str(tools)) is None
    assert shutil.which("python", path=str(tools)) is None
    home = tmp_path / "home"
    runtime = tmp_path / "runtime"
    home.mkdir()
    runtime.mkdir(mode=0o700)
    return {
        "PATH": str(tools),
        "HOME": str(home),
        "XDG_RUNTIME_DIR": str(runtime),
        "LANG": "C.UTF-8",
        "QT_QPA_PLATFORM": "offscreen",
    }


def run_bundle(
    bundle: Bundle, args: list[str], env: dict[str, str], cwd: Path, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(bundle.executable), *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_the_bundle_holds_what_the_app_loads(bundle: Bundle) -> None:
    internal = bundle.folder / "_internal"
    expected = [
        "resources/templates/amazon_minimal.yaml",
        "resources/demo/demo.yaml",
        "PySide6/Qt/plugins/platforms/libqxcb.so",
        "PySide6/Qt/plugins/platforms/libqoffscreen.so",
        "PySide6/Qt/plugins/imageformats/libqjpeg.so",
        "PySide6/Qt/plugins/iconengines/libqsvgicon.so",
        "PySide6/Qt/plugins/multimedia/libffmpegmediaplugin.so",
        "PySide6/Qt/lib/libQt6Multimedia.so.6",
    ]
    missing = [name for name in expected if not (internal / name).is_file()]
    assert not missing, f"missing from the bundle: {missing}"
    assert list((internal / "qtawesome" / "fonts").glob("materialdesignicons6-*.ttf"))
    # Left out on purpose (packaging/video_studio.spec): nothing of these may come back.
    unwanted = [
        path.relative_to(internal).as_posix()
        for pattern in ("*QtWebEngine*", "*Qt6Pdf*", "*libqwayland*", "*tkinter*", "*qgtk3*")
        for path in internal.rglob(pattern)
    ]
    assert not unwanted, f"left out by the spec, yet in the bundle: {unwanted}"
    # Every link stays inside the folder, so the folder can be moved or archived.
    for link in (path for path in bundle.folder.rglob("*") if path.is_symlink()):
        assert link.resolve().is_relative_to(bundle.folder.resolve()), link


def test_version_is_the_package_version(
    bundle: Bundle, user_env: dict[str, str], tmp_path: Path
) -> None:
    result = run_bundle(bundle, ["--version"], user_env, tmp_path, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"{APP} {__version__}"


def test_the_demo_renders_the_same_video_as_the_venv(
    bundle: Bundle, user_env: dict[str, str], tmp_path: Path
) -> None:
    result = run_bundle(bundle, ["demo", "-o", "out.mp4"], user_env, tmp_path)
    assert result.returncode == 0, result.stderr
    output = tmp_path / "out.mp4"
    with av.open(str(output)) as container:
        assert container.duration is not None and container.duration > 0
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert (stream.width, stream.height) == (1920, 1080)  # the demo is 16:9 at 1080p

    # The same project rendered by the venv: the bundle must find the same resources, fonts
    # and codecs, so every frame decodes and the frames match.
    reference = tmp_path / "reference.mp4"
    venv_run = subprocess.run(
        [sys.executable, str(REPO / "main.py"), "demo", "-o", str(reference)],
        env={**user_env, "HOME": str(tmp_path / "venv-home")},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert venv_run.returncode == 0, venv_run.stderr
    frames, differences = compare_videos(output, reference, every=10)
    assert frames > 0
    assert max(differences) < 0.5, f"mean |difference| of every 10th frame: {differences}"


def compare_videos(ours: Path, theirs: Path, every: int) -> tuple[int, list[float]]:
    """(frames decoded, mean absolute RGB difference of every `every`-th frame pair); fails
    when the two videos do not have the same number of frames."""
    differences: list[float] = []
    frames = 0
    with av.open(str(ours)) as first, av.open(str(theirs)) as second:
        pairs = zip_longest(first.decode(video=0), second.decode(video=0))
        for frames, (mine, reference) in enumerate(pairs, start=1):
            assert mine is not None and reference is not None, f"frame counts differ at {frames}"
            if (frames - 1) % every == 0:
                a = mine.to_ndarray(format="rgb24").astype(np.int16)
                b = reference.to_ndarray(format="rgb24").astype(np.int16)
                differences.append(float(np.abs(a - b).mean()))
    return frames, differences


@dataclass
class RunningApp:
    process: subprocess.Popen[str]
    painted: threading.Event
    log: list[str]  # stderr, without the painting log lines


AppStarter = Callable[[dict[str, str]], RunningApp]


@pytest.fixture
def start_app(bundle: Bundle, tmp_path: Path) -> Iterator[AppStarter]:
    """start_app(env) -> RunningApp: the desktop app started from the bundle, with Qt's
    painting log on; stopped after the test."""
    started: list[RunningApp] = []

    def start(env: dict[str, str]) -> RunningApp:
        process = subprocess.Popen(
            [str(bundle.executable)],
            env={**env, "QT_LOGGING_RULES": PAINT_LOGGING},
            cwd=tmp_path,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        app = RunningApp(process, threading.Event(), [])
        threading.Thread(target=_read_log, args=(app,), daemon=True).start()
        started.append(app)
        return app

    yield start
    for app in started:
        if app.process.poll() is None:
            app.process.kill()
        app.process.wait(timeout=30)


def _read_log(app: RunningApp) -> None:
    assert app.process.stderr is not None
    for line in app.process.stderr:
        if FIRST_PAINT.search(line):
            app.painted.set()
        elif not line.startswith("qt.widgets.painting"):
            app.log.append(line)


def wait_until_painted(app: RunningApp) -> None:
    deadline = time.monotonic() + GUI_TIMEOUT_S
    while not app.painted.wait(0.1):
        if app.process.poll() is not None or time.monotonic() > deadline:
            break
    if not app.painted.is_set():
        state = app.process.poll()
        why = f"exited with code {state}" if state is not None else f"timed out ({GUI_TIMEOUT_S} s)"
        pytest.fail(f"the bundled app did not paint its window: {why}\n{''.join(app.log)}")


def foreign_python_files(pid: int, bundle: Bundle) -> list[str]:
    """Files the process has mapped that belong to the venv or to the build machine's Python
    (its standard library, its site-packages, its libpython)."""
    python_places = {
        Path(sys.prefix).resolve(),
        Path(sysconfig.get_paths()["stdlib"]).resolve(),
        Path(sysconfig.get_paths()["purelib"]).resolve(),
        Path(sysconfig.get_paths()["platlib"]).resolve(),
    }
    inside = bundle.folder.resolve()
    mapped = {
        Path(line.split(maxsplit=5)[5].strip())
        for line in Path(f"/proc/{pid}/maps").read_text().splitlines()
        if len(line.split(maxsplit=5)) == 6 and line.split(maxsplit=5)[5].startswith("/")
    }
    return sorted(
        str(path)
        for path in mapped
        if not path.is_relative_to(inside)
        and (
            any(path.is_relative_to(place) for place in python_places)
            or path.name.startswith("libpython")
        )
    )


def test_the_app_window_starts_offscreen_without_the_venv(
    bundle: Bundle, user_env: dict[str, str], start_app: AppStarter
) -> None:
    app = start_app(user_env)
    wait_until_painted(app)
    assert app.process.poll() is None, "".join(app.log)
    assert Path(f"/proc/{app.process.pid}/exe").resolve() == bundle.executable.resolve()
    assert foreign_python_files(app.process.pid, bundle) == []


@pytest.mark.xvfb
def test_the_app_window_starts_on_a_real_x_server(
    user_env: dict[str, str], start_app: AppStarter
) -> None:
    with xvfb_display() as display:
        app = start_app({**user_env, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb"})
        wait_until_painted(app)
        assert app.process.poll() is None, "".join(app.log)
        app.process.kill()
        app.process.wait(timeout=30)
