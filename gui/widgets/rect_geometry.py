"""Pure geometry of the motion rectangle editor: moving and resizing a rectangle that keeps
a fixed aspect ratio and stays inside the image. No widgets.

A rectangle is (x, y, w, h) in any coordinate space whose image spans (0, 0)-(width,
height); the editor uses fractions of the image (width = height = 1, as MotionSpec stores
them), where the output aspect ratio `a` (width / height in pixels) becomes
`a * image_height / image_width` (see `fraction_aspect`).
"""

from __future__ import annotations

import math
from enum import Enum

Rect = tuple[float, float, float, float]
Point = tuple[float, float]
Size = tuple[float, float]  # the image: (width, height)
UNIT: Size = (1.0, 1.0)  # the image in fractions, as MotionSpec stores rectangles

MIN_SHARE = 0.05  # the smallest rectangle: this share of the largest one that fits


class Corner(Enum):
    TOP_LEFT = (-1, -1)
    TOP_RIGHT = (1, -1)
    BOTTOM_LEFT = (-1, 1)
    BOTTOM_RIGHT = (1, 1)

    @property
    def sign_x(self) -> int:
        return self.value[0]

    @property
    def sign_y(self) -> int:
        return self.value[1]

    def of(self, rect: Rect) -> Point:
        """Where this corner of `rect` is."""
        x, y, w, h = rect
        return (x + w if self.sign_x > 0 else x, y + h if self.sign_y > 0 else y)

    @property
    def opposite(self) -> Corner:
        return Corner((-self.sign_x, -self.sign_y))


def fraction_aspect(output_aspect: float, image_width: float, image_height: float) -> float:
    """The aspect (w / h) in image fractions of a window with the output's pixel aspect."""
    return output_aspect * image_height / image_width


def largest_inside(size: Size, aspect: float) -> Rect:
    """The largest rectangle of `aspect` inside the image, centred."""
    width, height = size
    w = min(width, height * aspect)
    h = w / aspect
    return ((width - w) / 2, (height - h) / 2, w, h)


def min_width(size: Size, aspect: float) -> float:
    return MIN_SHARE * largest_inside(size, aspect)[2]


def _shift_inside(rect: Rect, size: Size) -> Rect:
    x, y, w, h = rect
    x = min(max(x, 0.0), max(0.0, size[0] - w))
    y = min(max(y, 0.0), max(0.0, size[1] - h))
    return (x, y, w, h)


def conform(rect: Rect, size: Size, aspect: float) -> Rect:
    """`rect` made valid: grown around its centre to `aspect` (so all it showed stays
    visible), shrunk around its centre to fit the image if it must, at least the minimum
    size, and shifted inside."""
    x, y, w, h = rect
    largest = largest_inside(size, aspect)
    if not all(map(math.isfinite, rect)) or w <= 0 or h <= 0:
        return largest
    cx, cy = x + w / 2, y + h / 2
    new_w = max(w, h * aspect)
    new_w = min(max(new_w, min_width(size, aspect)), largest[2])
    new_h = new_w / aspect
    return _shift_inside((cx - new_w / 2, cy - new_h / 2, new_w, new_h), size)


def conform_pair(start: Rect, end: Rect, size: Size, aspect: float) -> tuple[Rect, Rect]:
    """Both windows of a motion made valid together. When the larger does not fit the
    image (a zoom on a photo shown whole, with borders), both shrink by one common factor
    first: conforming each alone would clamp both to the whole image and lose the zoom."""
    if not all(map(math.isfinite, (*start, *end))) or min(start[2:] + end[2:]) <= 0:
        return conform(start, size, aspect), conform(end, size, aspect)
    widths = [max(w, h * aspect) for _, _, w, h in (start, end)]
    factor = min(1.0, largest_inside(size, aspect)[2] / max(widths))

    def shrunk(rect: Rect) -> Rect:
        x, y, w, h = rect
        cx, cy = x + w / 2, y + h / 2
        return (cx - w * factor / 2, cy - h * factor / 2, w * factor, h * factor)

    return conform(shrunk(start), size, aspect), conform(shrunk(end), size, aspect)


def move(rect: Rect, delta: Point, size: Size) -> Rect:
    """`rect` moved by `delta`, stopping at the image's edges."""
    x, y, w, h = rect
    return _shift_inside((x + delta[0], y + delta[1], w, h), size)


def resize(rect: Rect, corner: Corner, point: Point, size: Size, aspect: float) -> Rect:
    """`rect` with `corner` dragged to `point` while the opposite corner stays: the size
    follows the pointer along whichever axis asks for more, keeps `aspect`, stops at the
    image's edges and never goes below the minimum size."""
    width, height = size
    anchor_x, anchor_y = corner.opposite.of(rect)
    px, py = point
    wanted = max((px - anchor_x) * corner.sign_x, (py - anchor_y) * corner.sign_y * aspect)
    room_x = width - anchor_x if corner.sign_x > 0 else anchor_x
    room_y = height - anchor_y if corner.sign_y > 0 else anchor_y
    largest = max(0.0, min(room_x, room_y * aspect))
    smallest = min(min_width(size, aspect), largest)
    new_w = min(max(wanted if math.isfinite(wanted) else smallest, smallest), largest)
    if new_w <= 0:
        return rect  # the rectangle was degenerate: nothing sensible to do
    new_h = new_w / aspect
    x = anchor_x if corner.sign_x > 0 else anchor_x - new_w
    y = anchor_y if corner.sign_y > 0 else anchor_y - new_h
    return _shift_inside((x, y, new_w, new_h), size)


def hit_corner(rect: Rect, point: Point, radius_x: float, radius_y: float) -> Corner | None:
    """The corner of `rect` within the radii of `point`, nearest first."""
    px, py = point
    near = [
        (abs(cx - px) / radius_x + abs(cy - py) / radius_y, corner)
        for corner in Corner
        for cx, cy in [corner.of(rect)]
        if abs(cx - px) <= radius_x and abs(cy - py) <= radius_y
    ]
    return min(near, key=lambda item: item[0])[1] if near else None


def contains(rect: Rect, point: Point) -> bool:
    x, y, w, h = rect
    return x <= point[0] <= x + w and y <= point[1] <= y + h
