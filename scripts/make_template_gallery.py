"""The user guide's template gallery: docs/guide/templates.md and one picture per bundled
template, docs/guide/images/template-<id>.jpg, rendered by the real render engine.

    .venv/bin/python scripts/make_template_gallery.py          # pictures and page
    .venv/bin/python scripts/make_template_gallery.py --check  # exit 1 if out of date

Each picture is the frame in the middle of the first scene of a short video that the
template lays out from a demo photo (resources/demo/), with a caption in the template's own
text style and position, and the demo logo where the template puts a logo. The words of the
page come from the template files (resources/templates/*.yaml), so a template added or
changed there without running this script fails tests/docs/test_guide_current.py.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # run as a file: the repository's packages
    sys.path.insert(0, str(REPO_ROOT))

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from video_studio.models import (  # noqa: E402
    Easing,
    FitMode,
    MotionSpec,
    TextOverlay,
    Transition,
    TransitionType,
    VideoConfig,
)
from video_studio.render.compositor import Compositor  # noqa: E402
from video_studio.resources import demo_dir, template_dir  # noqa: E402
from video_studio.storyboard import Storyboard  # noqa: E402
from video_studio.templates import CardStyle, Template, TextStyle, load_templates  # noqa: E402

GUIDE = REPO_ROOT / "docs" / "guide"
PAGE = GUIDE / "templates.md"
IMAGES = GUIDE / "images"
# The demo photo each template is shown with (one that suits its purpose); others get
# DEFAULT_PHOTO, a square studio shot.
TEMPLATE_PHOTOS = {
    "amazon_minimal": "serum_cutout.png",
    "lifestyle_warm": "ceramic_mug.jpg",
    "luxury_dark": "wristwatch.jpg",
    "social_bold": "serum_lifestyle.jpg",
    "tech_clean": "gift_box.jpg",
}
DEFAULT_PHOTO = "serum_studio.jpg"
LOGO = "aura_logo.png"
CAPTION = "新品上市 · New arrival"
NAME = "AURA Radiance Serum"
VIDEO_SECONDS = 12.0
RENDER_SIZE = (1280, 720)  # rendered larger, then scaled down: crisp text
PICTURE_SIZE = (640, 360)
JPEG_QUALITY = 85

HEADER = """\
# Templates

A template is the look of a video: the background, how photos fill the frame, the camera
moves and transitions scenes get, how text looks and where it goes, the opening and closing
cards, and where your logo sits. Video Studio comes with the five below.

**Choosing one.** In the app, click an empty part of the timeline so that no scene is
selected: the Inspector shows the video's settings, and **Template** is the second field.
In a scene script, write `template_id: luxury_dark` (or `style: luxury`, see *Style names*
below).

**What a template decides, and what you decide.** Every scene setting left at *Template
default* in the Inspector (motion, fit, transition, text style) comes from the template,
so switching templates restyles those scenes at once. A setting you chose yourself stays
as you set it. Motions and transitions take turns: the first scene gets the template's
first motion, the second scene the second one, and so on, starting over when the list
ends. The last scene has no transition.

**Cards.** When Video Studio lays out a video from a list of photos (a scene script with
`input_images`, see [Scene scripts](scene-scripts.md)), it adds the template's opening and
closing cards, with `{name}` replaced by the video's name. A video that has its own cards
(`intro`, `outro` in a scene script, as the demo project has) shows them in the
template's card style.

Each picture below is a real frame from the render engine: one of the demo photos in the
middle of its first scene, with the caption "新品上市 · New arrival" in the template's
caption style and the demo logo where the template puts a logo. Text sizes are given in pixels of
a 1080-pixel-high video; they scale with the video.

