"""Loopback emulators of the cloud image-to-video services (test tools, not shipped code).

Real HTTP servers on 127.0.0.1 speaking the Luma Dream Machine, Runway and fal (Pika)
protocols as described in docs cloud-apis.md §5, with fault injection, a poll-driven virtual
clock and tiny MP4 outputs. Fixtures live in `tests.emulators.fixtures`.
"""

from tests.emulators.base import Emulator, Job, Outcome
from tests.emulators.fal import FalEmulator
from tests.emulators.image_host import ImageHost
from tests.emulators.luma import LumaEmulator
from tests.emulators.runway import RunwayEmulator
from tests.emulators.server import RecordedRequest, Response

__all__ = [
    "Emulator",
    "FalEmulator",
    "ImageHost",
    "Job",
    "LumaEmulator",
    "Outcome",
    "RecordedRequest",
    "Response",
    "RunwayEmulator",
]
