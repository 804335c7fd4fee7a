"""A virtual X server for tests that need a real window (Qt's xcb platform).

    with xvfb_display() as display:   # e.g. ":7"
        subprocess.run(..., env={**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb"})

Xvfb picks a free display number itself (`-displayfd`) and reports it once it accepts
connections, so parallel test runs do not collide. A missing Xvfb fails the test: it is part
of the test environment that ./test.sh installs, and skipping would hide the real-window tests.
"""

from __future__ import annotations

import contextlib
import os
import select
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from typing import IO

import pytest

MISSING_MESSAGE = "Xvfb is missing: run ./test.sh, which installs it via apt"
SCREEN_SIZE = (1600, 1000)
SCREEN_DEPTH = 24


@contextlib.contextmanager
def xvfb_display(
    size: tuple[int, int] = SCREEN_SIZE, depth: int = SCREEN_DEPTH, timeout: float = 15.0
) -> Iterator[str]:
    """Starts Xvfb on a free display, yields its DISPLAY value (":N"), and stops it after."""
    executable = shutil.which("Xvfb")
    if executable is None:
        pytest.fail(MISSING_MESSAGE, pytrace=False)
    width, height = size
    read_fd, write_fd = os.pipe()
    with tempfile.TemporaryFile() as log, contextlib.ExitStack() as cleanup:
        cleanup.callback(os.close, read_fd)
        try:
            process = subprocess.Popen(
                [
                    executable,
                    "-displayfd",
                    str(write_fd),
                    "-screen",
                    "0",
                    f"{width}x{height}x{depth}",
                    "-nolisten",
                    "tcp",
                ],
                pass_fds=(write_fd,),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
        finally:
            os.close(write_fd)  # only Xvfb writes to it now: EOF tells us it exited
        cleanup.callback(_stop, process)
        number = _read_display_number(read_fd, process, timeout)
        if number is None:
            exit_code = process.poll()
            what = (
                f"did not become ready within {timeout} s"
                if exit_code is None
                else f"exited with code {exit_code} before it was ready"
            )
            pytest.fail(f"Xvfb {what}:\n{_read_log(log)}", pytrace=False)
        yield f":{number}"


def _read_display_number(
    read_fd: int, process: subprocess.Popen[bytes], timeout: float
) -> int | None:
    """The number Xvfb writes to the -displayfd pipe once it is ready, or None."""
    deadline = time.monotonic() + timeout
    received = b""
    while not received.endswith(b"\n"):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return None
        ready, _, _ = select.select([read_fd], [], [], min(remaining, 0.5))
        if not ready:
            if process.poll() is not None:
                return None
            continue
        chunk = os.read(read_fd, 64)
        if not chunk:  # Xvfb closed the pipe without a number: it exited
            return None
        received += chunk
    text = received.strip()
    return int(text) if text.isdigit() else None


def _read_log(log: IO[bytes]) -> str:
    log.seek(0)
    return log.read().decode(errors="replace")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
