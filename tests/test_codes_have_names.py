"""Names, not codes: every coded administrative property of the demo world's layers carries its names
as schema choices (which the popups, the table and the legends show), covering every code its
features hold, in Vietnamese and English."""

import pytest

from fixtures.world import generate_world

CODED = ("district_code", "commune_code")


@pytest.fixture(scope="module")
def world():
    return generate_world()


def test_every_administrative_code_a_feature_carries_has_a_name(world):
    checked = 0
    for layer in world.layers:
        for prop in layer.property_schema:
            if prop["name"] not in CODED:
                continue
            names = {choice["value"]: choice for choice in prop.get("choices", [])}
            used = {f.properties[prop["name"]] for f in layer.features if f.properties.get(prop["name"])}
            assert used <= set(names), (layer.slug, prop["name"], sorted(used - set(names))[:5])
            checked += len(used)
    assert checked > 100


def test_a_district_is_named_as_people_write_it(world):
    schema = {p["name"]: p for p in world.layer("health-facilities").property_schema}
    districts = {c["value"]: (c["label_vi"], c["label_en"]) for c in schema["district_code"]["choices"]}
    assert districts["803"] == ("Huyện Bến Lức", "Ben Luc district")
    assert schema["district_code"]["label_vi"] == "Huyện" and schema["commune_code"]["label_en"] == "Commune"
    communes = schema["commune_code"]["choices"]
    assert all(c["label_vi"] and c["label_en"] for c in communes) and len(communes) == 188
