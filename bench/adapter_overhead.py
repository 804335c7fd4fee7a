"""Adapter layer overhead: the CPU our process spends per cloud generation beyond waiting,
and a leak check after many concurrent tasks (project venv).

  .venv/bin/python bench/adapter_overhead.py [--jobs 200] [--concurrent 50] [--rounds 3]

The loopback emulators of Luma, Runway and fal (Pika) and the image host run in a child
process (this script with `--serve`), so the CPU measured here (getrusage of this process:
every thread, user + system) is only ours: the workflow, the adapters, httpx, the image
preparation, the clip download and its check with PyAV, the result cache. Polling is as
fast as the config allows (1 ms), so waiting costs no time; what waiting costs in CPU is
the status polls (one per poll interval, 5 s by default), measured apart.

1. full stack: `--jobs` generations spread over luma/runway/pika through GenerationWorkflow
   and the real adapters, after a warm-up batch, once with jobs that finish at the 1st
   status poll and once at the 6th. CPU = fixed + polls x per-poll gives the CPU per job
   beyond waiting (image delivery, create, download, checks, workflow, cache) and the CPU
   of one poll; also wall, jobs/s and the emulators' CPU (measured in the child);
2. workflow alone: the same number of jobs through an in-process adapter that returns a
   clip at once, so the workflow's own share shows;
3. leaks: `--concurrent` tasks at once (max_concurrent_tasks = that number) against the
   emulators; threads and open file descriptors (/proc/self/fd) before and after, and the
   peak number of tasks running at the same time.

Results: printed, and written to $BENCH_OUT/results/adapter_overhead.json.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

REPO = Path(__file__).resolve().parent.parent
OUT = Path(os.environ.get("BENCH_OUT", "/tmp/bench_out"))
MODELS = ("luma", "runway", "pika")
PHOTOS = 20
POLL_INTERVAL = 0.001
WAVE = 20  # scenes of a project, generated together
FEW_POLLS, MANY_POLLS = 1, 6  # status polls per job (each waiting interval costs one)


def own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


# --- the child: emulators in their own process ----------------------------------------


def serve(stdout: TextIO) -> None:
    """Start the emulators, print their addresses as one JSON line, then answer commands on
    stdin: `stats` (own CPU seconds and jobs created per service), `quit`."""
    sys.path.insert(0, str(REPO))
    from tests.emulators import FalEmulator, ImageHost, LumaEmulator, RunwayEmulator  # noqa: PLC0415

    luma, runway = LumaEmulator(), RunwayEmulator()
    services = {"luma": luma, "runway": runway, "pika": FalEmulator()}
    host = ImageHost()
    # No rate, concurrency or credit limits: a job takes exactly the polls set, so the
    # figures are per job and not per throttled poll.
    luma.max_concurrent = luma.max_creates_per_minute = 1_000_000
    runway.concurrency = 1_000_000
    runway.credit_balance = 10**12
    for service in (*services.values(), host):
        service.start()
    try:
        addresses = {
            name: {"base_url": emulator.base_url, "api_key": emulator.api_key}
            for name, emulator in services.items()
        }
        print(json.dumps({"models": addresses, "image_host": host.root_url}), file=stdout)
        stdout.flush()
        for line in sys.stdin:
            command = line.strip()
            if command == "stats":
                jobs = {name: len(emulator.created_jobs) for name, emulator in services.items()}
                requests = sum(len(s.requests) for s in (*services.values(), host))
                answer = {"cpu": own_cpu(), "jobs": jobs, "requests": requests}
                print(json.dumps(answer), file=stdout)
                stdout.flush()
            elif command.startswith("polls "):
                for emulator in services.values():
                    emulator.polls_to_finish = int(command.split()[1])
                print("{}", file=stdout)
                stdout.flush()
            elif command == "quit":
                break
    finally:
        for service in (*services.values(), host):
            service.stop()


class EmulatorProcess:
    def __init__(self) -> None:
        self._process = subprocess.Popen(
            [sys.executable, __file__, "--serve"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self._process.stdout is not None
        self.addresses: dict[str, Any] = json.loads(self._process.stdout.readline())

    def _ask(self, command: str) -> dict[str, Any]:
        assert self._process.stdin is not None and self._process.stdout is not None
        self._process.stdin.write(command + "\n")
        self._process.stdin.flush()
        answer: dict[str, Any] = json.loads(self._process.stdout.readline())
        return answer

    def stats(self) -> dict[str, Any]:
        return self._ask("stats")

    def set_polls(self, polls: int) -> None:
        """How many status polls each job takes to finish (the first one is queued)."""
        self._ask(f"polls {polls}")

    def close(self) -> None:
        assert self._process.stdin is not None
        self._process.stdin.write("quit\n")
        self._process.stdin.close()
        self._process.wait(timeout=30)
        if self._process.stdout is not None:
            self._process.stdout.close()


# --- the measured side ----------------------------------------------------------------


def make_config(addresses: dict[str, Any], work: Path, concurrent: int) -> Any:
    from video_studio.config import VideoStudioConfig  # noqa: PLC0415

    models = {
        name: {
            **entry,
            "poll_interval_seconds": POLL_INTERVAL,
            "request_timeout_seconds": 10.0,
            "timeout": 120.0,
            "max_retries": 3,
        }
        for name, entry in addresses["models"].items()
    }
    models["luma"]["image_host_url"] = addresses["image_host"] + "/images"
    return VideoStudioConfig.from_dict(
        {
            "models": models,
            "workflow": {
                "max_concurrent_tasks": concurrent,
                "retry_base_delay_seconds": 0.01,
                "retry_max_delay_seconds": 0.05,
            },
            "storage": {"base_path": str(work / "data"), "temp_path": str(work / "tmp")},
            "logging": {"directory": str(work / "logs"), "console": False},
        },
        environment=False,
    )


def write_photo(path: Path, seed: int = 5) -> Path:
    """A 1280x720 product-photo-like JPEG (about 100 KB): every service takes it as it is."""
    import numpy as np  # noqa: PLC0415
    from PIL import Image  # noqa: PLC0415

    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:720, 0:1280].astype(np.float32)
    pixels = np.dstack([205 + 30 * y / 720, 200 + 25 * x / 1280, 190 + 0 * x])
    pixels[180:540, 420:860] = (40, 110, 200)
    pixels += rng.normal(0, 4, pixels.shape)
    Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)).save(path, quality=88)
    return path


def run_batch(  # noqa: PLR0917 - a benchmark helper
    config: Any,
    registry: Any,
    work: Path,
    photos: list[Path],
    jobs: int,
    label: str,
    *,
    models: tuple[str, ...] = MODELS,
    wave: int | None = None,
) -> dict[str, Any]:
    """`jobs` generations through a fresh workflow, `wave` at a time (a project's scenes
    with "Generate all"; default all at once); CPU and wall from submit to shutdown."""
    from video_studio.adapters.base import GenerationRequest  # noqa: PLC0415
    from video_studio.config import temporary_config  # noqa: PLC0415
    from video_studio.models import TaskStatus  # noqa: PLC0415
    from video_studio.workflow import GenerationWorkflow, WorkflowEvent  # noqa: PLC0415

    running: set[str] = set()
    peak = [0]
    lock = threading.Lock()

    def on_event(event: WorkflowEvent) -> None:
        task = event.task
        if task is None:
            return
        with lock:
            if task.status is TaskStatus.RUNNING:
                running.add(task.task_id)
            else:
                running.discard(task.task_id)
            peak[0] = max(peak[0], len(running))

    with temporary_config(config):
        cpu_before, wall_before = own_cpu(), time.perf_counter()
        workflow = GenerationWorkflow(
            config, registry, cache_dir=work / f"cache-{label}", on_event=on_event
        )
        finished = []
        step = wave or jobs
        for first in range(0, jobs, step):
            tasks = [
                workflow.submit(
                    GenerationRequest(
                        image=photos[index % len(photos)],
                        prompt=f"{label} slow push-in {index}",  # each one new: no cache hits
                        duration=5.0,
                        scene_id=f"{label}-{index}",
                        output_dir=work / "clips" / label,
                    ),
                    models[index % len(models)],
                )
                for index in range(first, min(jobs, first + step))
            ]
            finished += [workflow.wait(task.task_id, 600) for task in tasks]
        workflow.shutdown()
        cpu, wall = own_cpu() - cpu_before, time.perf_counter() - wall_before
    failed = [
        f"{t.model}: {t.error_message}" for t in finished if t.status is not TaskStatus.COMPLETED
    ]
    latencies = [m.latency_median for m in workflow.metrics().values() if m.latency_median]
    return {
        "jobs": jobs,
        "completed": jobs - len(failed),
        "failed": failed[:5],
        "cpu_s": round(cpu, 4),
        "cpu_ms_per_job": round(1000 * cpu / jobs, 3),
        "wall_s": round(wall, 3),
        "jobs_per_s": round(jobs / wall, 1),
        "peak_running": peak[0],
        "median_call_latency_s": round(statistics.median(latencies), 4) if latencies else None,
    }


def run_direct(  # noqa: PLR0917 - a benchmark helper, called positionally in two places
    addresses: dict[str, Any], work: Path, photos: list[Path], jobs: int, workers: int, label: str
) -> dict[str, Any]:
    """The same jobs with bare httpx (bench/direct_clients.py) on `workers` threads."""
    from concurrent.futures import ThreadPoolExecutor  # noqa: PLC0415

    from direct_clients import DirectClients  # noqa: PLC0415

    folder = work / "direct" / label
    folder.mkdir(parents=True)
    clients = DirectClients(addresses, POLL_INTERVAL)
    cpu_before, wall_before = own_cpu(), time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        futures = [
            pool.submit(
                clients.make,
                MODELS[index % len(MODELS)],
                photos[index % len(photos)],
                folder / f"{index}.mp4",
            )
            for index in range(jobs)
        ]
        for future in futures:
            future.result()
    cpu, wall = own_cpu() - cpu_before, time.perf_counter() - wall_before
    clients.close()
    return {
        "jobs": jobs,
        "cpu_s": round(cpu, 4),
        "cpu_ms_per_job": round(1000 * cpu / jobs, 3),
        "wall_s": round(wall, 3),
    }


class InstantAdapter:
    """ModelAdapter that makes its clip at once: the workflow's own cost, no HTTP."""

    display_name = "Instant"

    def __init__(self, name: str, clip: bytes) -> None:
        self.name = name
        self._clip = clip

    def capabilities(self) -> Any:
        from video_studio.adapters.local import CAPABILITIES  # noqa: PLC0415

        return CAPABILITIES

    def generate(self, request: Any, *, cancel: Any, progress: Callable[[Any], None]) -> Any:
        from video_studio.adapters.base import (  # noqa: PLC0415
            GeneratedClip,
            GenerationProgress,
            RemoteState,
        )

        progress(GenerationProgress(RemoteState.QUEUED, remote_job_id=f"{request.scene_id}-job"))
        progress(GenerationProgress(RemoteState.RUNNING, 0.5))
        path = Path(request.output_dir) / f"{request.scene_id}.mp4"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(self._clip)
        return GeneratedClip(path, self.name, 5.0, 64, 64, f"{request.scene_id}-job")

    def resume(self, job: Any, request: Any, *, cancel: Any, progress: Any) -> Any:
        return self.generate(request, cancel=cancel, progress=progress)

    def cancel_remote(self, job: Any) -> None:
        pass


