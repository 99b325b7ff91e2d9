"""python manage.py export_layer SLUG FORMAT [--crs EPSG:…] [--output PATH]: the open-data download,
written to a file. Only public layers, like an anonymous download, unless --as-user names someone."""

import shutil
import tempfile
from pathlib import Path

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError

from layers import crs as crs_module
from layers import exports
from layers.access import get_visible_layer
from layers.errors import LayerNotFound


class Command(BaseCommand):
    help = "Export a layer as geojson, csv, gpkg, shp.zip or kml."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("format", choices=list(exports.FORMATS))
        parser.add_argument("--crs", default="")
        parser.add_argument("--output", type=Path)
        parser.add_argument("--as-user", default="", help="export what this user may see (default: public only)")

    def handle(self, *args, **opts):
        user = User.objects.filter(username=opts["as_user"]).first() if opts["as_user"] else None
        try:
            layer = get_visible_layer(user, opts["slug"])
        except LayerNotFound:
            raise CommandError(f"no layer {opts['slug']!r} visible to {opts['as_user'] or 'the public'}") from None
        fmt = opts["format"]
        try:
            crs = exports.target_crs(opts["crs"])
        except crs_module.UnknownCrs:
            raise CommandError("--crs must be an EPSG code such as EPSG:9210") from None
        output = opts["output"] or Path(f"{layer.slug}-v{layer.version}{exports.FORMATS[fmt].suffix}")
        with tempfile.TemporaryDirectory() as tmp:
            path = exports.write_file(layer, fmt, crs, Path(tmp))
            shutil.move(path, output)
        self.stdout.write(f"{output}: {layer.feature_count} features, version {layer.version}")
