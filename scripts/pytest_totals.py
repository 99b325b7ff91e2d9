"""One closing line for several pytest runs (scripts/test.sh: the parallel phase, then the serial
one), in pytest's own form, read from their JUnit XML reports:

    ===== 1 failed, 2290 passed, 3 skipped, 1 error in 812.34s (0:13:32) =====

Usage: python scripts/pytest_totals.py STARTED REPORT.xml…: STARTED the Unix time the first run
started (the line gives the time since); a missing report counts nothing."""

import sys
import time
import xml.etree.ElementTree as ET
from datetime import timedelta
from pathlib import Path


def totals(reports: list[Path]) -> dict[str, int]:
    counts = {"failed": 0, "passed": 0, "skipped": 0, "xfailed": 0, "errors": 0}
    for report in reports:
        if not report.is_file():
            continue
        root = ET.parse(report).getroot()
        for suite in [root] if root.tag == "testsuite" else root.iter("testsuite"):
            tests, failures, errors, skipped = (int(suite.get(k, 0)) for k in ("tests", "failures", "errors", "skipped"))
            # JUnit has no "expected failure": pytest writes it as a skip of type pytest.xfail.
            xfailed = sum(1 for skip in suite.iter("skipped") if skip.get("type") == "pytest.xfail")
            counts["failed"] += failures
            counts["errors"] += errors
            counts["skipped"] += skipped - xfailed
            counts["xfailed"] += xfailed
            counts["passed"] += tests - failures - errors - skipped
    return counts


def closing_line(counts: dict[str, int], seconds: float) -> str:
    words = {"failed": "failed", "passed": "passed", "skipped": "skipped", "xfailed": "xfailed",
             "errors": "error" if counts["errors"] == 1 else "errors"}
    parts = [f"{counts[key]} {word}" for key, word in words.items() if counts[key]] or ["no tests ran"]
    text = f" {', '.join(parts)} in {seconds:.2f}s ({timedelta(seconds=round(seconds))}) "
    return text.center(100, "=")


if __name__ == "__main__":
    print(closing_line(totals([Path(p) for p in sys.argv[2:]]), time.time() - float(sys.argv[1])))