@dataclass(frozen=True)
class InstantFactory:
    adapter: InstantAdapter

    def __call__(self, _config: Any) -> InstantAdapter:
        return self.adapter


def threads_and_fds() -> dict[str, Any]:
    names = sorted(t.name for t in threading.enumerate())
    return {"threads": len(names), "thread_names": names, "fds": open_fds()}


def split_polls(batches: dict[int, dict[str, Any]]) -> tuple[float, float]:
    """CPU = per job + polls x per poll, from batches at two poll counts."""
    few = batches[FEW_POLLS]["cpu_ms_per_job"]
    many = batches[MANY_POLLS]["cpu_ms_per_job"]
    per_poll = (many - few) / (MANY_POLLS - FEW_POLLS)
    return few - FEW_POLLS * per_poll, per_poll


@dataclass
class Bench:
    emulators: EmulatorProcess
    work: Path
    photos: list[Path]
    args: argparse.Namespace

    def batch(self, config: Any, registry: Any, jobs: int, label: str, **kw: Any) -> dict[str, Any]:
        return run_batch(config, registry, self.work, self.photos, jobs, label, **kw)

    def counted(self, run: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        """`run`'s figures plus the emulators' CPU, jobs created and requests per job."""
        before = self.emulators.stats()
        figures = run()
        after = self.emulators.stats()
        jobs = figures["jobs"]
        figures["emulator_cpu_ms_per_job"] = round(1000 * (after["cpu"] - before["cpu"]) / jobs, 3)
        figures["jobs_created"] = sum(after["jobs"].values()) - sum(before["jobs"].values())
        requests = after["requests"] - before["requests"]
        figures["http_requests_per_job"] = round(requests / jobs, 2)
        return figures

    def full_stack(self, config: Any, registry: Any) -> dict[str, Any]:
        """Ours and bare httpx, each at two poll counts, over the rounds."""
        jobs, workers = self.args.jobs, self.args.workers
        self.batch(config, registry, 24, "warmup")
        run_direct(self.emulators.addresses, self.work, self.photos, 24, workers, "warmup")
        rounds: list[dict[str, Any]] = []
        for number in range(self.args.rounds):
            ours, direct = {}, {}
            for polls in (FEW_POLLS, MANY_POLLS):
                self.emulators.set_polls(polls)
                label = f"full{number}-{polls}"
                ours[polls] = self.counted(
                    functools.partial(self.batch, config, registry, jobs, label, wave=WAVE)
                )
                ours[polls]["polls_per_job"] = polls
                direct[polls] = self.counted(
                    functools.partial(
                        run_direct,
                        self.emulators.addresses,
                        self.work,
                        self.photos,
                        jobs,
                        workers,
                        label,
                    )
                )
                for name, figures in (("ours", ours[polls]), ("direct", direct[polls])):
                    print(f"{name}, round {number + 1}, {polls} polls: {json.dumps(figures)}")
            (our_job, our_poll), (direct_job, direct_poll) = split_polls(ours), split_polls(direct)
            rounds.append(
                {
                    "ours": list(ours.values()),
                    "direct": list(direct.values()),
                    "ours_cpu_ms_per_job_beyond_polls": round(our_job, 3),
                    "ours_cpu_ms_per_poll": round(our_poll, 3),
                    "direct_cpu_ms_per_job_beyond_polls": round(direct_job, 3),
                    "direct_cpu_ms_per_poll": round(direct_poll, 3),
                    "layer_adds_ms_per_job": round(our_job - direct_job, 3),
                    "layer_adds_ms_per_poll": round(our_poll - direct_poll, 3),
                }
            )
        self.emulators.set_polls(3)
        results: dict[str, Any] = {"full_stack": rounds}
        for key in rounds[0]:
            if key not in ("ours", "direct"):
                results[f"{key}_median"] = statistics.median(r[key] for r in rounds)
        return results

    def workflow_alone(self, config: Any) -> dict[str, Any]:
        from video_studio.adapters.registry import AdapterRegistry  # noqa: PLC0415

        instant = AdapterRegistry(discover_plugins=False)
        for name in MODELS:
            instant.register(
                name, InstantFactory(InstantAdapter(name, b"\x00" * 50_000)), replace=True
            )
        self.batch(config, instant, 24, "warmup-instant")
        alone = [
            self.batch(config, instant, self.args.jobs, f"alone{n}")
            for n in range(self.args.rounds)
        ]
        for number, figures in enumerate(alone):
            print(f"workflow alone, round {number + 1}: {json.dumps(figures)}")
        return {
            "workflow_alone": alone,
            "workflow_alone_cpu_ms_per_job_median": statistics.median(
                r["cpu_ms_per_job"] for r in alone
            ),
        }

    def concurrent(self, registry: Any) -> dict[str, Any]:
        before = threads_and_fds()
        wide = make_config(self.emulators.addresses, self.work, self.args.concurrent)
        burst = self.batch(wide, registry, self.args.concurrent, "concurrent")
        time.sleep(0.5)  # let the kernel finish closing sockets the emulators closed
        after = threads_and_fds()
        figures = {
            **burst,
            "before": before,
            "after": after,
            "thread_leak": after["threads"] - before["threads"],
            "fd_leak": after["fds"] - before["fds"],
        }
        print(f"concurrent: {json.dumps(figures)}")
        return {"concurrent": figures}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--jobs", type=int, default=200)
    parser.add_argument("--concurrent", type=int, default=50)
    parser.add_argument("--workers", type=int, default=8, help="max_concurrent_tasks, part 1")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if args.serve:
        serve(sys.stdout)
        return

    from video_studio.adapters.registry import AdapterRegistry  # noqa: PLC0415

    results: dict[str, Any] = {"python": sys.version.split()[0], "cpus": os.cpu_count()}
    with tempfile.TemporaryDirectory(prefix="adapter-overhead-") as folder:
        work = Path(folder)
        # A project's worth of photos: each is checked once, then sent again and again.
        photos = [write_photo(work / f"product{n}.jpg", n) for n in range(PHOTOS)]
        emulators = EmulatorProcess()
        try:
            bench = Bench(emulators, work, photos, args)
            config = make_config(emulators.addresses, work, args.workers)
            registry = AdapterRegistry(discover_plugins=False)
            results.update(bench.full_stack(config, registry))
            results.update(bench.workflow_alone(config))
            results.update(bench.concurrent(registry))
        finally:
            emulators.close()
    target = OUT / "results" / "adapter_overhead.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(results, indent=1))
    m = results
    print(
        f"\nThe adapter layer adds {m['layer_adds_ms_per_job_median']:.2f} ms CPU per job "
        f"and {m['layer_adds_ms_per_poll_median']:.2f} ms per status poll to bare httpx "
        f"(ours {m['ours_cpu_ms_per_job_beyond_polls_median']:.2f} + "
        f"{m['ours_cpu_ms_per_poll_median']:.2f}/poll, direct "
        f"{m['direct_cpu_ms_per_job_beyond_polls_median']:.2f} + "
        f"{m['direct_cpu_ms_per_poll_median']:.2f}/poll; workflow alone "
        f"{m['workflow_alone_cpu_ms_per_job_median']:.2f} ms); {args.concurrent} concurrent: "
        f"thread leak {m['concurrent']['thread_leak']}, fd leak {m['concurrent']['fd_leak']}; "
        f"results in {target}"
    )


if __name__ == "__main__":
    main()
