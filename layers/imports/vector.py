"""Reading a vector source with pyogrio in batches: what the file says about itself (`inspect`), then
its features with text decoded and the JSON text of their properties (`batches`).

A 2D file whose fields are all text, numbers and JSON (lists, objects), in UTF-8, is streamed through
GDAL's Arrow interface and its properties' JSON is built column by column by Arrow's string kernels:
no Python object per value except floats (their JSON is Python's repr) and JSON values. Any other
file (legacy text, dates, booleans) is read into NumPy arrays and built per value in Python. Both
give the same text.

A property whose value is a list (GDAL's *List fields: a feature's `bbox`) or a JSON object or array
(GDAL's JSON subtype) is kept as JSON, not as the text of it; NUL characters, which PostgreSQL's
jsonb cannot hold, are dropped from every text.

GDAL linearises curved geometries (CircularString, CompoundCurve, CurvePolygon, MultiCurve,
MultiSurface) when pyogrio reads features one by one, but its Arrow stream hands a GeoPackage's
blobs over as they are: the Arrow reader reads those rows again through the one that linearises,
and counts them; the NumPy reader counts a GeoPackage's from the blobs of its Arrow stream.
"""

import json
import math
# The C encoder of a JSON string, keeping non-ASCII letters as they are.
from json.encoder import encode_basestring as _encode_string
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyogrio
from pyogrio import raw
from pyogrio.errors import DataLayerError, DataSourceError, FieldError, GeometryError
from pyproj import CRS
from pyproj.exceptions import CRSError

from layers import encodings
from layers.imports.problems import ImportProblem, unreadable
from layers.imports.sources import Source

# CSV columns GDAL takes as coordinates or geometry (case-insensitive), in order of preference.
CSV_OPTIONS = {
    "X_POSSIBLE_NAMES": "lon,lng,long,longitude,x,kinh_do,kinhdo",
    "Y_POSSIBLE_NAMES": "lat,latitude,y,vi_do,vido",
    "GEOM_POSSIBLE_NAMES": "wkt,geom,geometry,the_geom,wkt_geom",
    "KEEP_GEOM_COLUMNS": "NO",
    "AUTODETECT_TYPE": "YES",
    "QUOTED_FIELDS_AS_STRING": "YES",
}
# Columns taken as the source id when the steward names none, in order of preference.
ID_CANDIDATES = ("source_id", "id", "fid", "gid", "objectid", "ma", "code")
# A read with this encoding hands back each byte as one character, for layers.encodings to decode.
RAW_BYTES = "ISO-8859-1"
_PROPERTY_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
JSON = "json"  # the dtype Inspection gives a list field or a JSON-subtype text field
_READ_ERRORS = (DataSourceError, DataLayerError, FieldError, GeometryError, UnicodeDecodeError, CRSError)
# Field types the Arrow reader turns into JSON itself (read_info's NumPy names).
_ARROW_DTYPES = {"object", "int16", "int32", "int64", "float32", "float64", JSON}
# What a JSON string escapes (json.encoder's ESCAPE): control characters, the quote, the backslash.
_JSON_ESCAPED = r'[\x00-\x1f"\\]'
TEXT = pa.large_string()  # 64-bit offsets: a batch of big polygons may pass 2 GiB of hex


@dataclass(frozen=True)
class Inspection:
    layer_name: str
    layers: list[str]  # the spatial layers of the file
    crs: CRS | None
    fields: list[str]  # as GDAL reports them (raw bytes as latin-1 text for legacy formats)
    dtypes: list[str]
    binary: list[str]  # binary fields, not imported
    has_z: bool
    features: int  # -1 when the driver cannot tell cheaply
    bounds: tuple[float, float, float, float] | None


def open_options(source: Source) -> dict[str, str]:
    return dict(CSV_OPTIONS) if source.format == "csv" else {}


def read_encoding(source: Source) -> str | None:
    return RAW_BYTES if source.legacy_text else None


