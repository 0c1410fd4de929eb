"""The package's floor plan: every import, at a module's top or inside a
function, points down a declared order of layers, so the import graph has
no circle; and every module imports on its own, in a fresh interpreter."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "keras_ae"

# Module (or package prefix) -> its layer, lowest first. A module may import
# from its own layer or below, never above; the most specific prefix wins.
LAYERS: dict[str, int] = {
    # What imports nothing of keras_ae, or only these.
    "keras_ae._version": 0,
    "keras_ae._backend": 0,
    "keras_ae.validation": 0,
    "keras_ae.hub": 0,
    "keras_ae.multi_worker": 0,
    "keras_ae.recipes": 0,
    # The TensorFlow-free tables the command line checks its arguments against.
    "keras_ae.catalog": 1,
    # Run folders and how a saved model loads back; the preset store it loads presets from.
    "keras_ae.outputs": 2,
    "keras_ae.presets": 2,
    # Pieces the models are made of, and the data.
    "keras_ae.latent": 3,
    "keras_ae.labels": 3,
    "keras_ae.layers": 3,
    "keras_ae.losses": 3,
    "keras_ae.blocks": 3,
    "keras_ae.timeseries": 3,
    "keras_ae.datasets": 3,
    # The models: the base classes, the families, building one by name.
    "keras_ae.models": 4,
    # What uses a model: measuring, training's pieces, pictures, export.
    "keras_ae.evaluation": 5,
    "keras_ae.callbacks": 5,
    "keras_ae.distribute": 5,
    "keras_ae.plotting": 5,
    "keras_ae.export": 5,
    "keras_ae.patch_features": 5,
    "keras_ae.restoration": 5,
    "keras_ae.disentanglement": 5,
    # Applications: training runs, detectors, the scikit-learn wrapper, pictures of a saved model.
    "keras_ae.training": 6,
    "keras_ae.anomaly": 6,
    "keras_ae.wrappers": 6,
    "keras_ae.pictures": 6,
    # The zoo (its headline metrics use the applications), the command line, the public namespace.
    "keras_ae.zoo": 7,
    "keras_ae.cli": 8,
    "keras_ae": 8,
}


def module_files(package: Path = PACKAGE) -> dict[str, Path]:
    """Dotted module name -> file, for every module of the package."""
    modules = {}
    for path in sorted(package.rglob("*.py")):
        if path.name.endswith("_test.py"):  # a family's test, beside its model: not part of the package's floor plan
            continue
        parts = list(path.relative_to(package.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(parts)] = path
    return modules


def imports_of(name: str, path: Path, modules) -> set[str]:
    """The package's modules that `name` imports anywhere in its file. A
    `from P import X` counts as importing `P.X` when that is a module, else
    `P`; the parent packages Python runs on the way are not counted."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
        else:
            continue
        for target in targets:
            while target and target not in modules:  # an attribute path: its module
                target = target.rpartition(".")[0]
            if target and target.split(".")[0] == name.split(".")[0] and target != name:
                found.add(target)
    return found


def import_graph(package: Path = PACKAGE) -> dict[str, set[str]]:
    modules = module_files(package)
    return {name: imports_of(name, path, modules) for name, path in modules.items()}


def layer_of(name: str, layers: dict[str, int]) -> int:
    """The layer of `name`'s most specific prefix in `layers`; the package's
    own entry is its `__init__`'s, no default for the modules under it."""
    prefix = name
    while prefix not in layers or (prefix != name and "." not in prefix):
        if "." not in prefix:
            raise KeyError(f"{name} has no layer: add it to LAYERS")
        prefix = prefix.rpartition(".")[0]
    return layers[prefix]


def upward_imports(graph: dict[str, set[str]], layers: dict[str, int]) -> list[str]:
    return sorted(
        f"{name} (layer {layer_of(name, layers)}) imports {target} (layer {layer_of(target, layers)})"
        for name, targets in graph.items() for target in targets
        if layer_of(target, layers) > layer_of(name, layers)
    )


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One circle of imports as [a, b, ..., a], or None."""
    state: dict[str, int] = {}  # 1: on the path, 2: done
    path: list[str] = []

    def visit(node):
        state[node] = 1
        path.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                return path[path.index(target):] + [target]
            if target not in state:
                cycle = visit(target)
                if cycle:
                    return cycle
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            cycle = visit(node)
            if cycle:
                return cycle
    return None


def test_every_module_has_a_layer():
    missing = []
    for name in module_files():
        try:
            layer_of(name, LAYERS)
        except KeyError:
            missing.append(name)
    assert not missing, f"add these modules to LAYERS: {missing}"


def test_imports_point_down_the_layers():
    upward = upward_imports(import_graph(), LAYERS)
    assert not upward, "imports that point up the layers:\n" + "\n".join(upward)


def test_the_import_graph_has_no_circle():
    assert find_cycle(import_graph()) is None, f"an import circle: {' -> '.join(find_cycle(import_graph()))}"


@pytest.fixture
def toy_package(tmp_path):
    """A package whose `low` imports `high` inside a function (the kind of
    import that closed the old circle), and `high` imports `low` at its top."""
    package = tmp_path / "toy"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "low.py").write_text("def f():\n    from toy import high\n    return high\n")
    (package / "high.py").write_text("from toy.low import f\n")
    return package


def test_the_checker_finds_an_upward_import_and_a_circle(toy_package):
    graph = import_graph(toy_package)
    assert graph["toy.low"] == {"toy.high"} and graph["toy.high"] == {"toy.low"}
    assert upward_imports(graph, {"toy": 0, "toy.low": 0, "toy.high": 1}) == [
        "toy.low (layer 0) imports toy.high (layer 1)"
    ]
    assert find_cycle(graph) in (["toy.high", "toy.low", "toy.high"], ["toy.low", "toy.high", "toy.low"])
    (toy_package / "low.py").write_text("def f():\n    return 1\n")
    graph = import_graph(toy_package)
    assert find_cycle(graph) is None and upward_imports(graph, {"toy": 0, "toy.low": 0, "toy.high": 1}) == []


# Imports every module named on the command line, each in a fresh
# interpreter forked from one that has loaded TensorFlow (a clean
# interpreter per module would cost TensorFlow's seconds each time). The
# child forgets `keras` itself, as a new process has not imported it: the
# module's own imports then run Keras's package and the package's hook on it
# (keras_ae/__init__.py), with that module the first of keras_ae's to load.
_IMPORT_EACH = r"""
import importlib, os, sys
import tensorflow  # noqa: F401  (and Keras with it)
failed, running = False, 0
for name in sys.argv[1:]:
    if running == (os.cpu_count() or 1):  # one child per core at a time
        failed |= os.wait()[1] != 0
        running -= 1
    if os.fork() == 0:
        del sys.modules["keras"]
        try:
            importlib.import_module(name)
        except BaseException as error:
            print(f"{name}: {type(error).__name__}: {error}", flush=True)
            os._exit(1)
        os._exit(0)
    running += 1
for _ in range(running):
    failed |= os.wait()[1] != 0
sys.exit(1 if failed else 0)
"""


@pytest.mark.skipif(not hasattr(os, "fork"), reason="forks one interpreter per module")
def test_every_module_imports_on_its_own():
    names = sorted(module_files())
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(PACKAGE.parent), os.environ.get("PYTHONPATH", "")])}
    result = subprocess.run(
        [sys.executable, "-c", _IMPORT_EACH, *names], capture_output=True, text=True, env=env, timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
