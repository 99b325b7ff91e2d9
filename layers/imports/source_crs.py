"""Which CRS a file's coordinates are in, for vector and raster imports alike."""

from pyproj import CRS

from layers import crs as crs_module
from layers.imports.problems import ImportProblem
from layers.imports.report import Report
from layers.imports.state import NeedsInput
from layers.models import ImportJob


def choose_crs(job: ImportJob, file_crs: CRS | None, bounds: tuple[float, ...] | None, report: Report) -> CRS:
    """The steward's CRS, else the file's; never a guess (NeedsInput offers candidates from the
    coordinate range instead). Warnings about the chosen CRS go into the report."""
    if job.crs:
        try:
            chosen = crs_module.parse_code(job.crs)
        except crs_module.UnknownCrs:
            raise ImportProblem("bad_crs", crs=job.crs) from None
    elif file_crs is not None:
        chosen = file_crs
        report.warn("crs_identified", crs=crs_module.label(chosen))
    else:
        raise NeedsInput("crs", crs=crs_module.candidates(bounds) if bounds else [])
    for warning in crs_module.warnings_for(chosen):
        report.warn(warning.code, **warning.params)
    report.set(crs=crs_module.label(chosen))
    return chosen
