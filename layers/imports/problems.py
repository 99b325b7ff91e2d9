"""What can go wrong with an imported file, in words a data steward can act on, in Vietnamese and
English. A job's report stores both languages, so it reads the same whoever opens it later."""

import re
from typing import Any

from django.utils import translation
from django.utils.translation import gettext_lazy as _

MESSAGES = {
    # The whole file
    "unsupported_format": _(
        "This kind of file cannot be imported. Send GeoJSON, a zipped Shapefile, GeoPackage, KML/KMZ, "
        "CSV or GeoTIFF."),
    "content_mismatch": _("The file's content is not %(format)s, whatever its name says."),
    "bad_archive": _("The zip archive is damaged or not a zip archive."),
    "archive_too_many_members": _("The archive holds %(count)s files; at most %(limit)s are accepted."),
    "archive_too_big": _("The archive unpacks to more than %(limit)s bytes."),
    "archive_ratio": _("“%(name)s” inflates more than %(limit)s times its packed size: refused as a zip bomb."),
    "archive_unsafe_path": _("The archive member “%(name)s” points outside the archive: refused."),
    "archive_link": _("The archive member “%(name)s” is a link: refused."),
    "archive_encrypted": _("The archive member “%(name)s” is encrypted."),
    "archive_duplicate_member": _("The archive holds two files named “%(name)s”."),
    "archive_no_dataset": _("The archive holds no file that can be imported (a .shp with its .dbf and .shx, "
                            "a .gpkg, .geojson, .kml, .csv or .tif)."),
    "archive_many_datasets": _("The archive holds several datasets (%(names)s); send one per import."),
    "shapefile_incomplete": _("The shapefile “%(name)s” lacks its %(missing)s file."),
    "xml_doctype": _("The KML file declares a DOCTYPE or entities, which are refused for safety."),
    "unreadable": _("The file could not be read as %(format)s. Check that it opens in QGIS."),
    "unreadable_because": _("The file could not be read as %(format)s (GDAL says: %(reason)s). Check that it "
                            "opens in QGIS."),
    "layer_not_in_file": _("The file has no layer named “%(name)s”. Its layers are: %(names)s."),
    "no_features": _("The file has no features."),
    "no_geometry_column": _("No geometry was found. A CSV needs lon/lat (or x/y) columns or a WKT column."),
    "bad_crs": _("%(crs)s is not a coordinate reference system we know. Give an EPSG code such as EPSG:9210."),
    "bad_encoding": _("“%(encoding)s” is not an encoding we read. Choose one of: %(choices)s."),
    "undecodable_text": _("Row %(row)s: the text of “%(field)s” is not valid %(encoding)s. Choose another "
                          "encoding."),
    "upsert_needs_ids": _("Upsert needs a source id for each feature: name the id column (id_field)."),
    "id_field_missing": _("The file has no column “%(field)s” to use as the source id."),
    "raster_too_big": _("The raster is %(width)s × %(height)s pixels × %(bands)s bands, above the limit of "
                        "%(limit)s values."),
    "raster_into_vector": _("The layer “%(slug)s” holds vector features; a raster cannot be imported into it."),
    "vector_into_raster": _("The layer “%(slug)s” is a raster layer; vector features cannot be imported into it."),
    "raster_mode": _("A raster always replaces the layer's raster: use mode=replace."),
    "nothing_loaded": _("None of the %(read)s features could be loaded; the layer was left as it was."),
    "too_many_properties": _("The features have %(count)s properties; a layer holds at most %(limit)s."),
    "internal_error": _("The import failed on our side; it has been logged. The layer was left as it was."),
    "storage_full": _("The server's disk for imports is full, so the file could not be unpacked or converted. "
                      "The layer was left as it was; ask the administrator to free space, then import again."),
    # The request
    "bad_slug": _("The layer must be a slug: lower-case letters, digits and hyphens."),
    "bad_mode": _("The mode must be replace, append or upsert."),
    "title_needed": _("There is no layer with this slug yet: give a title to create it."),
    "domain_needed": _("There is no layer with this slug yet: give its domain, one of %(choices)s."),
    "not_waiting": _("This import is not waiting for a choice."),
    "bad_style": _("The chosen style is not valid: choose the colour again."),
    "upload_too_large": _("The file is larger than the limit of %(limit)s bytes."),
    "file_needed": _("Send the file in the multipart field “file”."),
    # One row
    "missing_geometry": _("The feature has no geometry."),
    "unsupported_geometry": _("The geometry is of a kind that cannot be stored (a curve inside a collection, a "
                              "surface of triangles…)."),
    "empty_geometry": _("The geometry is empty."),
    "non_finite": _("The geometry has a coordinate that is not a finite number."),
    "out_of_range": _("After reprojection the geometry is outside longitude −180..180 / latitude −90..90: "
                      "is the CRS right?"),
    "invalid_geometry": _("The geometry is invalid (%(reason)s)."),
    "repaired_geometry": _("The invalid geometry was repaired (%(reason)s)."),
    "unrepairable": _("The geometry is invalid and could not be repaired (%(reason)s)."),
    "missing_source_id": _("The feature has no value in the id column “%(field)s”."),
    "duplicate_source_id": _("The source id “%(id)s” was already used by row %(first)s."),
    "already_in_layer": _("The source id “%(id)s” is already in the layer (append mode keeps the old one)."),
    # Warnings about the whole file
    "z_dropped": _("Heights (Z) and measures (M) were dropped: the layer stores 2D geometries."),
    "mixed_geometry": _("The file mixes geometry types (%(types)s); the layer holds mixed geometry."),
    "promoted_to_multi": _("Single and multi geometries were mixed; all are stored as %(type)s."),
    "wgs84_tm_not_vn2000": _("The CRS is a Transverse Mercator with central meridian %(meridian)s° on a bare "
                             "WGS 84 datum. If the data is really VN-2000 (e.g. EPSG:9210), features land about "
                             "225 m off: re-import with the right CRS."),
    "crs_identified": _("The file's CRS was read as %(crs)s."),
    "vn2000_transformation": _("VN-2000 was converted to WGS 84 with the official 7-parameter transformation "
                               "(EPSG:6960)."),
    "encoding_detected": _("The attribute text was read as %(encoding)s."),
    "fields_not_filterable": _("Attributes kept but not filterable by name in the API (names need letters, "
                               "digits and _): %(names)s."),
    "binary_fields_dropped": _("Binary attributes were not imported: %(names)s."),
    "archive_members_skipped": _("Files in the archive that are not part of the data were ignored: %(names)s."),
    "curves_linearised": _("%(count)s curved geometries were approximated by straight segments."),
    "cog_written": _("The raster was stored as a Cloud-Optimized GeoTIFF (%(width)s × %(height)s, %(bands)s "
                     "bands, %(crs)s)."),
}

