"""One error-code registry (layers.error_codes): every code an HTTP response can carry is there once,
with its status and a message in Vietnamese and English, and the README and the OpenAPI schema name
exactly that set."""

import ast
import re
from pathlib import Path

import pytest
import yaml
from django.test import Client
from django.utils import translation

from layers.error_codes import CODES
from layers.errors import _DRF_CODES, ApiError, NotFound

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("layers", "tiles", "wall", "geo_ioc", "dashboard", "fixtures")


def sources() -> dict[Path, ast.Module]:
    return {path: ast.parse(path.read_text(encoding="utf-8"))
            for package in PACKAGES for path in sorted((ROOT / package).rglob("*.py"))
            if "migrations" not in path.parts}


def _name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def error_classes(trees: dict[Path, ast.Module]) -> dict[str, str]:
    """{class name: its code} for ApiError and every subclass in the code base (by name, to a fixpoint)."""
    classes = {node.name: node for tree in trees.values() for node in ast.walk(tree) if isinstance(node, ast.ClassDef)}
    names = {"ApiError"}
    while True:
        more = {n for n, node in classes.items() if n not in names and any(_name(b) in names for b in node.bases)}
        if not more:
            break
        names |= more
    codes = {}
    for name in names:
        for statement in classes[name].body:
            if (isinstance(statement, ast.Assign) and [_name(t) for t in statement.targets] == ["code"]
                    and isinstance(statement.value, ast.Constant)):
                codes[name] = statement.value.value
    return codes


def literal_codes_at_raise_sites(trees: dict[Path, ast.Module], classes: set[str]) -> dict[str, str]:
    """{code: where} for every string literal passed as `code=` to an ApiError class, as the second
    argument of an import BadOption (it becomes an ImportRefused's code), or as a code argument of
    error_body/error_response, and the codes of gunicorn's own error bodies."""
    found = {}
    for path, tree in trees.items():
        where = str(path.relative_to(ROOT))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            called = _name(node.func)
            values = []
            if called in classes:
                values += [k.value for k in node.keywords if k.arg == "code"]
            if called == "BadOption" and len(node.args) >= 2:
                values.append(node.args[1])
            if called in ("error_body", "error_response") and len(node.args) >= 2:
                values.append(node.args[1])
            for value in values:
                if isinstance(value, ast.Constant) and isinstance(value.value, str):
                    found[value.value] = f"{where}:{node.lineno}"
    gunicorn = trees[ROOT / "geo_ioc" / "gunicorn_conf.py"]
    for node in ast.walk(gunicorn):
        if isinstance(node, ast.Assign) and [_name(t) for t in node.targets] == ["codes"]:
            for value in node.value.values:
                found[value.value] = f"geo_ioc/gunicorn_conf.py:{node.lineno}"
    return found


def readme_codes() -> dict[str, int]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("### Errors"):]
    section = section[:section.index("\n## ") if "\n## " in section else len(section)]
    section = section[:section.index("\n### ", 1) if "\n### " in section[1:] else len(section)]
    return {code: int(status) for code, status in re.findall(r"^\| `([a-z_]+)` \| (\d{3}) \|", section, re.M)}


def test_every_error_class_in_the_code_base_names_a_registered_code():
    classes = error_classes(sources())
    assert {"ApiError", "LayerNotFound", "InvalidTile", "ImportRefused", "RasterUnavailable"} <= set(classes)
    assert {name: code for name, code in classes.items() if code not in CODES} == {}


def test_every_code_passed_at_a_raise_site_or_written_by_hand_is_registered():
    trees = sources()
    found = literal_codes_at_raise_sites(trees, set(error_classes(trees)))
    assert {"playlist_not_found", "playlist_empty", "file_needed", "bad_slug", "expectation_failed"} <= set(found)
    assert {code: where for code, where in found.items() if code not in CODES} == {}


def test_drfs_own_exceptions_map_to_registered_codes_of_the_same_status():
    assert {cls.__name__: code for cls, code in _DRF_CODES.items()
            if code not in CODES or CODES[code].status != cls.status_code} == {}


def test_a_class_takes_its_status_and_message_from_the_registry():
    assert (NotFound.status_code, str(NotFound.default_detail)) == (404, str(CODES["not_found"].message))
    error = NotFound(code="playlist_empty")
    assert (error.code, error.status_code, str(error.detail)) == (
        "playlist_empty", 404, str(CODES["playlist_empty"].message))


def test_it_refuses_an_unregistered_code_at_the_raise_site_and_in_a_class():
    with pytest.raises(ValueError, match="no_such_code"):
        ApiError(code="no_such_code")
    with pytest.raises(ValueError, match="another_code"):
        type("Unregistered", (ApiError,), {"code": "another_code"})
    with pytest.raises(TypeError, match="layers.error_codes"):
        type("OwnStatus", (ApiError,), {"code": "not_found", "status_code": 410})


def test_every_registered_message_reads_in_vietnamese_and_in_english():
    untranslated = []
    for code, entry in CODES.items():
        with translation.override("en"):
            english = str(entry.message)
        with translation.override("vi"):
            vietnamese = str(entry.message)
        if not english or vietnamese == english:
            untranslated.append(code)
    assert untranslated == []


def test_the_readmes_table_lists_exactly_the_registered_codes_with_their_status():
    assert readme_codes() == {code: entry.status for code, entry in CODES.items()}


@pytest.mark.django_db
def test_the_openapi_schema_names_exactly_the_registered_codes_and_types_every_error_response():
    response = Client().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    error = schema["components"]["schemas"]["Error"]
    assert set(error["properties"]["code"]["enum"]) == set(CODES)
    assert len(error["properties"]["code"]["enum"]) == len(CODES)
    assert set(error["required"]) == {"detail", "code"}
    untyped = [(path, method) for path, operations in schema["paths"].items()
               for method, operation in operations.items()
               if operation["responses"]["default"]["content"]["application/json"]["schema"]["$ref"]
               != "#/components/schemas/Error"]
    assert untyped == []
