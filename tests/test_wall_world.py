"""The wall's demo scenes are seeded once, keep an operator's changes and read only layers of the
demo world (the wall's small Long An is in tests/wall_world.py)."""

from fixtures.world import LAYER_SLUGS
from tests.wall_world import ENV_NOW, TRAFFIC_NOW
from wall.models import Scene
from wall.panels import referenced_slugs
from wall.seed import SCENES, ensure_demo_scenes


def test_the_demo_scenes_are_seeded_once_with_their_reference_times(demo_wall):
    ensure_demo_scenes()
    assert Scene.objects.count() == 4
    assert [e.scene.slug for e in demo_wall.entries.order_by("order")] == [s[0] for s in SCENES]
    assert Scene.objects.get(slug="traffic").as_of == TRAFFIC_NOW
    assert Scene.objects.get(slug="environment").as_of == ENV_NOW


def test_seeding_keeps_what_an_operator_changed_unless_asked_to_reset(demo_wall):
    Scene.objects.filter(slug="traffic").update(title_vi="Giao thông (đã sửa)")
    ensure_demo_scenes()
    assert Scene.objects.get(slug="traffic").title_vi == "Giao thông (đã sửa)"
    ensure_demo_scenes(reset=True)
    assert Scene.objects.get(slug="traffic").title_vi == "Giao thông và trật tự công cộng"


def test_the_demo_scenes_read_only_layers_of_the_demo_world():
    for slug, _vi, _en, layout, _as_of in SCENES:
        assert referenced_slugs(layout) <= set(LAYER_SLUGS), slug