# Who may write where (layers.access): the request, and the worker's re-check before it runs a job.
MESSAGES.update({
    "slug_unavailable": _("This slug cannot be used for a new layer: choose another one."),
    "unknown_department": _("There is no department with the code “%(department)s”."),
    "department_needed": _("You are a steward of several departments: say which one will own the new layer "
                           "(department, one of %(choices)s)."),
    "no_longer_allowed": _("You may no longer write this layer (your steward role or its owner changed since "
                           "the upload); nothing was imported."),
})


def render(code: str, params: dict[str, Any] | None = None) -> dict[str, str]:
    """The message for `code` in both languages: {"code", "vi", "en"}."""
    template = MESSAGES[code]
    params = params or {}
    out = {"code": code}
    for lang in ("vi", "en"):
        with translation.override(lang):
            out[lang] = str(template) % params if params else str(template)
    return out


class ImportProblem(Exception):
    """A file-level reason an import cannot go on. The job fails with this message; the API answers
    400 with it when the problem is found while the file is being received."""

    def __init__(self, code: str, **params: Any):
        self.code = code
        self.params = params
        super().__init__(code)

    def message(self) -> dict[str, str]:
        return render(self.code, self.params)


def unreadable(format_name: str, error: Exception) -> ImportProblem:
    """The file could not be read, with what GDAL said about it when it said something a steward can
    use ("At line 1, character 37: Unrecognized number"): paths on the server cut out, never a trace."""
    reason = " ".join(_PATH.sub("", str(error)).split()).strip(" :;,.")
    if not reason:
        return ImportProblem("unreadable", format=format_name)
    return ImportProblem("unreadable_because", format=format_name, reason=reason[:300])


# An absolute path (GDAL's /vsizip/… included) in a message: where the job's files live is nobody's business.
_PATH = re.compile(r"""['"]?(?:/vsi[a-z0-9_]+)?/[^\s'"]*['"]?""")
