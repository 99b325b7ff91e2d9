"""The modules of tiles/ import each other in one direction: Celery tasks import the functions they
run, the code that queues work asks for it by task name (tiles.queueing), and the cluster grid's
arithmetic has one home (tiles.cells) that neither the renderer nor the precomputation imports
through the other."""

import ast
import subprocess
import sys
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

from geo_ioc.celery import app as celery_app
from tiles import queueing

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = sorted(p.parent.name for p in ROOT.glob("*/__init__.py")
                  if p.parent.name not in ("tests", "bench"))


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for package in PACKAGES for p in (ROOT / package).rglob("*.py")
           if "migrations" not in p.parts}


def imports_of(module: str, *, top_level_only: bool = False) -> set[str]:
    """The project modules and the outside top-level packages `module` imports (at any depth of its
    code, or only at its top level)."""
    tree = ast.parse(MODULES[module].read_text())
    nodes = tree.body if top_level_only else ast.walk(tree)
    found = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        for name in names:
            found.add(name if name in MODULES else name.split(".")[0])
    return found


def tiles_graph() -> dict[str, set[str]]:
    return {m: {i for i in imports_of(m) if i.startswith("tiles.") and i != m}
            for m in MODULES if m.startswith("tiles.")}


def test_the_modules_of_tiles_import_each_other_without_a_circle():
    try:
        order = list(TopologicalSorter(tiles_graph()).static_order())
    except CycleError as error:
        raise AssertionError(f"import circle in tiles/: {' → '.join(reversed(error.args[1]))}") from None
    assert order.index("tiles.cells") < order.index("tiles.mvt") < order.index("tiles.delivery")
    assert order.index("tiles.seeding") < order.index("tiles.tasks")


def test_no_module_of_tiles_imports_tiles_inside_a_function_except_the_app_config():
    """Imports inside functions are how a circle hides; only AppConfig.ready must import late."""
    late = {m: {i for i in imports_of(m) - imports_of(m, top_level_only=True) if i.startswith("tiles")}
            for m in tiles_graph() if m != "tiles.apps"}
    assert {m: found for m, found in late.items() if found} == {}


def test_only_the_tasks_module_and_the_queueing_module_of_tiles_know_celery():
    knowing = {m for m in tiles_graph() if {"celery", "kombu"} & imports_of(m)}
    assert knowing == {"tiles.tasks", "tiles.queueing"}


def test_the_cluster_computation_reaches_no_celery_through_what_it_imports():
    """Followed through the project's modules and their packages, except geo_ioc's own package,
    which loads the Celery app in every process (the Django convention), not for the clusters."""
    seen, todo = set(), ["tiles.generalize", "tiles.cells", "tiles.mvt"]
    while todo:
        module = todo.pop()
        if module not in seen:
            seen.add(module)
            parents = {module.rsplit(".", n)[0] for n in range(1, module.count(".") + 1)}
            todo += [i for i in imports_of(module) | parents if i in MODULES and i.split(".")[0] != "geo_ioc"]
    assert not {"celery", "kombu"} & {i for m in seen for i in imports_of(m)}
    assert "tiles.tasks" not in seen and "tiles.queueing" not in seen


def test_the_queued_cluster_build_names_a_registered_task():
    celery_app.loader.import_default_modules()
    assert queueing.BUILD_CLUSTERS in celery_app.tasks


def test_every_module_of_tiles_imports_in_a_fresh_interpreter():
    modules = sorted(tiles_graph())
    code = "import django; django.setup(); " + "; ".join(f"import {m}" for m in modules)
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
