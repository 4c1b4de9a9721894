"""The import graph follows the data flow: ui and evals use assistant, assistant uses
vectorstore, never back; within the assistant, corpus → index → questions → answering,
each stage importing only those before it; and no module of the
assistant imports itself round a circle (an index module once imported an answering one
for a helper, which closed engine → tables → vocabulary → extract → scoring → engine).

Read from the source with ``ast``, every import counted: function-level ones (most of ours
are lazy, for cold start) still tie the modules when they run, and those under ``if
TYPE_CHECKING:`` tie them for a reader and a type checker (the answering code once named the
engine as a type for what is a snapshot, ``index/snapshot.py``).
"""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("assistant", "vectorstore", "ui", "evals")


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


def _imports(modules: dict[str, Path]) -> dict[str, set[str]]:
    graph = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        tree = ast.parse(path.read_text(), str(path))
        deps = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join(parts + ([node.module] if node.module else []))
                # ``from pkg import mod`` imports the module; ``from pkg import name``, the package
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            else:
                continue
            for target in targets:
                while target and target not in modules:
                    target = target.rpartition(".")[0]
                if target and target != name:
                    deps.add(target)
        graph[name] = deps
    return graph


GRAPH = _imports(_modules())


def _violations(source: str, forbidden: tuple[str, ...]) -> list[str]:
    return sorted(f"{m} imports {d}" for m, deps in GRAPH.items() if m == source or m.startswith(source + ".")
                  for d in deps if any(d == f or d.startswith(f + ".") for f in forbidden))


def test_the_graph_is_read():
    # the checks below mean nothing if the reader missed the imports
    assert "assistant.index.snapshot" in GRAPH["assistant.answering.answer"]
    assert "assistant.text" in GRAPH["assistant.index.tables.vocabulary"]
    assert "assistant.answering.scoring" in GRAPH["assistant.answering.extract"]
    assert "vectorstore.articles" in GRAPH["assistant.engine"]  # a function-level import


def test_dependencies_point_one_way():
    assert _violations("vectorstore", ("assistant", "ui", "evals")) == []
    assert _violations("assistant", ("ui", "evals")) == []
    assert _violations("ui", ("evals",)) == []


STAGES = ("assistant.corpus", "assistant.index", "assistant.questions", "assistant.answering")


def test_each_stage_imports_only_the_stages_before_it():
    # the README's layout: articles → index → what a question asks → the answer; the engine,
    # the API and the CLI sit above them all
    for i, stage in enumerate(STAGES):
        assert _violations(stage, STAGES[i + 1:] + ("assistant.engine", "assistant.api", "assistant.cli")) == []


def test_the_assistant_has_no_import_circle():
    graph = {m: {d for d in deps if d.startswith("assistant")} for m, deps in GRAPH.items() if m.startswith("assistant")}
    done: set[str] = set()
    path: list[str] = []

    def visit(m: str) -> None:  # depth-first; a module met again on the current path closes a circle
        if m in path:
            raise AssertionError("import circle: " + " → ".join(path[path.index(m):] + [m]))
        if m in done:
            return
        path.append(m)
        for d in sorted(graph.get(m, ())):
            visit(d)
        path.pop()
        done.add(m)

    for m in sorted(graph):
        visit(m)
