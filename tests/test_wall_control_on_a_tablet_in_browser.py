"""/wall/control/ on a tablet (issue #19 point 9): held upright or sideways, every control is inside the
screen, none covers another, and every button is big enough for a finger (44 × 44 CSS px)."""

import shutil

import pytest

from tests.browser import CHROMIUM, screenshot
from tests.browser import live_server_page as browser
from tests.test_small_screens_in_browser import overlap, signed_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(shutil.which(CHROMIUM) is None and not CHROMIUM.startswith("/"), reason="chromium"),
]
WAIT_MS = 240_000


@pytest.mark.parametrize("size", [(768, 1024), (1024, 768), (1280, 800)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_wall_control_page_fits_a_tablet(live_server, demo_wall, superuser, size):
    width, height = size
    with browser(viewport=size) as (page, outside):
        signed_in(page, live_server, superuser)
        page.goto(live_server.url + "/wall/control/", timeout=WAIT_MS)
        page.wait_for_load_state("networkidle", timeout=WAIT_MS)
        screenshot(page, f"wall-control-{width}x{height}")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        controls = page.evaluate("""() => [...document.querySelectorAll('button, select, input, a')]
            .filter((n) => n.getClientRects().length && getComputedStyle(n).visibility !== 'hidden')
            .map((n) => { const r = n.getBoundingClientRect(); return {id: n.id || n.textContent.trim().slice(0, 30),
                x: r.left, y: r.top, right: r.right, bottom: r.bottom, w: r.width, h: r.height}; })""")
        assert controls
        assert [c["id"] for c in controls if c["x"] < 0 or c["right"] > width + 0.5] == []
        # Big enough to touch: 44 × 44 CSS px (WCAG 2.5.5) for the buttons.
        small = page.evaluate("""() => [...document.querySelectorAll('button')].filter((n) => n.getClientRects().length)
            .map((n) => n.getBoundingClientRect()).filter((r) => r.width < 44 || r.height < 44).length""")
        assert small == 0
        pairs = [(a["id"], b["id"]) for i, a in enumerate(controls) for b in controls[i + 1:] if overlap(a, b)]
        assert pairs == []
        assert outside == []