def list_layers(source: Source) -> list[str]:
    try:
        layers = pyogrio.list_layers(source.path)
    except _READ_ERRORS as error:
        raise unreadable(source.format, error) from None
    # Attribute-only tables of a GeoPackage have no geometry type; they are not layers to import.
    spatial = [str(name) for name, geom_type in layers if geom_type is not None]
    return spatial or [str(name) for name, _t in layers]


def inspect(source: Source, layer: str | None) -> Inspection:
    layers = list_layers(source)
    if layer is not None and layer not in layers:
        raise ImportProblem("layer_not_in_file", name=layer, names=", ".join(layers))
    name = layer or layers[0]
    try:
        info = pyogrio.read_info(source.path, layer=name, encoding=read_encoding(source),
                                 force_total_bounds=True, **open_options(source))
    except _READ_ERRORS as error:
        raise unreadable(source.format, error) from None
    # The allow-list, checked after the fact: the driver GDAL picked must be the format's own.
    if info["driver"] not in source.drivers:
        raise ImportProblem("content_mismatch", format=source.format)
    if info["geometry_type"] is None:
        raise ImportProblem("no_geometry_column")
    crs = None
    if info["crs"]:
        try:
            crs = CRS.from_user_input(info["crs"])
        except CRSError:
            crs = None
    geometry_type = info["geometry_type"] or ""
    bounds = info.get("total_bounds")
    subtypes = info.get("ogr_subtypes") or ["OFSTNone"] * len(info["fields"])
    kinds = [(f, JSON if t.endswith("List") or s == "OFSTJSON" else d, t)
             for f, d, t, s in zip(info["fields"], info["dtypes"], info["ogr_types"], subtypes)]
    return Inspection(
        layer_name=name, layers=layers, crs=crs,
        fields=[str(f) for f, _d, t in kinds if t != "OFTBinary"],
        dtypes=[str(d) for _f, d, t in kinds if t != "OFTBinary"],
        binary=[str(f) for f, _d, t in kinds if t == "OFTBinary"],
        has_z=geometry_type.endswith(("Z", "M", "ZM")) or " Z" in geometry_type,
        features=int(info["features"]),
        bounds=tuple(float(v) for v in bounds) if bounds is not None and np.all(np.isfinite(bounds)) else None,
    )


def text_samples(source: Source, inspection: Inspection, *, limit: int = 2000) -> list[bytes]:
    """Raw bytes of text values and field names of the first features, for guessing the encoding."""
    string_fields = [f for f, d in zip(inspection.fields, inspection.dtypes) if d == "object"]
    samples = [name.encode("latin-1", "replace") for name in inspection.fields]
    if string_fields:
        _meta, _fids, _geoms, data = _read(source, inspection, 0, limit, columns=string_fields, geometry=False)
        for column in data:
            samples += [v.encode("latin-1") for v in column if isinstance(v, str) and v]
    return samples


@dataclass
class Batch:
    offset: int  # rows are numbered offset + 1, offset + 2, … (1-based, in file order)
    fids: np.ndarray
    wkb: np.ndarray
    columns: dict[str, np.ndarray | pa.Array]  # decoded field name → values
    properties: pa.Array  # the JSON text of each row's properties (TEXT)
    linearised: int = 0  # curved geometries GDAL approximated by straight segments in this batch

    def values(self, name: str) -> list:
        column = self.columns[name]
        return column.to_pylist() if isinstance(column, pa.Array) else column.tolist()


def batches(source: Source, inspection: Inspection, *, encoding: str | None, size: int) -> Iterator[Batch]:
    names = [decode_text(f, encoding, row=0, field=f) for f in inspection.fields]
    if encoding is None and not inspection.has_z and set(inspection.dtypes) <= _ARROW_DTYPES:
        yield from _arrow_batches(source, inspection, names, size)
        return
    offset = 0
    # This reader has GDAL linearise curves without a word: a GeoPackage's are counted from its blobs.
    linearised = _count_curved(source, inspection) if source.format == "gpkg" else 0
    while True:
        _meta, fids, wkb, data = _read(source, inspection, offset, size, columns=inspection.fields)
        if len(wkb) == 0:
            return
        columns = {}
        for name, dtype, values in zip(names, inspection.dtypes, data):
            if dtype == JSON:
                values = json_values(values.tolist())
            elif dtype == "object" and encoding is not None:
                values = _decode_column(values, encoding, name, offset)
            elif dtype == "object":
                values = np.array([_clean_text(v) if isinstance(v, str) else v for v in values], dtype=object)
            columns[name] = values
        yield Batch(offset, fids, wkb, columns, pa.array(property_json(columns, len(wkb)), TEXT),
                    linearised=linearised if offset == 0 else 0)
        offset += len(wkb)
        if len(wkb) < size:
            return


