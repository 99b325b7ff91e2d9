"""Printing from the dashboard: the print dialog draws the map at the paper's frame size and gets back
an A4 landscape PDF whose text names the title, the legend of the layers shown, the scale and the
date; its page is rendered to PNG (pdftoppm) for a person to look at, and checked to hold the map."""

import re
import shutil
import subprocess

import pytest
from PIL import Image

from tests.browser import ARTIFACTS, CHROMIUM, screenshot, wait_for_map
from tests.browser import live_server_page as browser

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(shutil.which(CHROMIUM) is None and not CHROMIUM.startswith("/"), reason="chromium"),
    pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils"),
]
WAIT_MS = 240_000


# 1920 px: the page's root font is 17 px, so the screen map's sizes are scaled (scale.js) and the
# printed map must scale them back.
@pytest.mark.parametrize("size", [(1366, 768), (1920, 1080)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_print_dialog_gives_an_a4_landscape_pdf_with_title_legend_scale_and_date(live_server, demo, size):
    with browser(viewport=size) as (page, outside):
        # A link with an attribute filter: the printed legend says it (the map shows part of the layer).
        page.goto(live_server.url + "/#map=10.00/10.6/106.3&layers=land-use-plan,health-facilities"
                  "&filter:health-facilities:district_code=803", timeout=WAIT_MS)
        wait_for_map(page, timeout=WAIT_MS)
        page.wait_for_selector("#map-legend:not([hidden])")
        # "Export PNG" is the composed page in PNG (title, legend, scale, sources), not the bare canvas.
        page.click("#export-png")
        page.wait_for_selector("#print-dialog[open]")
        assert page.input_value("#print-format") == "png"
        page.click("#print-dialog button:has-text('Hủy')")
        page.wait_for_selector("#print-dialog:not([open])", state="attached")
        page.click("#print-map")
        page.wait_for_selector("#print-dialog[open]")
        page.fill("#print-title", "Cơ sở y tế và quy hoạch đất – bản in thử")
        page.select_option("#print-paper", "A4")
        page.select_option("#print-orientation", "landscape")
        page.select_option("#print-format", "pdf")
        page.fill("#print-author", "Phòng Quy hoạch")
        screenshot(page, "print-dialog-vi-1366x768")
        with page.expect_download(timeout=WAIT_MS) as download:
            page.click("#print-dialog button[type=submit]")
        path = ARTIFACTS / f"print-a4-landscape-{size[0]}.pdf"
        download.value.save_as(path)
        assert download.value.suggested_filename.endswith(".pdf")
        assert outside == []

    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True).stdout.decode()
    for expected in ("Cơ sở y tế và quy hoạch đất – bản in thử", "Chú giải", "Cơ sở y tế", "Bệnh viện tuyến tỉnh",
                     "Quy hoạch sử dụng đất", "Đất ở", "Tỷ lệ 1:", " km", "Người lập: Phòng Quy hoạch", "Ngày in",
                     "Nguồn và giấy phép", "Khoảng thời gian"):
        assert expected in text, (expected, text)
    assert "Chỉ các đối tượng có Huyện = Huyện Bến Lức" in " ".join(text.split()), text
    # Points are drawn over polygons: their legend comes first, as on the screen.
    assert text.index("Bệnh viện tuyến tỉnh") < text.index("Đất ở")
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, check=True).stdout.decode()
    assert re.search(r"^Pages:\s+1$", info, re.MULTILINE) and "841.89 x 595.276 pts (A4)" in info  # landscape, in points

    subprocess.run(["pdftoppm", "-png", "-r", "100", "-singlefile", str(path), str(path.with_suffix(""))], check=True)
    sheet = Image.open(path.with_suffix(".png")).convert("RGB")
    assert abs(sheet.width - 1169) <= 2 and abs(sheet.height - 827) <= 2
    # The map frame (left of the legend column) holds the drawn map: many colours, not a blank box.
    frame = sheet.crop((60, 130, 820, 780)).resize((190, 160))
    assert len(frame.getcolors(maxcolors=1 << 16) or []) > 200
