"""The command line imports with a progress bar and exports the same files as the API."""

import pyogrio
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from layers.models import Layer
from tests.departments import make_department
from tests.import_files import write_shapefile_zip

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("import_dir")]


def test_import_layer_shows_progress_and_a_report(tmp_path, capsys):
    upload = write_shapefile_zip(tmp_path, encoding="vni")
    call_command("import_layer", str(upload), "--layer", "thua-dat", "--title", "Thửa đất", "--domain", "land_plan",
                 "--lang", "en")
    out = capsys.readouterr().out
    assert "100%" in out and "succeeded" in out
    assert "read 5, loaded 5" in out and "read as VNI-Windows" in out
    assert Layer.objects.get(slug="thua-dat").feature_count == 5


def test_import_layer_gives_a_new_layer_the_department_named(tmp_path):
    make_department("000.00.17.H39", name="Sở Tài nguyên và Môi trường")
    upload = write_shapefile_zip(tmp_path, encoding="vni")
    call_command("import_layer", str(upload), "--layer", "thua-dat", "--title", "Thửa đất", "--domain", "land_plan",
                 "--department", "000.00.17.H39")
    assert Layer.objects.get(slug="thua-dat").owner.code == "000.00.17.H39"
    with pytest.raises(CommandError, match="no department with the code “nope”"):
        call_command("import_layer", str(upload), "--layer", "khac", "--title", "Khác", "--domain", "land_plan",
                     "--department", "nope", "--lang", "en")
    assert not Layer.objects.filter(slug="khac").exists()


def test_import_layer_refuses_virtual_paths(tmp_path):
    with pytest.raises(CommandError, match="is not a file"):
        call_command("import_layer", "/vsicurl/http://example.org/x.geojson", "--layer", "x")
    with pytest.raises(CommandError, match="is not a file"):
        call_command("import_layer", "PG:dbname=geo_ioc", "--layer", "x")


def test_export_layer_writes_a_file_gdal_reads(tmp_path, world):
    target = tmp_path / "schools.gpkg"
    call_command("export_layer", "schools", "gpkg", "--output", str(target))
    assert pyogrio.read_info(target)["features"] == 4
    with pytest.raises(CommandError):
        call_command("export_layer", "incidents", "csv", "--output", str(tmp_path / "x.csv"))