def _arrow_batches(source: Source, inspection: Inspection, names: list[str], size: int) -> Iterator[Batch]:
    """One pass over the file (no skip_features per batch, which is a re-read for most drivers)."""
    offset = 0
    try:
        # GDAL's Arrow stream cannot force 2D: layers.imports.geometry.check does it.
        with raw.open_arrow(source.path, layer=inspection.layer_name, columns=inspection.fields,
                            return_fids=True, batch_size=size, use_pyarrow=True, **open_options(source)) as opened:
            meta, reader = opened
            for record in reader:
                if record.num_rows == 0:
                    continue
                columns = {name: json_values(record.column(field).to_pylist()) if dtype == JSON
                           else _arrow_values(record.column(field))
                           for name, field, dtype in zip(names, inspection.fields, inspection.dtypes)}
                fids = record.column(meta["fid_column"]).to_numpy()
                geometries = record.column(meta["geometry_name"] or "wkb_geometry")
                wkb = geometries.to_numpy(zero_copy_only=False)
                curved = _curved(geometries)
                if curved.any():
                    wkb = wkb.copy()
                    wkb[curved] = _linear_wkb(source, inspection, fids[curved])
                yield Batch(offset, fids, wkb, columns, _arrow_json(columns, record.num_rows),
                            linearised=int(curved.sum()))
                offset += record.num_rows
    except (*_READ_ERRORS, pa.ArrowException) as error:  # text that is not UTF-8, a stream GDAL could not finish
        raise unreadable(source.format, error) from None


# ISO WKB type codes (modulo 1000, the Z/M/ZM offsets) of curved geometries, which GEOS cannot read.
_CURVED_WKB = np.array([8, 9, 10, 11, 12, 13, 14])


def _curved(wkb: pa.Array) -> np.ndarray:
    """Which rows of an Arrow WKB column hold a curved geometry, from each blob's header (byte order,
    then the type as a 32-bit integer), read for the whole column at once."""
    wkb = wkb.combine_chunks() if isinstance(wkb, pa.ChunkedArray) else wkb
    offset_type = np.int64 if pa.types.is_large_binary(wkb.type) else np.int32
    _validity, offsets, data = wkb.buffers()
    starts = np.frombuffer(offsets, dtype=offset_type)[wkb.offset:wkb.offset + len(wkb) + 1]
    sizes = np.diff(starts)
    curved = np.zeros(len(wkb), dtype=bool)
    rows = np.flatnonzero(sizes >= 5)
    if not len(rows) or data is None:
        return curved
    raw_bytes = np.frombuffer(data, dtype=np.uint8)
    head = raw_bytes[starts[rows][:, None] + np.arange(5)].astype(np.uint32)
    little = head[:, 0] == 1
    code = np.where(little, head[:, 1] | head[:, 2] << 8 | head[:, 3] << 16 | head[:, 4] << 24,
                    head[:, 4] | head[:, 3] << 8 | head[:, 2] << 16 | head[:, 1] << 24)
    curved[rows] = np.isin((code & 0x0FFFFFFF) % 1000, _CURVED_WKB)
    if wkb.null_count:
        curved &= ~np.asarray(wkb.is_null())
    return curved


def _count_curved(source: Source, inspection: Inspection) -> int:
    """Curved geometries in the layer, from the blobs GDAL's Arrow stream hands over as they are (the
    geometry column alone: a GeoPackage copies them without parsing)."""
    count = 0
    try:
        with raw.open_arrow(source.path, layer=inspection.layer_name, columns=[], use_pyarrow=True,
                            **open_options(source)) as (meta, reader):
            for record in reader:
                count += int(_curved(record.column(meta["geometry_name"] or "wkb_geometry")).sum())
    except (*_READ_ERRORS, pa.ArrowException) as error:
        raise unreadable(source.format, error) from None
    return count


