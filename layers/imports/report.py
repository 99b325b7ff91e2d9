"""A job's report as it is built: counts, warnings, and the per-row problems with their row numbers."""

from typing import Any

from django.conf import settings

from layers.imports.problems import render


class Report:
    def __init__(self, *, base: dict[str, Any] | None = None):
        self.data: dict[str, Any] = {
            "counts": {"read": 0, "loaded": 0, "repaired": 0, "rejected": 0},
            "warnings": [], "errors": [], "rows": [], "rows_total": 0,
        }
        self.data.update(base or {})
        self._limit = settings.LAYERS_IMPORT_REPORT_ROWS

    @property
    def counts(self) -> dict[str, int]:
        return self.data["counts"]

    def row(self, row: int, code: str, params: dict[str, Any] | None = None, *, rejected: bool = True) -> None:
        """A problem with one feature. All are counted; the first LAYERS_IMPORT_REPORT_ROWS are listed."""
        self.counts["rejected" if rejected else "repaired"] += 1
        self.data["rows_total"] += 1
        if len(self.data["rows"]) < self._limit:
            self.data["rows"].append({"row": row, **render(code, params)})

    def warn(self, code: str, **params: Any) -> None:
        self.data["warnings"].append(render(code, params))

    def error(self, message: dict[str, str]) -> None:
        self.data["errors"].append(message)

    def set(self, **values: Any) -> None:
        self.data.update(values)
