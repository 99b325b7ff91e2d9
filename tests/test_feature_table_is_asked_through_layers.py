"""Only `layers/` writes SQL on the feature table: tiles, the wall and the coming indicator, alert and
analysis code ask layers.query for the table, the conditions and the property expressions, so the
time-window rule and the index-friendly shapes are written once."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The feature store's own package, the tests and benchmarks (which load and inspect the table), and
# migrations (which create it) may name it; so may what is not our source.
ALLOWED = {"layers", "tests", "bench", "migrations", ".venv", "var", "node_modules", ".git"}


def python_sources() -> list[Path]:
    return [
        path for path in ROOT.rglob("*.py")
        if not ALLOWED.intersection(path.relative_to(ROOT).parts)
        and not any(part.endswith(".egg-info") for part in path.relative_to(ROOT).parts)
    ]


def test_no_module_outside_layers_names_the_feature_table():
    naming = [str(path.relative_to(ROOT)) for path in python_sources() if "layers_feature" in path.read_text()]
    assert naming == [], "ask layers.query (FEATURES, where, during, having, number…) instead"


def test_the_search_covers_the_modules_that_ask_the_feature_store():
    searched = {str(path.relative_to(ROOT)) for path in python_sources()}
    assert {"tiles/mvt.py", "tiles/generalize.py", "wall/metrics.py"} <= searched
