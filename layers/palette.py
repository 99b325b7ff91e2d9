"""The colour policy of the maps (issue #19): red means an alarm — an overdue report, a value over its
limit, a serious incident — and nothing else; in the dashboard's default view one colour means one
thing, each domain drawing from colours of its own.

A category stop that is an alarm says so (`"alarm": true`); `policy_problems` lists every breach in
words, for the test over the demo world's styles (tests/test_palette_policy.py) and for any catalog.
"""

import colorsys
from collections.abc import Iterable
from dataclasses import dataclass

# Two colours closer than this (sum of RGB differences, 0–765) read as one on a map.
SAME_COLOUR = 30


@dataclass(frozen=True)
class Styled:
    slug: str
    domain: str
    style: dict


def _rgb(color: str) -> tuple[int, int, int]:
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


def is_alarm_red(color: str) -> bool:
    """A saturated, mid-light red: the hue within 15° of pure red. Pinks and maroons are not it."""
    red, green, blue = (v / 255 for v in _rgb(color))
    hue, lightness, saturation = colorsys.rgb_to_hls(red, green, blue)
    return (hue <= 15 / 360 or hue >= 345 / 360) and saturation >= 0.55 and 0.3 <= lightness <= 0.65


def meanings(layer: Styled) -> list[tuple[str, str, bool]]:
    """(colour, what it means, whether it is an alarm) for the base colour and every category or class."""
    style = layer.style
    out = []
    stops = (style.get("categories") or {}).get("stops") or (style.get("graduated") or {}).get("classes") or []
    for stop in stops:
        out.append((stop["color"].lower(), f"{layer.slug}:{stop.get('value', stop.get('min'))}", bool(stop.get("alarm"))))
    if not stops and style.get("color"):
        out.append((style["color"].lower(), layer.slug, False))
    return out


def policy_problems(layers: Iterable[Styled], *, default_view: Iterable[str]) -> list[str]:
    """Every breach: a red that is not an alarm (any layer); in the default view, one colour (or two
    too close to tell apart) used by two domains, or by two meanings of one layer."""
    layers = list(layers)
    problems = []
    for layer in layers:
        for color, meaning, alarm in meanings(layer):
            if is_alarm_red(color) and not alarm:
                problems.append(f"{meaning} is drawn in alarm red {color} but is not an alarm")
    shown = [layer for layer in layers if layer.slug in set(default_view)]
    used = [(color, meaning, layer.domain) for layer in shown for color, meaning, _alarm in meanings(layer)]
    for i, (color, meaning, domain) in enumerate(used):
        for other_color, other_meaning, other_domain in used[i + 1:]:
            close = sum(abs(a - b) for a, b in zip(_rgb(color), _rgb(other_color))) < SAME_COLOUR
            same_layer = meaning.split(":")[0] == other_meaning.split(":")[0]
            if close and (domain != other_domain or same_layer):
                problems.append(f"{meaning} ({color}) and {other_meaning} ({other_color}) look alike in the default view")
    return problems
