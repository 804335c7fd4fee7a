"""The user guide (docs/guide/) stays true to the app: the generated pages match what their
scripts make from the code now, the scene scripts it shows pass the real validator, every
error type and every script field is explained, and every link and picture exists."""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
from PIL import Image
from pydantic import BaseModel

from video_studio import cli
from video_studio.config import _MODEL_DEFAULTS, CONFIG_FILE_ENV, environment_variable_map
from video_studio.error_types import VideoStudioErrorType
from video_studio.models import AudioConfig, MotionSpec, Scene, TextOverlay, Transition
from video_studio.resources import demo_dir, template_dir
from video_studio.storyboard import CardConfig, Storyboard, WatermarkConfig
from video_studio.templates import load_templates

REPO_ROOT = Path(__file__).resolve().parents[2]


def _load_script(name: str) -> ModuleType:
    """A script of scripts/ as a module (scripts/ is not a package: mypy checks each script
    as a top-level module, so importing it under a package name would check it twice)."""
    spec = importlib.util.spec_from_file_location(name, REPO_ROOT / "scripts" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


gallery = _load_script("make_template_gallery")
GUIDE = REPO_ROOT / "docs" / "guide"
IMAGES = GUIDE / "images"
PAGES = (
    "README.md",
    "getting-started.md",
    "shortcuts.md",
    "templates.md",
    "scene-scripts.md",
    "cloud-models.md",
    "troubleshooting.md",
)
MAX_SCREENSHOT_BYTES = 300 * 1024
# Mean difference (0-255 per channel) allowed between a gallery picture and a fresh render:
# JPEG compression stays well below it; a changed template, photo or renderer does not.
MAX_GALLERY_DIFFERENCE = 4.0
_FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.DOTALL | re.MULTILINE)
_LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")


def page(name: str) -> str:
    return (GUIDE / name).read_text(encoding="utf-8")


def code_blocks(text: str, language: str) -> list[str]:
    return [body for lang, body in _FENCE.findall(text) if lang == language]


