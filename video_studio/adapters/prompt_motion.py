"""Free-text prompts (English or Chinese) to a camera motion for the local engine.

Cloud models read the prompt themselves; the local engine reads it here. The first motion
the prompt names wins ("zoom in, then hold" zooms in); a motion word right after a negation
("no zoom", "不要放大") is skipped. Speed words change the amount: "slow", "gentle",
"subtle", "缓慢" make it smaller, "fast", "dramatic", "punchy", "快速" larger. A prompt that
names no motion gets `auto` (a push in toward the product). Any text gives a valid spec.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import Enum

from video_studio.models import Easing, MotionSpec, MotionType

DEFAULT_AMOUNT = 0.15
GENTLE_AMOUNT = 0.07
STRONG_AMOUNT = 0.3


class Cue(Enum):
    """What a prompt asks the camera to do: a motion preset, or an orbit (an arc)."""

    ZOOM_IN = MotionType.ZOOM_IN.value
    ZOOM_OUT = MotionType.ZOOM_OUT.value
    PAN_LEFT = MotionType.PAN_LEFT.value
    PAN_RIGHT = MotionType.PAN_RIGHT.value
    PARALLAX = MotionType.PARALLAX.value
    STATIC = MotionType.STATIC.value
    ORBIT = "orbit"


def _english(*phrases: str) -> str:
    """Phrases as whole words; a space matches any run of spaces, hyphens or underscores."""
    words = "|".join(phrase.replace(" ", r"[\s_-]*") for phrase in phrases)
    return rf"(?<![a-z0-9])(?:{words})(?![a-z0-9])"


def _chinese(*phrases: str) -> str:
    return "|".join(re.escape(phrase) for phrase in phrases)


_VERB = r"(?:s|es|ing|ed)?"  # "zooms in", "pushing in", "panned left"

_CUE_PATTERNS: tuple[tuple[Cue, re.Pattern[str]], ...] = tuple(
    (cue, re.compile(pattern))
    for cue, pattern in (
        (
            Cue.ZOOM_IN,
            _english(
                f"push{_VERB} in",
                f"zoom{_VERB} in",
                f"dolly{_VERB} in",
                f"dollie{_VERB} in",
                f"move{_VERB} in",
                f"mov{_VERB} in",
                "close up",
                "closer",
                "zoom",
                "zooming",
            ),
        ),
        (Cue.ZOOM_IN, _chinese("推近", "推进", "拉近", "放大", "特写")),
        (
            Cue.ZOOM_OUT,
            _english(
                f"pull{_VERB} out",
                f"pull{_VERB} back",
                f"zoom{_VERB} out",
                f"dolly{_VERB} out",
                f"dollie{_VERB} out",
                "reveal",
                "widen",
            ),
        ),
        (Cue.ZOOM_OUT, _chinese("拉远", "缩小", "拉出", "后退")),
        (
            Cue.PAN_LEFT,
            _english(
                f"pan{_VERB} left",
                f"pann{_VERB} left",
                "pan to the left",
                f"truck{_VERB} left",
                f"slide{_VERB} left",
                f"track{_VERB} left",
                f"move{_VERB} left",
                "leftward",
                "leftwards",
            ),
        ),
        (Cue.PAN_LEFT, _chinese("左移", "向左", "往左", "左摇", "左平移")),
        (
            Cue.PAN_RIGHT,
            _english(
                f"pan{_VERB} right",
                f"pann{_VERB} right",
                "pan to the right",
                f"truck{_VERB} right",
                f"slide{_VERB} right",
                f"track{_VERB} right",
                f"move{_VERB} right",
                "rightward",
                "rightwards",
                "pan",
                "panning",
            ),
        ),
        (Cue.PAN_RIGHT, _chinese("右移", "向右", "往右", "右摇", "右平移", "平移")),
        (Cue.PARALLAX, _english("parallax", "2.5d", "2.5 d", "depth", "3d", "layered")),
        (Cue.PARALLAX, _chinese("视差", "景深", "立体")),
        (
            Cue.ORBIT,
            _english("orbit", "orbits", "orbiting", "arc", "arcs", "circle around", "move around"),
        ),
        (Cue.ORBIT, _chinese("环绕", "绕", "弧线", "旋转")),
        (
            Cue.STATIC,
            _english("static", "still(?! life)", "hold", "locked off", "no motion", "no movement"),
        ),
        (Cue.STATIC, _chinese("静止", "固定", "定格", "不动")),
    )
)

_GENTLE = re.compile(
    _english(
        "slow",
        "slowly",
        "gentle",
        "gently",
        "subtle",
        "subtly",
        "soft",
        "softly",
        "slight",
        "slightly",
        "calm",
        "smooth",
    )
    + "|"
    + _chinese("缓慢", "缓缓", "慢慢", "慢", "轻微", "轻柔", "柔和", "平缓")
)
_STRONG = re.compile(
    _english(
        "fast",
        "quick",
        "quickly",
        "rapid",
        "dramatic",
        "dramatically",
        "punchy",
        "dynamic",
        "energetic",
        "bold",
        "strong",
    )
    + "|"
    + _chinese("快速", "迅速", "快", "强烈", "动感", "戏剧")
)
_NEGATION = re.compile(
    r"(?:(?<![a-z0-9])(?:no|not|don'?t|do not|without|never|avoid)\s+(?:[a-z0-9.]+\s+)?"
    r"|(?:不要|不|别|无|没有))$"
)
_LEFT = re.compile(_english("left", "counterclockwise", "anticlockwise") + "|" + _chinese("左"))


@dataclass(frozen=True)
class _Match:
    start: int
    length: int
    cue: Cue


def normalise(prompt: str) -> str:
    """Lower case, full-width forms folded (ＺＯＯＭ, ２.５Ｄ), curly apostrophes straight."""
    text = unicodedata.normalize("NFKC", prompt).casefold()
    return text.replace("\u2019", "'")


def find_cue(prompt: str) -> Cue | None:
    """The first motion the prompt names (at one place, the longest phrase), if any."""
    text = normalise(prompt)
    found: list[_Match] = []
    for cue, pattern in _CUE_PATTERNS:
        for match in pattern.finditer(text):
            if _NEGATION.search(text[max(0, match.start() - 24) : match.start()]):
                continue
            found.append(_Match(match.start(), match.end() - match.start(), cue))
    if not found:
        return None
    return min(found, key=lambda m: (m.start, -m.length)).cue


def amount_for(prompt: str, base: float = DEFAULT_AMOUNT) -> float:
    """The motion's strength: smaller for gentle words, larger for strong ones, the base
    when the prompt says both or neither."""
    text = normalise(prompt)
    gentle = _GENTLE.search(text) is not None
    strong = _STRONG.search(text) is not None
    if gentle and not strong:
        return GENTLE_AMOUNT * base / DEFAULT_AMOUNT
    if strong and not gentle:
        return STRONG_AMOUNT * base / DEFAULT_AMOUNT
    return base


def orbit_motion(
    amount: float,
    *,
    leftward: bool = False,
    image_aspect: float = 1.0,
    frame_aspect: float = 1.0,
) -> MotionSpec:
    """An arc: the window travels across and up while it closes in, so the product seems to
    turn a little under a camera moving around it. The rectangles are made for the image's
    shape in the frame's (cover framing), so the zoom shows whatever the two shapes are."""
    amount = min(max(amount, 0.0), 0.5)
    if image_aspect > frame_aspect:  # wider image: the frame shows its full height
        base_w, base_h = frame_aspect / image_aspect, 1.0
    else:
        base_w, base_h = 1.0, image_aspect / frame_aspect
    shift_x, shift_y = amount * 0.5 * base_w, amount * 0.3 * base_h
    start = _rect(base_w, base_h, 1.0 / (1.0 + 0.4 * amount), 0.5 - shift_x, 0.5 + shift_y)
    end = _rect(base_w, base_h, 1.0 / (1.0 + amount), 0.5 + shift_x, 0.5 - shift_y)
    if leftward:
        start, end = _mirrored(start), _mirrored(end)
    return MotionSpec(type=MotionType.KEN_BURNS, start=start, end=end, easing=Easing.EASE_IN_OUT)