<!-- Generated from resources/templates/*.yaml by scripts/make_template_gallery.py: do not
edit by hand, run `.venv/bin/python scripts/make_template_gallery.py` after changing a
template. -->
"""

_FIT_WORDS = {
    FitMode.COVER: "fill the frame; what sticks out is cropped",
    FitMode.CONTAIN: "shown whole, on",
    FitMode.BLUR: "shown whole, over a blurred, enlarged copy of themselves",
}
_LIGHT = 0.6  # relative luminance above which text counts as light
_MOTION_WORDS = {
    "ken_burns": "a custom start-to-end move",
    "zoom_in": "zoom in",
    "zoom_out": "zoom out",
    "pan_left": "pan left",
    "pan_right": "pan right",
    "static": "still",
    "auto": "move toward the product",
    "parallax": "parallax",
}
_EASING_WORDS = {
    Easing.LINEAR: "steady",
    Easing.EASE_IN: "speeding up",
    Easing.EASE_OUT: "slowing down at the end",
    Easing.EASE_IN_OUT: "easing in and out",
}
_POSITION_WORDS = {
    "top": "at the top",
    "center": "in the middle",
    "bottom": "at the bottom",
    "top_left": "top left",
    "top_right": "top right",
    "bottom_left": "bottom left",
    "bottom_right": "bottom right",
}


def picture_path(template: Template, folder: Path = IMAGES) -> Path:
    return folder / f"template-{template.id}.jpg"


# --- the pictures -------------------------------------------------------------------------


def gallery_storyboard(template: Template) -> Storyboard:
    """A short video of the demo photo laid out by `template` (cards included), with the
    caption on its first scene and the demo logo as the watermark."""
    request = VideoConfig(
        template_id=template.id,
        input_images=[str(demo_dir() / TEMPLATE_PHOTOS.get(template.id, DEFAULT_PHOTO))],
        duration=VIDEO_SECONDS,
        text_overlays=[TextOverlay(content=CAPTION)],
    )
    storyboard = template.layout(request, name=NAME)
    storyboard.watermark = template.watermark_config(str(demo_dir() / LOGO))
    return storyboard.with_base_dir(demo_dir())


def frame_time(storyboard: Storyboard) -> float:
    """The middle of the first scene (after the opening card, if any)."""
    intro = storyboard.intro.duration if storyboard.intro is not None else 0.0
    return intro + storyboard.scenes[0].duration / 2


def render_picture(template: Template) -> Image.Image:
    """The gallery picture of `template`, PICTURE_SIZE, from the render engine."""
    storyboard = gallery_storyboard(template)
    rgb = Compositor(storyboard, size=RENDER_SIZE, template=template).frame_rgb(
        frame_time(storyboard)
    )
    picture = Image.fromarray(np.ascontiguousarray(rgb), "RGB")
    return picture.resize(PICTURE_SIZE, Image.Resampling.LANCZOS)


def save_picture(picture: Image.Image, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    picture.save(path, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)


# --- the words ----------------------------------------------------------------------------


def _percent(amount: float) -> str:
    return f"{amount * 100:.0f} %"


def _motion(motion: MotionSpec) -> str:
    words = _MOTION_WORDS[motion.type.value]
    if motion.type.value in ("zoom_in", "zoom_out", "pan_left", "pan_right", "auto"):
        words += f" {_percent(motion.amount)}"
    return f"{words}, {_EASING_WORDS[motion.easing]}"


def _transition(transition: Transition) -> str:
    seconds = f"{transition.duration:g} s"
    kind = transition.type
    if kind is TransitionType.FADE_COLOR:
        return f"fade through `{transition.color}` ({seconds})"
    if kind in (TransitionType.SLIDE, TransitionType.PUSH, TransitionType.WIPE):
        return f"{kind.value} {transition.direction.value} ({seconds})"
    if kind is TransitionType.CUT:
        return "cut"
    return f"{kind.value} ({seconds})"


def _style(style: TextStyle) -> str:
    weight = "" if style.weight == "regular" else f"{style.weight} "
    words = f"{style.size:g} px {weight}{style.font}"
    if style.uppercase:
        words += " capitals"
    words += f", `{style.color}`"
    if style.box is not None:
        words += f" on a `{style.box.color}` box"
    if style.outline is not None:
        words += f" with a `{style.outline.color}` outline"
    if style.shadow is not None:
        words += " with a soft shadow"
    return words


def _photos(template: Template) -> str:
    words = _FIT_WORDS[template.fit]
    return f"{words} `{template.background}`" if template.fit is FitMode.CONTAIN else words


def _luminance(color: str) -> float:
    red, green, blue = (int(color[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def _caption_tip(style: TextStyle) -> str:
    """Advice when the captions have nothing behind them: light text needs dark photos."""
    if style.box is not None:
        return ""
    if _luminance(style.color) > _LIGHT:
        return "the captions are light and have no box behind them: use dark photos"
    return "the captions are dark and have no box behind them: use light photos"


def _card(label: str, card: CardStyle) -> str:
    texts = [f'"{text}"' for text in (card.title, card.subtitle) if text]
    background = f" on `{card.background}`" if card.background else ""
    return f"{label} {card.duration:g} s{background}: {' and '.join(texts) or 'logo only'}"


def describe(template: Template) -> str:
    """The template's gallery entry: heading, picture, description and its look in words."""
    caption_style = template.text_styles[template.default_text_style]
    cards = [
        _card(label, card)
        for label, card in (("opening card", template.intro), ("closing card", template.outro))
        if card is not None
    ]
    watermark = template.watermark
    styles = ", ".join(f"`{name}`" for name in template.text_styles)
    aliases = ", ".join(f'"{label}"' for label in template.styles)
    lines = [
        f"## {template.name}",
        "",
        f"![A frame of the {template.name} template](images/template-{template.id}.jpg)",
        "",
        " ".join(template.description.split()),
        "",
        f"- **Id**: `{template.id}`",
        f"- **Photos**: {_photos(template)}",
        f"- **Camera**: {'; '.join(_motion(m) for m in template.motions)}",
        f"- **Transitions**: {'; '.join(_transition(t) for t in template.transitions)}",
        f"- **Captions**: {_style(caption_style)}, "
        f"{_POSITION_WORDS[template.default_text_position.value]}",
        *([f"- **Tip**: {tip}"] if (tip := _caption_tip(caption_style)) else []),
        f"- **Text styles**: {styles}",
        f"- **Cards**: {'; '.join(cards) if cards else 'none'}",
        f"- **Logo**: {_POSITION_WORDS[watermark.position.value] if watermark else 'bottom right'}",
        f"- **Style names**: {aliases}",
    ]
    return "\n".join(lines) + "\n"


def render_page(templates: list[Template]) -> str:
    return "\n".join([HEADER, *(describe(template) for template in templates)])


# --- the command --------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Generate the template gallery of the guide.")
    parser.add_argument(
        "--check", action="store_true", help="only say if the page and pictures are current"
    )
    args = parser.parse_args(argv)
    templates = load_templates(template_dir())
    text = render_page(templates)
    if args.check:
        stale = [str(PAGE)] if not PAGE.is_file() or PAGE.read_text("utf-8") != text else []
        stale += [str(picture_path(t)) for t in templates if not picture_path(t).is_file()]
        if stale:
            print(f"out of date: {', '.join(stale)}; run {Path(__file__).name}", file=sys.stderr)
            return 1
        print("the template gallery is current")
        return 0
    for template in templates:
        path = picture_path(template)
        save_picture(render_picture(template), path)
        print(f"wrote {path} ({path.stat().st_size // 1024} KB)")
    PAGE.write_text(text, encoding="utf-8")
    print(f"wrote {PAGE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