def anchor(heading: str) -> str:
    """GitHub's anchor for a Markdown heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


# --- generated pages ------------------------------------------------------------------------


def test_every_guide_page_exists_and_the_index_links_them() -> None:
    index = page("README.md")
    for name in PAGES:
        assert (GUIDE / name).is_file(), name
        if name != "README.md":
            assert f"({name})" in index, f"the guide's index does not link {name}"
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    assert "## User guide" in readme and "(docs/guide/README.md)" in readme


def test_shortcut_page_matches_the_action_registry() -> None:
    """Regenerated from the real window's registry (offscreen, in its own process)."""
    result = subprocess.run(
        [sys.executable, str(REPO_ROOT / "scripts" / "make_shortcuts_doc.py"), "--check"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    text = page("shortcuts.md")
    for keys in ("`Space`", "`J`", "`K`", "`L`", "`Left`", "`Right`", "`Ctrl+E`", "`Ctrl+G`"):
        assert keys in text


def test_template_gallery_has_every_bundled_template() -> None:
    templates = load_templates(template_dir())
    text = page("templates.md")
    assert text == gallery.render_page(templates), (
        "templates.md is out of date: run .venv/bin/python scripts/make_template_gallery.py"
    )
    for template in templates:
        assert f"## {template.name}\n" in text
        assert f"(images/template-{template.id}.jpg)" in text
        picture = gallery.picture_path(template, IMAGES)
        assert picture.is_file(), f"{picture} is missing: run make_template_gallery.py"
        with Image.open(picture) as image:
            assert image.format == "JPEG"
            assert image.size == gallery.PICTURE_SIZE
    made = {path.name for path in IMAGES.glob("template-*.jpg")}
    assert made == {f"template-{t.id}.jpg" for t in templates}, "a picture of no template"


def test_template_pictures_are_what_the_engine_renders_now() -> None:
    for template in load_templates(template_dir()):
        with Image.open(gallery.picture_path(template, IMAGES)) as stored:
            saved = np.asarray(stored.convert("RGB"), dtype=np.float32)
        fresh = np.asarray(gallery.render_picture(template), dtype=np.float32)
        difference = float(np.abs(saved - fresh).mean())
        assert difference < MAX_GALLERY_DIFFERENCE, (
            f"template-{template.id}.jpg differs from a fresh render by {difference:.1f}: "
            "run .venv/bin/python scripts/make_template_gallery.py"
        )


# --- scene scripts ----------------------------------------------------------------------------


def script_folder(tmp_path: Path) -> Path:
    """A folder with the demo media where the guide's examples expect them."""
    for sub, names in {
        "images": [
            "serum_studio.jpg",
            "gift_box.jpg",
            "serum_lifestyle.jpg",
            "wristwatch.jpg",
            "serum_cutout.png",
            "aura_logo.png",
        ],
        "music": ["calm_loop.mp3"],
    }.items():
        (tmp_path / sub).mkdir()
        for name in names:
            shutil.copyfile(demo_dir() / name, tmp_path / sub / name)
    return tmp_path


@pytest.mark.parametrize("language", ["yaml", "json"])
def test_scene_script_examples_pass_video_studio_validate(
    language: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocks = code_blocks(page("scene-scripts.md"), language)
    assert blocks, f"no {language} example on the page"
    folder = script_folder(tmp_path)
    for number, block in enumerate(blocks):
        script = folder / f"example-{number}.{language}"
        script.write_text(block, encoding="utf-8")
        assert cli.main(["validate", str(script)]) == 0, capsys.readouterr().err
        assert capsys.readouterr().out.startswith(f"OK: {script}:")


def test_the_answers_shown_for_the_examples_are_the_real_ones(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    text = page("scene-scripts.md")
    full, short = code_blocks(text, "yaml")[:2]
    monkeypatch.chdir(script_folder(tmp_path))  # the answers name the script as given
    for name, block in (("spring.yaml", full), ("photos.yaml", short)):
        Path(name).write_text(block, encoding="utf-8")
        assert cli.main(["validate", name]) == 0
        answer = " ".join(capsys.readouterr().out.split())
        assert answer in " ".join(text.split()), f"the page does not show {answer!r}"
    shown = next(b for b in code_blocks(text, "text") if b.startswith("error: broken.yaml"))
    Path("broken.yaml").write_text(
        "version: 1\nscenes:\n"
        "  - {image: images/serum_studio.jpg, duration: 2.0,"
        " transition: {type: crossfade, duration: 1.5}}\n"
        "  - {image: images/gift_box.jpg, duration: 1.0}\n",
        encoding="utf-8",
    )
    assert cli.main(["validate", "broken.yaml"]) == 2
    assert capsys.readouterr().err.strip() == shown.strip()


@pytest.mark.parametrize(
    "model",
    [
        Storyboard,
        Scene,
        MotionSpec,
        Transition,
        TextOverlay,
        AudioConfig,
        WatermarkConfig,
        CardConfig,
    ],
)
def test_every_script_field_is_explained(model: type[BaseModel]) -> None:
    text = page("scene-scripts.md")
    rows = {line.split("|")[1].strip() for line in text.splitlines() if line.startswith("| `")}
    documented = {name.strip("` ") for row in rows for name in row.split(",")}
    missing = [field for field in model.model_fields if field not in documented]
    assert not missing, f"{model.__name__} fields without a row on scene-scripts.md: {missing}"


# --- troubleshooting and cloud models ---------------------------------------------------------


def test_every_error_type_has_a_section() -> None:
    headings = [line for line in page("troubleshooting.md").splitlines() if line.startswith("### ")]
    for kind in VideoStudioErrorType:
        wanted = f"### {kind.heading} (`{kind.value}`)"
        assert wanted in headings, f"troubleshooting.md has no section {wanted!r}"


def test_the_environment_variables_and_addresses_named_are_real() -> None:
    known = set(environment_variable_map()) | {CONFIG_FILE_ENV}
    for name in PAGES:
        for variable in set(re.findall(r"VIDEO_STUDIO_[A-Z0-9_]+", page(name))):
            nested = variable.startswith(("VIDEO_STUDIO_MODELS__", "VIDEO_STUDIO_WORKFLOW__"))
            generic = variable.endswith("_") or "<" in variable
            assert variable in known or nested or generic, f"{name}: {variable} does not exist"
    text = page("cloud-models.md")
    for model, defaults in _MODEL_DEFAULTS.items():
        if defaults["base_url"]:
            assert f"| `{model}` | `{defaults['base_url']}` |" in text


# --- links and pictures -------------------------------------------------------------------------


def test_every_link_and_picture_of_the_guide_exists() -> None:
    referenced: set[Path] = set()
    for name in PAGES:
        for target in _LINK.findall(page(name)):
            if target.startswith(("http://", "https://", "mailto:")):
                continue
            path_text, _, fragment = target.partition("#")
            path = (GUIDE / path_text).resolve() if path_text else GUIDE / name
            assert path.exists(), f"{name}: broken link {target}"
            referenced.add(path)
            if fragment and path.suffix == ".md":
                anchors = {
                    anchor(line.lstrip("#"))
                    for line in path.read_text(encoding="utf-8").splitlines()
                    if line.startswith("#")
                }
                assert fragment in anchors, f"{name}: no heading for #{fragment} in {path.name}"
    pictures = set(IMAGES.iterdir())
    unused = sorted(p.name for p in pictures - referenced)
    assert not unused, f"pictures no page shows: {unused}"


def test_screenshots_are_modest_pngs() -> None:
    screenshots = sorted(IMAGES.glob("*.png"))
    assert len(screenshots) >= 5
    for path in screenshots:
        assert path.stat().st_size <= MAX_SCREENSHOT_BYTES, f"{path.name} is too large"
        with Image.open(path) as image:
            assert image.format == "PNG"