Rect = tuple[float, float, float, float]


def _rect(base_w: float, base_h: float, scale: float, cx: float, cy: float) -> Rect:
    """A window `scale` times the cover framing, centred near (cx, cy), inside the image."""
    w, h = min(1.0, base_w * scale), min(1.0, base_h * scale)
    x = min(max(cx - w / 2, 0.0), 1.0 - w)
    y = min(max(cy - h / 2, 0.0), 1.0 - h)
    return (x, y, w, h)


def _mirrored(rect: Rect) -> Rect:
    x, y, w, h = rect
    return (max(0.0, 1.0 - x - w), y, w, h)


def motion_from_prompt(
    prompt: str, *, image_aspect: float = 1.0, frame_aspect: float = 1.0
) -> MotionSpec:
    """The camera motion a prompt describes; `auto` when it names none. The aspects (width
    over height) shape an orbit's rectangles; the presets need none."""
    cue = find_cue(prompt)
    amount = amount_for(prompt)
    if cue is None:
        return MotionSpec(type=MotionType.AUTO, amount=amount)
    if cue is Cue.STATIC:
        return MotionSpec(type=MotionType.STATIC, amount=0.0)
    if cue is Cue.ORBIT:
        leftward = _LEFT.search(normalise(prompt)) is not None
        return orbit_motion(
            amount, leftward=leftward, image_aspect=image_aspect, frame_aspect=frame_aspect
        )
    return MotionSpec(type=MotionType(cue.value), amount=amount)


def choose_motion(
    motion: MotionSpec | None,
    prompt: str,
    *,
    image_aspect: float = 1.0,
    frame_aspect: float = 1.0,
) -> MotionSpec:
    """An explicit motion wins; otherwise the prompt's."""
    if motion is not None:
        return motion
    return motion_from_prompt(prompt, image_aspect=image_aspect, frame_aspect=frame_aspect)