def _linear_wkb(source: Source, inspection: Inspection, fids: np.ndarray) -> np.ndarray:
    """The geometries of the features `fids`, read again feature by feature: pyogrio's reader has GDAL
    linearise curves (OGR_G_GetLinearGeometry, OGR_ARC_STEPSIZE: 4° per segment by default)."""
    try:
        _meta, _fids, wkb, _data = raw.read(source.path, layer=inspection.layer_name, fids=fids.tolist(),
                                            columns=[], force_2d=True, **open_options(source))
    except _READ_ERRORS as error:
        raise unreadable(source.format, error) from None
    return wkb


def _clean_text(value: str) -> str:
    return unicodedata.normalize("NFC", value.replace("\x00", "") if "\x00" in value else value)


def json_values(values: list) -> np.ndarray:
    """Values of a list or JSON field as JSON values (lists, objects, numbers, text), ready for
    json.dumps: NaN and infinities as null, NUL characters dropped, text NFC. A JSON text that does
    not parse, or nests deeper than _JSON_DEPTH, is kept as the text it is."""
    out = np.empty(len(values), dtype=object)
    for i, value in enumerate(values):
        if isinstance(value, np.ndarray):
            value = value.tolist()
        if isinstance(value, str):
            try:
                value = _json_clean(json.loads(value, parse_constant=_no_constant), 0)
            except (ValueError, RecursionError):
                value = _clean_text(value)
        elif value is not None:
            value = _json_clean(value, 0)
        out[i] = value
    return out


_JSON_DEPTH = 64  # levels of nesting kept as JSON; deeper is a text (PostgreSQL's stack, our recursion)


def _no_constant(name: str):
    raise ValueError(name)  # NaN, Infinity: not JSON, and not something jsonb holds


