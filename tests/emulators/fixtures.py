"""pytest fixtures: each yields a started emulator and stops it (joining its threads) afterwards.

Register with `pytest_plugins = ["tests.emulators.fixtures"]` in the root conftest.
A test fails at teardown if the emulator raised inside one of its own handlers (a bug in the
emulator, not in the code under test).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TypeVar

import pytest

from tests.emulators.fal import FalEmulator
from tests.emulators.image_host import ImageHost
from tests.emulators.luma import LumaEmulator
from tests.emulators.runway import RunwayEmulator
from tests.emulators.service import LoopbackService

S = TypeVar("S", bound=LoopbackService)


def _run(service: S) -> Iterator[S]:
    service.start()
    try:
        yield service
    finally:
        service.stop()
    errors = service.errors
    if errors:
        pytest.fail(f"{service.name} emulator raised inside its handlers: {errors!r}")


@pytest.fixture
def luma_emulator() -> Iterator[LumaEmulator]:
    yield from _run(LumaEmulator())


@pytest.fixture
def runway_emulator() -> Iterator[RunwayEmulator]:
    yield from _run(RunwayEmulator())


@pytest.fixture
def fal_emulator() -> Iterator[FalEmulator]:
    yield from _run(FalEmulator())


@pytest.fixture
def image_host() -> Iterator[ImageHost]:
    yield from _run(ImageHost())
