"""Quality checks on our renderer's output (not timed).

  .venv/bin/python bench/quality.py [--only verify,script,motion,static,color]

Runs in the project's venv (it imports video_studio); renders through the `video-studio`
command line, decodes with PyAV, measures with OpenCV / NumPy.

verify  the reference verify.py (in the references' venv) on our job-A output (and job B's,
        if run_job_b.py made it): frame count, duration, x264 options, PSNR against the
        reference render, audio fades. Must pass.
script  our job-A scene script against the reference timeline: for all 900 frames, the
        engine's window of every visible scene vs common.crop_rect, and the crossfade weights.
motion  sub-pixel motion: a textured 2000x2000 image panned slowly (0.1 and 0.2 output px per
        frame, zoom 1.15, 60 frames), each frame-to-frame shift measured on luma by phase
        correlation (Hanning window) and by ECC (MOTION_TRANSLATION), against the intended
        path. The same measurement on an exact float bilinear reference shows the bias of the
        measurement itself; a whole-pixel-snapped reference shows what jitter looks like.
static  a static cover-fit scene (lossless PNG source) at CRF 10 vs the exact expected crop
        (float bilinear at the engine's pixel-centre positions): PSNR per plane.
color   BT.709 tags of the stream (PyAV and the ffmpeg CLI's reading), a mid-grey input
        decoded to RGB (must be within 2 levels), colour patches decoded with BT.709 vs BT.601.
"""

from __future__ import annotations

import argparse
import itertools
import re
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import av
import common_paths as paths
import cv2
import job_scripts
import numpy as np
import timing

from video_studio.render.color import RGB_TO_YUV
from video_studio.render.compositor import Compositor
from video_studio.render.scenes import ImageRenderer, make_renderer, motion_progress
from video_studio.script import load_script

Planes = tuple[np.ndarray, np.ndarray, np.ndarray]

W, H = 1920, 1080
MAX_MOTION_DEV = 0.1
MIN_STATIC_PSNR = 40.0
MAX_GREY_ERROR = 2.0

# --- helpers -----------------------------------------------------------------------------


def render(script: Path, out: Path, crf: int, preset: str = "veryfast") -> Path:
    cmd: list[str | Path] = [
        paths.APP_CLI,
        "render",
        script,
        "-o",
        out,
        "--crf",
        str(crf),
        "--preset",
        preset,
    ]
    timing.run(f"quality_{out.stem}", [*cmd, "-q"])
    return out


