"""check_script_files: every file a script refers to (scene images and clips, music,
watermark, card logos) must exist and be a file, and each one missing is named."""

from __future__ import annotations

from pathlib import Path

from tests.unit.test_script import make_files, three_scenes
from video_studio.script import check_script_files, parse_script


def test_every_missing_file_is_named_with_where_it_was_looked_for(tmp_path: Path) -> None:
    make_files(tmp_path, "images/front.jpg")
    (tmp_path / "images" / "folder.jpg").mkdir()
    data = three_scenes(
        audio={"path": "music.mp3"},
        watermark={"path": "brand/logo.png"},
        outro={"logo": "brand/end.png"},
    )
    data["scenes"][0]["image"] = "images/front.jpg"
    data["scenes"][1]["image"] = "images/back.jpg"
    data["scenes"][2]["image"] = "images/folder.jpg"
    data["scenes"][3]["clip"] = "clips/d.mp4"
    storyboard = parse_script(data, source="s.json", base_dir=tmp_path)
    # d.jpg also is missing: one issue per field, in document order.
    issues = [str(issue) for issue in check_script_files(storyboard, source="s.json")]

    assert issues == [
        f"s.json: scenes[1].image: file not found: images/back.jpg (looked in {tmp_path}/images)",
        "s.json: scenes[2].image: images/folder.jpg is a folder, not a file",
        f"s.json: scenes[3].image: file not found: d.jpg (looked in {tmp_path})",
        f"s.json: scenes[3].clip: file not found: clips/d.mp4 (looked in {tmp_path}/clips)",
        f"s.json: audio.path: file not found: music.mp3 (looked in {tmp_path})",
        f"s.json: watermark.path: file not found: brand/logo.png (looked in {tmp_path}/brand)",
        f"s.json: outro.logo: file not found: brand/end.png (looked in {tmp_path}/brand)",
    ]


def test_files_present_give_no_issue(tmp_path: Path) -> None:
    make_files(tmp_path, "a.jpg", "b.jpg", "c.jpg", "d.jpg", "m.mp3", "l.png")
    data = three_scenes(audio={"path": "m.mp3"}, intro={"logo": str(tmp_path / "l.png")})
    assert check_script_files(parse_script(data, source="s", base_dir=tmp_path)) == []


def test_an_asset_reference_in_a_script_is_named() -> None:
    data = three_scenes()
    data["scenes"][0]["image"] = "asset:" + "ab" * 32
    storyboard = parse_script(data, source="s", base_dir=Path("/b"))
    issue = check_script_files(storyboard)[0]
    assert issue.field == "scenes[0].image"
    assert "asset store" in issue.reason
