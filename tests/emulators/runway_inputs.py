"""Runway `POST /v1/image_to_video` body validation per model, cloud-apis.md §2.2, §2.6, §5.3.

Produces the `issues` of the 400 answer; the promptImage asset itself is checked by the
`AssetChecker` the emulator passes in (data URI, upload URI or URL).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Issue = dict[str, Any]  # {"path": [...], "message": str, "code": str}
AssetChecker = Callable[[str, list[str | int]], list[Issue]]

GEN4_RATIOS = frozenset({"1280:720", "720:1280", "1104:832", "832:1104", "960:960", "1584:672"})
VEO_RATIOS = frozenset({"1280:720", "720:1280", "1080:1920", "1920:1080"})


@dataclass(frozen=True)
class ModelRule:
    ratios: frozenset[str]
    durations: frozenset[int]
    default_duration: int
    duration_required: bool
    prompt_required: bool
    positions: frozenset[str]
    credits_per_second: int


MODEL_RULES: dict[str, ModelRule] = {
    "gen4_turbo": ModelRule(
        GEN4_RATIOS, frozenset(range(2, 11)), 5, False, False, frozenset({"first"}), 5
    ),
    "gen4.5": ModelRule(
        GEN4_RATIOS, frozenset(range(2, 11)), 5, True, True, frozenset({"first"}), 12
    ),
    "veo3.1": ModelRule(
        VEO_RATIOS, frozenset({4, 6, 8}), 8, False, False, frozenset({"first", "last"}), 40
    ),
    "veo3.1_fast": ModelRule(
        VEO_RATIOS, frozenset({4, 6, 8}), 8, False, False, frozenset({"first", "last"}), 15
    ),
    "veo3": ModelRule(VEO_RATIOS, frozenset({8}), 8, False, False, frozenset({"first"}), 40),
}


def issue(path: list[str | int], message: str, code: str = "custom") -> Issue:
    return {"code": code, "path": path, "message": message}


def validate_body(body: Any, check_asset: AssetChecker) -> list[Issue]:
    """All problems with an image_to_video body (empty when it is valid)."""
    if not isinstance(body, dict):
        return [issue([], "Expected object, received " + type(body).__name__, "invalid_type")]
    model = body.get("model")
    rule = MODEL_RULES.get(model) if isinstance(model, str) else None
    if rule is None:
        options = ", ".join(f"'{name}'" for name in MODEL_RULES)
        return [
            issue(["model"], f"Invalid enum value. Expected {options}, received '{model}'", "enum")
        ]
    issues = _ratio_and_duration(body, rule)
    issues += _prompt_text(body, rule)
    issues += _seed_and_moderation(body)
    issues += _prompt_image(body, rule, check_asset)
    return issues


def duration_of(body: dict[str, Any]) -> int:
    rule = MODEL_RULES[str(body["model"])]
    duration = body.get("duration")
    return duration if isinstance(duration, int) else rule.default_duration


def _ratio_and_duration(body: dict[str, Any], rule: ModelRule) -> list[Issue]:
    issues: list[Issue] = []
    ratio = body.get("ratio")
    if ratio is None:
        issues.append(issue(["ratio"], "Required", "invalid_type"))
    elif ratio not in rule.ratios:
        expected = " | ".join(f"'{r}'" for r in sorted(rule.ratios))
        issues.append(
            issue(["ratio"], f"Invalid enum value. Expected {expected}, received '{ratio}'", "enum")
        )
    duration = body.get("duration")
    if duration is None:
        if rule.duration_required:
            issues.append(issue(["duration"], "Required", "invalid_type"))
    elif isinstance(duration, bool) or not isinstance(duration, int):
        issues.append(issue(["duration"], "Expected integer", "invalid_type"))
    elif duration not in rule.durations:
        low, high = min(rule.durations), max(rule.durations)
        allowed = ", ".join(str(d) for d in sorted(rule.durations))
        message = (
            f"Number must be between {low} and {high}"
            if len(rule.durations) == high - low + 1
            else f"Invalid literal value, expected one of {allowed}"
        )
        issues.append(issue(["duration"], message, "invalid_value"))
    return issues


def _prompt_text(body: dict[str, Any], rule: ModelRule) -> list[Issue]:
    text = body.get("promptText")
    if text is None:
        return [issue(["promptText"], "Required", "invalid_type")] if rule.prompt_required else []
    if not isinstance(text, str):
        return [issue(["promptText"], "Expected string", "invalid_type")]
    units = len(text.encode("utf-16-le")) // 2
    if units > 1000:
        return [issue(["promptText"], "String must contain at most 1000 character(s)", "too_big")]
    if rule.prompt_required and units < 1:
        return [issue(["promptText"], "String must contain at least 1 character(s)", "too_small")]
    return []


def _seed_and_moderation(body: dict[str, Any]) -> list[Issue]:
    issues: list[Issue] = []
    seed = body.get("seed")
    if seed is not None and (
        isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= 4294967295
    ):
        issues.append(issue(["seed"], "Expected an integer from 0 to 4294967295", "invalid_type"))
    moderation = body.get("contentModeration")
    if moderation is not None and (
        not isinstance(moderation, dict)
        or moderation.get("publicFigureThreshold", "auto") not in ("auto", "low")
    ):
        issues.append(
            issue(
                ["contentModeration", "publicFigureThreshold"],
                "Invalid enum value. Expected 'auto' | 'low'",
                "enum",
            )
        )
    return issues


def _prompt_image(body: dict[str, Any], rule: ModelRule, check: AssetChecker) -> list[Issue]:
    image = body.get("promptImage")
    if image is None:
        return [issue(["promptImage"], "Required", "invalid_type")]
    if isinstance(image, str):
        return check(image, ["promptImage"])
    if not isinstance(image, list) or not image:
        return [issue(["promptImage"], "Expected a string or a non-empty array", "invalid_type")]
    issues: list[Issue] = []
    seen: set[str] = set()
    for index, item in enumerate(image):
        path: list[str | int] = ["promptImage", index]
        if not isinstance(item, dict) or not isinstance(item.get("uri"), str):
            issues.append(issue([*path, "uri"], "Required", "invalid_type"))
            continue
        position = item.get("position")
        if position not in rule.positions:
            allowed = " | ".join(f"'{p}'" for p in sorted(rule.positions))
            issues.append(
                issue([*path, "position"], f"Invalid enum value. Expected {allowed}", "enum")
            )
        elif position in seen:
            issues.append(issue([*path, "position"], f"Duplicate position '{position}'"))
        seen.add(str(position))
        issues += check(item["uri"], [*path, "uri"])
    if not issues and "first" not in seen:
        issues.append(issue(["promptImage"], "A 'first' frame is required"))
    return issues