def decoded_planes(path: Path) -> Iterator[Planes]:
    """Every frame's Y, U, V planes exactly as decoded (no conversion)."""
    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            assert frame.format.name == "yuv420p", frame.format.name
            h, w = frame.height, frame.width
            flat = frame.to_ndarray()  # (h * 3 / 2, w): Y then U then V
            chroma = flat[h:].reshape(-1)
            q = (h // 2) * (w // 2)
            yield (
                flat[:h],
                chroma[:q].reshape(h // 2, w // 2),
                chroma[q:].reshape(h // 2, w // 2),
            )


def rgb_to_yuv_float(rgb: np.ndarray) -> Planes:
    """RGB uint8 -> float Y, U, V at full size with the engine's BT.709 limited matrix,
    without the rounding to uint8."""
    flat = rgb.reshape(-1, 3).astype(np.float64)
    yuv = flat @ RGB_TO_YUV[:, :3].T + RGB_TO_YUV[:, 3]
    h, w = rgb.shape[:2]
    return yuv[:, 0].reshape(h, w), yuv[:, 1].reshape(h, w), yuv[:, 2].reshape(h, w)


def box2(plane: np.ndarray) -> np.ndarray:
    """2x2 mean (chroma subsampling sited at the block centre), float."""
    h, w = plane.shape
    blocks = plane[: h // 2 * 2, : w // 2 * 2].reshape(h // 2, 2, w // 2, 2)
    return np.asarray(blocks.mean(axis=(1, 3)), dtype=np.float64)


def _axis(coords: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    c = np.clip(coords, 0.0, n - 1.0)  # outside the source: its edge (BORDER_REPLICATE)
    i0 = np.floor(c).astype(np.intp)
    i1 = np.minimum(i0 + 1, n - 1)
    return i0, i1, c - i0


def bilinear(
    src: np.ndarray, origin: tuple[float, float], scale: float, size: tuple[int, int]
) -> np.ndarray:
    """Exact float64 bilinear sampling: output pixel (u, v) samples src at
    origin + ((u, v) + 0.5) / scale - 0.5 (the engine's pixel-centre convention)."""
    out_w, out_h = size
    xs = origin[0] + (np.arange(out_w) + 0.5) / scale - 0.5
    ys = origin[1] + (np.arange(out_h) + 0.5) / scale - 0.5
    x0, x1, fx = _axis(xs, src.shape[1])
    y0, y1, fy = _axis(ys, src.shape[0])
    rows = src[y0] * (1.0 - fy)[:, None] + src[y1] * fy[:, None]
    return np.asarray(rows[:, x0] * (1.0 - fx) + rows[:, x1] * fx, dtype=np.float64)


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return float(10 * np.log10(255.0**2 / max(mse, 1e-12)))


def write_png(path: Path, rgb: np.ndarray) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    return path


def scene_script(
    name: str,
    image: Path,
    seconds: float,
    motion: dict[str, Any],
) -> Path:
    scene = {
        "image": str(image),
        "duration": seconds,
        "motion": motion,
        "fit": "cover",
        "transition": {"type": "cut", "duration": 0},
    }
    return job_scripts.write(name, job_scripts.storyboard(name, [scene]))


# --- verify ------------------------------------------------------------------------------


def check_verify(lines: list[str], data: dict[str, Any]) -> None:
    targets = [paths.output("ours_A_veryfast.mp4")]
    if not targets[0].exists():
        render(job_scripts.job_a(), targets[0], 20)
    b = paths.output("ours_B_veryfast.mp4")
    if b.exists():
        targets.append(b)
    result = subprocess.run(
        [str(paths.REF_PY), str(paths.ref_script("verify.py")), *map(str, targets)],
        capture_output=True,
        text=True,
        env=paths.bench_env(),
        check=False,
    )
    ok = result.returncode == 0
    data["verify"] = {"ok": ok, "output": result.stdout + result.stderr}
    lines += [
        "#### verify.py on our outputs",
        "",
        "```",
        *(result.stdout + result.stderr).strip().splitlines(),
        "```",
        "",
        f"verify.py exit {result.returncode}: {timing.verdict(ok)}.",
        "",
    ]


# --- script equivalence ------------------------------------------------------------------


def check_script(lines: list[str], data: dict[str, Any]) -> None:
    ref = paths.ref()
    storyboard = load_script(job_scripts.job_a())
    compositor = Compositor(storyboard)
    renderers = {
        item.position: make_renderer(item, compositor.context) for item in compositor.timeline.items
    }
    worst_px, worst_weight, layers_ok = 0.0, 0.0, True
    for n in range(ref.N_FRAMES):
        t = compositor.time_of(n)
        active = compositor.timeline.active(t)
        expected = ref.frame_layers(n)
        if len(active) != len(expected):
            layers_ok = False
            continue
        for entry, (i, k, _) in zip(active, expected, strict=True):
            renderer = renderers[entry.item.position]
            assert isinstance(renderer, ImageRenderer)
            if entry.item.position != i:
                layers_ok = False
            window = renderer.path_.at(motion_progress(entry.item, entry.local_time, ref.FPS))
            worst_px = max(
                worst_px, *(abs(a - b) for a, b in zip(window, ref.crop_rect(i, k), strict=True))
            )
        if len(active) == 2:
            q = (t - active[1].item.start) / active[0].item.overlap
            worst_weight = max(worst_weight, abs(q - expected[1][2]))
    ok = layers_ok and worst_px < 1e-6 and worst_weight < 1e-9
    data["script"] = {"layers_ok": layers_ok, "worst_px": worst_px, "worst_weight": worst_weight}
    lines += [
        "#### Our job-A script vs the reference timeline (all 900 frames)",
        "",
        f"Same scenes visible in every frame: {layers_ok}; largest difference of a window "
        f"coordinate from `common.crop_rect`: {worst_px:.2e} px; of a crossfade weight: "
        f"{worst_weight:.2e}. {timing.verdict(ok)}.",
        "",
    ]


# --- sub-pixel motion --------------------------------------------------------------------

MOTION_FRAMES = 60
MOTION_ZOOM = 1.15
MOTION_X0 = 100.0  # source px


def texture(size: int = 2000, seed: int = 7) -> np.ndarray:
    """Band-limited grey texture (noise at three scales), RGB uint8."""
    rng = np.random.default_rng(seed)
    acc = np.zeros((size, size), np.float32)
    for sigma, weight in ((1.5, 1.0), (4.0, 1.6), (12.0, 2.5)):
        noise = rng.normal(0.0, 1.0, (size, size)).astype(np.float32)
        blurred = cv2.GaussianBlur(noise, (0, 0), sigma)
        acc += weight * blurred / blurred.std()
    acc = (acc - acc.mean()) / acc.std()
    grey = np.clip(128 + 40 * acc, 20, 235).astype(np.uint8)
    return np.dstack([grey, grey, grey])


@dataclass(frozen=True)
class Pan:
    speed: float  # output px per frame (content moves left)
    src: int
    window_w: float
    window_h: float
    y: float

    @property
    def scale(self) -> float:
        return W / self.window_w

    @property
    def step_src(self) -> float:
        return self.speed / self.scale

    def x(self, k: int) -> float:
        return MOTION_X0 + self.step_src * k

    def motion(self) -> dict[str, Any]:
        s = self.src
        last = self.x(MOTION_FRAMES - 1)
        size = [self.window_w / s, self.window_h / s]
        return {
            "type": "ken_burns",
            "start": [MOTION_X0 / s, self.y / s, *size],
            "end": [last / s, self.y / s, *size],
            "easing": "linear",
        }


def make_pan(speed: float, src: int) -> Pan:
    w = src / MOTION_ZOOM
    h = w * H / W
    return Pan(speed, src, w, h, (src - h) / 2)


def measure_region(y: np.ndarray) -> np.ndarray:
    """The central 1280x720 of a luma plane, float32."""
    h, w = y.shape
    return np.ascontiguousarray(
        y[(h - 720) // 2 : (h + 720) // 2, (w - 1280) // 2 : (w + 1280) // 2]
    )


ECC_CRITERIA = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 200, 1e-7)


def ecc_shift(template: np.ndarray, moved_from: np.ndarray, guess: float) -> float:
    """Horizontal content displacement d with template(x) = moved_from(x - d), by ECC
    (MOTION_TRANSLATION, started at `guess`)."""
    initial = np.array([[1, 0, -guess], [0, 1, 0]], np.float32)
    no_mask: Any = None  # (OpenCV's stubs do not admit the optional mask)
    _, warp = cv2.findTransformECC(
        template, moved_from, initial, cv2.MOTION_TRANSLATION, ECC_CRITERIA, no_mask, 5
    )
    return -float(warp[0, 2])  # ECC finds moved_from(x + tx) = template(x)


@dataclass
class MotionMeasure:
    pc_steps: np.ndarray  # frame k -> k+1, phase correlation
    ecc_steps: np.ndarray  # frame k -> k+1, ECC
    ecc_path: np.ndarray  # frame 0 -> k, ECC (position along the path)


def measure_motion(frames: list[np.ndarray], speed: float) -> MotionMeasure:
    """Horizontal content displacement (px; negative = moved left)."""
    window = cv2.createHanningWindow(frames[0].shape[::-1], cv2.CV_32F)
    pc, ecc = [], []
    for prev, cur in itertools.pairwise(frames):
        (dx, _), _ = cv2.phaseCorrelate(prev, cur, window)
        pc.append(dx)
        ecc.append(ecc_shift(cur, prev, -speed))
    path = [ecc_shift(frames[k], frames[0], -speed * k) for k in range(1, len(frames))]
    return MotionMeasure(np.array(pc), np.array(ecc), np.array(path))


def reference_frames(
    y_src: np.ndarray, pan: Pan, snap: bool = False, quantize: bool = False
) -> list[np.ndarray]:
    frames = []
    for k in range(MOTION_FRAMES):
        x = round(pan.x(k)) if snap else pan.x(k)
        plane = bilinear(y_src, (x, pan.y), pan.scale, (W, H))
        if quantize:
            plane = np.round(plane)
        frames.append(measure_region(plane.astype(np.float32)))
    return frames


def encode_reference(y_src: np.ndarray, pan: Pan, crf: int, out: Path) -> list[np.ndarray]:
    """The exact reference rounded to uint8 (grey: U = V = 128), encoded with the same x264
    settings as ours through PyAV, decoded: what the encoder alone does to the motion."""
    with av.open(str(out), "w") as container:
        stream = container.add_stream(
            "libx264", rate=30, options={"crf": str(crf), "preset": "veryfast"}
        )
        stream.width, stream.height, stream.pix_fmt = W, H, "yuv420p"
        stream.codec_context.thread_type = "FRAME"
        buffer = np.full((H * 3 // 2, W), 128, np.uint8)
        for k in range(MOTION_FRAMES):
            plane = bilinear(y_src, (pan.x(k), pan.y), pan.scale, (W, H))
            buffer[:H] = np.clip(np.round(plane), 0, 255).astype(np.uint8)
            frame = av.VideoFrame.from_ndarray(buffer, format="yuv420p")
            frame.pts = k
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return [measure_region(p[0].astype(np.float32)) for p in decoded_planes(out)]


def motion_sources(
    pan: Pan, y_src: np.ndarray, script: Path, name: str
) -> dict[str, Callable[[], list[np.ndarray]]]:
    compositor = Compositor(load_script(script))

    def ours_rendered() -> list[np.ndarray]:
        return [
            measure_region(compositor.frame(compositor.time_of(k)).y.astype(np.float32))
            for k in range(MOTION_FRAMES)
        ]

    def ours_encoded(crf: int) -> Callable[[], list[np.ndarray]]:
        def make() -> list[np.ndarray]:
            out = render(script, paths.QUALITY / f"{name}_crf{crf}.mp4", crf)
            return [measure_region(p[0].astype(np.float32)) for p in decoded_planes(out)]

        return make

    return {
        REFERENCE: lambda: reference_frames(y_src, pan),
        "float reference rounded to uint8": lambda: reference_frames(y_src, pan, quantize=True),
        "control: reference snapped to whole source px": lambda: reference_frames(
            y_src, pan, snap=True
        ),
        "control: reference encoded CRF 20 veryfast (PyAV), decoded": lambda: encode_reference(
            y_src, pan, 20, paths.QUALITY / f"{name}_reference_crf20.mp4"
        ),
        "ours, rendered (in-process, before encoding)": ours_rendered,
        "ours, encoded CRF 10 veryfast, decoded": ours_encoded(10),
        "ours, encoded CRF 20 veryfast, decoded": ours_encoded(20),
    }


REFERENCE = "exact float reference"


def check_motion(lines: list[str], data: dict[str, Any]) -> None:
    rgb = texture()
    image = write_png(paths.QUALITY / "texture.png", rgb)
    y_src, _, _ = rgb_to_yuv_float(rgb)
    rows: list[list[str]] = []
    results: dict[str, Any] = {}
    worst: dict[str, float] = {}  # (kind of figure) -> largest value over both speeds

    def note(key: str, value: float) -> None:
        worst[key] = max(worst.get(key, 0.0), value)

    for speed in (0.1, 0.2):
        pan = make_pan(speed, rgb.shape[1])
        name = f"pan_{speed:g}"
        script = scene_script(name, image, MOTION_FRAMES / 30, pan.motion())
        intended_path = -speed * np.arange(1, MOTION_FRAMES)
        reference: MotionMeasure | None = None
        for label, make in motion_sources(pan, y_src, script, name).items():
            frames = make()
            assert len(frames) == MOTION_FRAMES, (label, len(frames))
            m = measure_motion(frames, speed)
            if reference is None:
                reference = m  # the first source is the exact reference
            pc_dev = m.pc_steps + speed
            pc_rel = m.pc_steps - reference.pc_steps
            ecc_dev = m.ecc_steps + speed
            path_dev = m.ecc_path - intended_path
            results[f"{speed}/{label}"] = {
                "pc_steps": m.pc_steps.tolist(),
                "ecc_steps": m.ecc_steps.tolist(),
                "ecc_path": m.ecc_path.tolist(),
            }
            ecc_max = max(float(np.abs(ecc_dev).max()), float(np.abs(path_dev).max()))
            kind = label.split(",")[0] if label.startswith("control") else label
            note(f"ecc/{kind}", ecc_max)
            note(f"pc/{kind}", float(np.abs(pc_rel).max()))
            rows.append(
                [
                    f"{speed:g}",
                    label,
                    f"{pc_dev.mean():+.3f}",
                    f"{np.abs(pc_dev).max():.3f}",
                    f"{np.abs(pc_rel).max():.3f}",
                    f"{ecc_dev.mean():+.4f}",
                    f"{np.sqrt(np.mean(ecc_dev**2)):.4f}",
                    f"{np.abs(ecc_dev).max():.4f}",
                    f"{np.abs(path_dev).max():.4f}",
                ]
            )
    rendered = "ours, rendered (in-process, before encoding)"
    encoded = "ours, encoded CRF 20 veryfast, decoded"
    control = "control: reference encoded CRF 20 veryfast (PyAV)"
    ok = worst[f"ecc/{rendered}"] < MAX_MOTION_DEV
    pc_ok = worst[f"pc/{rendered}"] < MAX_MOTION_DEV
    # Encoded: x264 moves the picture by itself; ours must not add to what it does to the
    # exact reference (within the ECC's own resolution, ~0.03 px).
    encoded_ok = worst[f"ecc/{encoded}"] <= worst[f"ecc/{control}"] + 0.03
    data["motion"] = {"results": results, "worst": worst, "ok": ok and pc_ok}
    header = [
        "px/frame",
        "frames",
        "PC step: mean dev",
        "PC: max dev",
        "PC: max vs reference",
        "ECC step: mean dev",
        "ECC: RMS",
        "ECC: max dev",
        "ECC path: max dev",
    ]
    lines += [
        "#### Sub-pixel motion of a slow pan (central 1280x720 of the luma, 60 frames)",
        "",
        f"Texture 2000x2000 (noise at σ 1.5/4/12 px), window zoom {MOTION_ZOOM} (scale "
        f"{W / (2000 / MOTION_ZOOM):.4f} output px per source px), panned right at the speed "
        "shown (the content moves left). Step: frame k → k+1 (59 steps); dev = measured − "
        "intended, in output px. PC = cv2.phaseCorrelate with a Hanning window; "
        "'max vs reference' = the largest per-step difference from PC's reading of the exact "
        "reference (its bias removed). ECC = cv2.findTransformECC, MOTION_TRANSLATION; path = "
        "frame 0 → frame k, against the intended position.",
        "",
        timing.markdown_table(header, rows),
        "",
        timing.markdown_table(
            ["target", "measured (worst of our rows)", "verdict"],
            [
                [
                    f"rendered: deviation < {MAX_MOTION_DEV} px (ECC, steps and path)",
                    f"{worst[f'ecc/{rendered}']:.4f} px",
                    timing.verdict(ok),
                ],
                [
                    f"rendered: deviation < {MAX_MOTION_DEV} px (PC, vs its reading of the "
                    "reference)",
                    f"{worst[f'pc/{rendered}']:.4f} px",
                    timing.verdict(pc_ok),
                ],
                [
                    f"encoded CRF 20: deviation < {MAX_MOTION_DEV} px (ECC)",
                    f"{worst[f'ecc/{encoded}']:.4f} px",
                    timing.verdict(worst[f"ecc/{encoded}"] < MAX_MOTION_DEV),
                ],
                [
                    "encoded CRF 20: no worse than x264 on the exact reference (ECC, +0.03)",
                    f"{worst[f'ecc/{encoded}']:.4f} vs {worst[f'ecc/{control}']:.4f} px",
                    timing.verdict(encoded_ok),
                ],
            ],
        ),
        "",
    ]


# --- static scene PSNR -------------------------------------------------------------------


def expected_static(rgb: np.ndarray, window: tuple[float, float, float, float]) -> Planes:
    """The exact frame: float BT.709 planes, chroma 2x2-averaged, float bilinear sampling at
    the engine's pixel-centre positions (chroma at half the origin, same scale)."""
    x, y, w, _ = window
    scale = W / w
    yf, uf, vf = rgb_to_yuv_float(rgb)
    luma = bilinear(yf, (x, y), scale, (W, H))
    u = bilinear(box2(uf), (x / 2, y / 2), scale, (W // 2, H // 2))
    v = bilinear(box2(vf), (x / 2, y / 2), scale, (W // 2, H // 2))
    return luma, u, v


def plane_psnrs(got: Planes, expected: Planes) -> dict[str, float]:
    result = {name: psnr(g, e) for name, g, e in zip("YUV", got, expected, strict=True)}
    sq = sum(
        float(np.sum((g.astype(np.float64) - e) ** 2)) for g, e in zip(got, expected, strict=True)
    )
    count = sum(g.size for g in got)
    result["all"] = 10 * np.log10(255.0**2 / max(sq / count, 1e-12))
    return result


def check_static(lines: list[str], data: dict[str, Any]) -> None:
    ref = paths.ref()
    bgr = cv2.imread(ref.image_paths()[3])
    assert bgr is not None
    rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
    image = write_png(paths.QUALITY / "product_3.png", rgb)  # lossless: one decoder for all
    script = scene_script("static", image, 1.0, {"type": "static"})
    band_h = rgb.shape[1] * H / W
    window = (0.0, (rgb.shape[0] - band_h) / 2, float(rgb.shape[1]), band_h)
    expected = expected_static(rgb, window)
    compositor = Compositor(load_script(script))
    rendered = compositor.frame(compositor.time_of(15)).planes
    rows = [["ours, rendered (in-process, before encoding)", plane_psnrs(rendered, expected)]]
    for crf in (10, 20):
        out = render(script, paths.QUALITY / f"static_crf{crf}.mp4", crf)
        frames = list(decoded_planes(out))
        rows.append(
            [f"ours, CRF {crf} veryfast, decoded frame 15", plane_psnrs(frames[15], expected)]
        )
    table = [
        [label, *(f"{p[k]:.2f}" for k in ("Y", "U", "V", "all"))]
        for label, p in rows
        if isinstance(label, str) and isinstance(p, dict)
    ]
    crf10 = rows[1][1]
    assert isinstance(crf10, dict)
    ok = crf10["all"] >= MIN_STATIC_PSNR and crf10["Y"] >= MIN_STATIC_PSNR
    data["static"] = {"rows": rows, "ok": ok}
    lines += [
        "#### Static scene vs the exact expected crop (PSNR, dB)",
        "",
        "Source: product_3 as a lossless PNG (2000x2000), `static` motion, cover fit: the "
        "window (0, 437.5, 2000, 1125) at scale 0.96. Expected: float BT.709 planes, chroma "
        "2x2-averaged, exact float bilinear sampling at the pixel centres (chroma: half the "
        "origin, same scale); 'all' pools the squared error of every 4:2:0 sample.",
        "",
        timing.markdown_table(["frame", "Y", "U", "V", "all"], table),
        "",
        timing.markdown_table(
            ["target", "measured (CRF 10: Y / all)", "verdict"],
            [
                [
                    f"PSNR ≥ {MIN_STATIC_PSNR:g} dB at CRF 10",
                    f"{crf10['Y']:.2f} / {crf10['all']:.2f} dB",
                    timing.verdict(ok),
                ]
            ],
        ),
        "",
    ]


# --- colour ------------------------------------------------------------------------------


def yuv_to_rgb(planes: Planes, kr: float, kb: float) -> np.ndarray:
    """Limited-range Y'CbCr (chroma upsampled by repetition) -> float RGB, for a matrix."""
    y, u, v = (p.astype(np.float64) for p in planes)
    u = np.repeat(np.repeat(u, 2, 0), 2, 1)
    v = np.repeat(np.repeat(v, 2, 0), 2, 1)
    kg = 1 - kr - kb
    yy = (y - 16) * 255 / 219
    cb = (u - 128) * 255 / 224
    cr = (v - 128) * 255 / 224
    r = yy + 2 * (1 - kr) * cr
    b = yy + 2 * (1 - kb) * cb
    g = (yy - kr * r - kb * b) / kg
    return np.dstack([r, g, b])


def ffmpeg_stream_line(path: Path) -> str:
    exe = subprocess.run(
        [str(paths.REF_PY), "-c", "import imageio_ffmpeg; print(imageio_ffmpeg.get_ffmpeg_exe())"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    probe = subprocess.run(
        [exe, "-hide_banner", "-i", str(path)], capture_output=True, text=True, check=False
    )
    match = re.search(r"Video: (.*)", probe.stderr)
    return match.group(1).strip() if match else "?"


def tags(path: Path) -> dict[str, Any]:
    with av.open(str(path)) as container:
        cc = container.streams.video[0].codec_context
        frame = next(container.decode(video=0))
        return {
            "colorspace": int(cc.colorspace),
            "color_primaries": int(cc.color_primaries),
            "color_trc": int(cc.color_trc),
            "color_range": int(cc.color_range),
            "frame_colorspace": int(frame.colorspace),
            "frame_color_range": int(frame.color_range),
        }


PATCHES = [(128, 128, 128), (200, 60, 40), (40, 110, 200), (30, 160, 90), (230, 170, 30)]


def check_color(lines: list[str], data: dict[str, Any]) -> None:
    job_a_out = paths.output("ours_A_veryfast.mp4")
    if not job_a_out.exists():
        render(job_scripts.job_a(), job_a_out, 20)
    job_tags = tags(job_a_out)
    tags_ok = (
        job_tags["colorspace"] == 1
        and job_tags["color_primaries"] == 1
        and job_tags["color_trc"] == 1
        and job_tags["color_range"] == 1
    )
    # Patches side by side (one bar each), a static scene at the default CRF 20.
    bar = 400
    rgb = np.zeros((2000, 2000, 3), np.uint8)
    for index, colour in enumerate(PATCHES):
        rgb[:, index * bar : (index + 1) * bar] = colour
    image = write_png(paths.QUALITY / "patches.png", rgb)
    script = scene_script("patches", image, 1.0, {"type": "static"})
    out = render(script, paths.QUALITY / "patches_crf20.mp4", 20)
    planes = list(decoded_planes(out))[15]
    with av.open(str(out)) as container:
        pyav_rgb = next(container.decode(video=0)).to_ndarray(format="rgb24").astype(np.float64)
    decodes = {
        "BT.709 (ours)": yuv_to_rgb(planes, 0.2126, 0.0722),
        "BT.601 (wrong matrix)": yuv_to_rgb(planes, 0.299, 0.114),
        "PyAV to_ndarray('rgb24')": pyav_rgb,
    }
    # Patch centres in the output: the window is the 2000x1125 band at scale 0.96.
    rows = []
    grey_errors: dict[str, float] = {}
    for index, colour in enumerate(PATCHES):
        cx = round((index + 0.5) * bar * W / 2000)
        cells = [f"{colour}"]
        y_mean = float(planes[0][H // 2 - 20 : H // 2 + 20, cx - 20 : cx + 20].mean())
        u_mean = float(planes[1][H // 4 - 10 : H // 4 + 10, cx // 2 - 10 : cx // 2 + 10].mean())
        v_mean = float(planes[2][H // 4 - 10 : H // 4 + 10, cx // 2 - 10 : cx // 2 + 10].mean())
        cells.append(f"{y_mean:.1f} / {u_mean:.1f} / {v_mean:.1f}")
        for label, decoded in decodes.items():
            patch = decoded[H // 2 - 20 : H // 2 + 20, cx - 20 : cx + 20].reshape(-1, 3)
            mean = patch.mean(axis=0)
            error = float(np.abs(mean - np.array(colour)).max())
            cells.append(f"({mean[0]:.1f}, {mean[1]:.1f}, {mean[2]:.1f}) ±{error:.1f}")
            if index == 0:
                grey_errors[label] = float(np.abs(patch - 128.0).max())
        rows.append(cells)
    grey_ok = max(grey_errors.values()) <= MAX_GREY_ERROR
    stream_line = ffmpeg_stream_line(job_a_out)
    data["color"] = {
        "tags": job_tags,
        "ffmpeg": stream_line,
        "grey_errors": grey_errors,
        "rows": rows,
        "ok": tags_ok and grey_ok,
    }
    grey_text = ", ".join(f"{k} {v:.1f}" for k, v in grey_errors.items())
    lines += [
        "#### Colour: BT.709 tags and decoded values",
        "",
        f"Job-A output, PyAV codec context: colorspace {job_tags['colorspace']}, primaries "
        f"{job_tags['color_primaries']}, trc {job_tags['color_trc']}, range "
        f"{job_tags['color_range']} (1 = BT.709 / limited); first decoded frame: colorspace "
        f"{job_tags['frame_colorspace']}, range {job_tags['frame_color_range']}. "
        f"ffmpeg CLI reads: `{stream_line}`.",
        "",
        "Patches (static scene, CRF 20 veryfast, mean of a 40x40 block at each patch centre; "
        "± = largest channel error of the mean):",
        "",
        timing.markdown_table(["input RGB", "decoded Y / U / V", *decodes], rows),
        "",
        timing.markdown_table(
            ["target", "measured", "verdict"],
            [
                [
                    "stream tagged BT.709, limited range",
                    f"{job_tags['colorspace']}/{job_tags['color_primaries']}/"
                    f"{job_tags['color_trc']}, range {job_tags['color_range']}",
                    timing.verdict(tags_ok),
                ],
                [
                    f"mid-grey decodes within {MAX_GREY_ERROR:g} levels (every pixel of the block)",
                    grey_text,
                    timing.verdict(grey_ok),
                ],
            ],
        ),
        "",
    ]


CHECKS: dict[str, Callable[[list[str], dict[str, Any]], None]] = {
    "verify": check_verify,
    "script": check_script,
    "motion": check_motion,
    "static": check_static,
    "color": check_color,
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", default=",".join(CHECKS), help="comma-separated: " + ",".join(CHECKS))
    a = ap.parse_args()
    paths.ensure_dirs()
    lines = ["### Quality checks on our output", ""]
    data: dict[str, Any] = {}
    for name in a.only.split(","):
        print(f"quality: {name}", flush=True)
        CHECKS[name](lines, data)
    timing.save("quality", data, "\n".join(lines))


if __name__ == "__main__":
    main()
