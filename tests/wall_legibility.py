"""Measuring the wall's text in the browser: every text of every panel, its computed size against the
height of one screen of the wall (the viewport's height over the scene's screen rows)."""

# Titles, and everything else (units, "data as of", axes, legends, lists): issue 19, point 10.
TITLE_SHARE, SECONDARY_SHARE = 0.025, 0.018
TITLES = (".panel-title", ".scene-title")

# Each element holding text of its own: the panel's kind, the element's classes, its font size in px,
# whether it is a title.
MEASURE = """(titles) => {
    const found = [];
    for (const panel of document.querySelectorAll('#wall .panel')) {
        const kind = [...panel.classList].find((c) => c.startsWith('panel-') && c !== 'panel').slice(6);
        for (const node of panel.querySelectorAll('*')) {
            const own = [...node.childNodes].some((c) => c.nodeType === 3 && c.textContent.trim());
            if (!own || node.closest('.maplibregl-ctrl')) continue;
            found.push({kind, panel: panel.dataset.panel, cls: node.className.baseVal ?? node.className,
                        size: parseFloat(getComputedStyle(node).fontSize), title: titles.some((t) => node.matches(t))});
        }
    }
    return found;
}"""


def too_small(page, screen_height: float) -> list[dict]:
    texts = page.evaluate(MEASURE, list(TITLES))
    assert texts, "no text measured"
    return [t for t in texts if t["size"] < (TITLE_SHARE if t["title"] else SECONDARY_SHARE) * screen_height - 0.01]


def the_wall_defines_its_minimums_once(page, screen_height: float) -> None:
    """The minimums are the CSS variables of the wall layout, at the shares the issue asks for."""
    sizes = page.evaluate("""() => {
        const probe = document.createElement('div');
        document.getElementById('wall').append(probe);
        const px = (v) => { probe.style.width = `var(${v})`; return probe.getBoundingClientRect().width; };
        const out = {title: px('--text-title-min'), secondary: px('--text-secondary-min'), screen: px('--screen-height')};
        probe.remove();
        return out;
    }""")
    assert abs(sizes["screen"] - screen_height) < 1
    assert abs(sizes["title"] - TITLE_SHARE * screen_height) < 0.5
    assert abs(sizes["secondary"] - SECONDARY_SHARE * screen_height) < 0.5