def _json_clean(value: Any, depth: int) -> Any:
    if depth > _JSON_DEPTH:
        raise ValueError("too deep")
    if isinstance(value, str):
        return _clean_text(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {_clean_text(str(k)): _json_clean(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_clean(v, depth + 1) for v in value]
    if isinstance(value, np.generic):
        return _json_clean(value.item(), depth)
    return value


def _arrow_values(values: pa.Array) -> pa.Array:
    if pa.types.is_string(values.type) or pa.types.is_large_string(values.type):
        if pc.any(pc.match_substring(values, "\x00")).as_py():
            values = pc.replace_substring(values, "\x00", "")
        return pc.utf8_normalize(values, "NFC")
    if pa.types.is_integer(values.type) and values.null_count:
        # As the NumPy reader gives them: an integer column with a missing value in the batch is
        # read as floats, the missing ones NaN.
        return values.cast(pa.float64())
    return values


def _arrow_json(columns: dict[str, pa.Array], n: int) -> pa.Array:
    if not columns:
        return pa.array(["{}"] * n, TEXT)
    parts = []
    for i, (name, values) in enumerate(columns.items()):
        # A list or JSON field arrives as JSON values (json_values), any other as an Arrow array.
        texts = pa.array(_json_texts(values), TEXT) if isinstance(values, np.ndarray) else _arrow_texts(values)
        parts += [_text(("{" if i == 0 else ",") + _encode_string(name) + ":"), texts]
    return pc.binary_join_element_wise(*parts, _text("}"), _text(""))


def _arrow_texts(values: pa.Array) -> pa.Array:
    """The JSON text of each value, as _json_texts writes it."""
    if pa.types.is_floating(values.type):
        return pa.array(_json_texts(values.to_numpy(zero_copy_only=False)), TEXT)
    if pa.types.is_integer(values.type):  # without nulls (_arrow_values)
        return values.cast(TEXT)
    text = values.cast(TEXT)
    if pc.any(pc.match_substring_regex(text, _JSON_ESCAPED)).as_py():
        return pa.array(_json_texts(np.array(text.to_pylist(), dtype=object)), TEXT)
    quote = _text('"')
    return pc.fill_null(pc.binary_join_element_wise(quote, text, quote, _text("")), _text("null"))


def _text(value: str) -> pa.Scalar:
    return pa.scalar(value, TEXT)


def _read(source: Source, inspection: Inspection, offset: int, size: int, *, columns: list[str] | None = None,
          geometry: bool = True):
    options = open_options(source)
    try:
        try:
            return raw.read(source.path, layer=inspection.layer_name, encoding=read_encoding(source),
                            columns=columns, read_geometry=geometry, force_2d=True, skip_features=offset,
                            max_features=size, return_fids=True, **options)
        except ValueError:
            # A date GDAL took as one that Python cannot hold ("2020-02-30", year 0): GeoJSON can
            # hand the batch's dates over as the text they are; other formats are refused with it.
            if source.format != "geojson":
                raise
            return raw.read(source.path, layer=inspection.layer_name, columns=columns, read_geometry=geometry,
                            force_2d=True, skip_features=offset, max_features=size, return_fids=True,
                            DATE_AS_STRING="YES", **options)
    except (*_READ_ERRORS, ValueError) as error:
        raise unreadable(source.format, error) from None


def decode_text(value: str, encoding: str | None, *, row: int, field: str) -> str:
    """A text read with RAW_BYTES, decoded with `encoding`; or already decoded (encoding None)."""
    if encoding is None:
        return _clean_text(value)
    try:
        return encodings.decode(value.encode("latin-1"), encoding).replace("\x00", "")
    except (encodings.UndecodableText, UnicodeEncodeError):
        raise ImportProblem("undecodable_text", row=row, field=field, encoding=encoding) from None


def _decode_column(values: np.ndarray, encoding: str, field: str, offset: int) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    for i, v in enumerate(values):
        out[i] = decode_text(v, encoding, row=offset + i + 1, field=field) if isinstance(v, str) else v
    return out


def property_json(columns: dict[str, np.ndarray], n: int) -> list[str]:
    """The JSON text of each row's properties: NaN becomes null, dates ISO 8601.

    Built column by column from C-encoded values and joined once per row: json.dumps of a dict per
    row costs several times more on a million features.
    """
    if not columns:
        return ["{}"] * n
    parts = []
    for i, (name, values) in enumerate(columns.items()):
        key = ("{" if i == 0 else ",") + _encode_string(name) + ":"
        parts.append([key + v for v in _json_texts(values)])
    return ["".join(row) + "}" for row in zip(*parts)]


def _json_texts(values: np.ndarray) -> list[str]:
    kind = values.dtype.kind
    if kind == "f" and np.isfinite(values).all():
        return list(map(repr, values.tolist()))
    if kind == "f":
        return ["null" if v != v or v in (math.inf, -math.inf) else repr(v) for v in values.tolist()]
    if kind in "iu":
        return [str(v) for v in values.tolist()]
    if kind == "b":
        return ["true" if v else "false" for v in values.tolist()]
    if kind == "M":
        return ["null" if np.isnat(v) else '"' + str(v) + '"' for v in values]
    values = values.tolist()
    try:
        # Text columns are all str or None: the C encoder alone, without a type test per value.
        return ["null" if v is None else _encode_string(v) for v in values]
    except TypeError:
        return [_value_text(v) for v in values]


def _value_text(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, str):
        return _encode_string(value)
    if isinstance(value, (date, datetime)):
        return '"' + value.isoformat() + '"'
    return json.dumps(value, ensure_ascii=False, allow_nan=False)


def schema_type(dtype: str) -> str:
    if dtype == JSON:
        return "json"
    if dtype.startswith(("int", "uint")):
        return "integer"
    if dtype.startswith("float"):
        return "number"
    if dtype == "bool":
        return "boolean"
    if dtype.startswith("datetime64[D]"):
        return "date"
    if dtype.startswith("datetime64"):
        return "datetime"
    return "string"


def filterable(name: str) -> bool:
    return bool(_PROPERTY_NAME.match(name))
