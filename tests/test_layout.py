"""The codebase's shape: core's modules import one another without cycles (imports inside functions count too),
and the evaluation depends on the pipeline, never the reverse."""

from __future__ import annotations

import ast
from pathlib import Path

CORE = Path(__file__).resolve().parent.parent / "core"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(CORE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in CORE.rglob("*.py") if "__pycache__" not in p.parts}


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """Every core module ``name`` imports, wherever the import statement is (module level or in a function)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                stem = ".".join(base + ([node.module] if node.module else []))
            else:
                stem = node.module or ""
            targets = [f"{stem}.{a.name}" if f"{stem}.{a.name}" in known else stem for a in node.names]
        else:
            continue
        for t in targets:
            while t and t not in known:  # core.sources.text.parse_text -> core.sources.text
                t = t.rpartition(".")[0]
            if t and t != name and t.startswith("core"):
                out.add(t)
    return out


def import_graph() -> dict[str, set[str]]:
    mods = _modules()
    graph = {name: _imports(name, path, set(mods)) for name, path in mods.items()}
    # a package's __init__ importing its own modules is how a package is assembled, not a dependency loop
    for name in graph:
        graph[name] = {t for t in graph[name] if not t.startswith(name + ".")}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    found, state, stack = [], {}, []

    def visit(n: str) -> None:
        state[n] = 1
        stack.append(n)
        for m in sorted(graph.get(n, ())):
            if state.get(m) == 1:
                found.append(stack[stack.index(m) :] + [m])
            elif m not in state:
                visit(m)
        stack.pop()
        state[n] = 2

    for n in sorted(graph):
        if n not in state:
            visit(n)
    return found


def test_the_graph_sees_imports_inside_functions():
    graph = import_graph()
    assert "core.asks" in graph["core.pipeline"]  # imported inside ingest()
    assert "core.sources.base" in graph["core.sources.parlparse"]


def test_core_has_no_import_cycles():
    assert _cycles(import_graph()) == []


def test_a_cycle_would_be_found():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]


def test_evaluation_depends_on_the_pipeline_never_the_reverse():
    graph = import_graph()
    evaluation = {m for m in graph if m.startswith("core.evaluate")}
    for m, deps in graph.items():
        if m not in evaluation and m != "core.cli":
            assert not deps & evaluation, f"{m} imports {deps & evaluation}"


def test_package_data_holds_everything_core_reads():
    """A non-editable install (pip install .) carries the seeds, the dev set, the taxonomy, the ask cues and the
    word list: every file core reads by default matches a package-data pattern in pyproject.toml."""
    import tomllib

    from core.cli import DEFAULT_DEV
    from core.pipeline import DEFAULT_SOURCES
    from core.taxonomy import DEFAULT_PATH

    patterns = tomllib.loads((CORE.parent / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["core"]
    packaged = {p.resolve() for pat in patterns for p in CORE.glob(pat) if p.is_file()}
    needed = [
        *(f for f in DEFAULT_SOURCES[0].iterdir() if f.suffix == ".txt"),
        DEFAULT_DEV,
        DEFAULT_PATH,
        CORE / "ask_cues.toml",
        CORE / "data" / "common_words.txt",
    ]
    assert len(needed) >= 9
    for f in needed:
        assert Path(f).is_relative_to(CORE), f"{f} is outside the package"
        assert Path(f).resolve() in packaged, f"{f} is not package data"


def test_every_view_module_is_in_the_navigation_once():
    """A dashboard view is a module of dashboard/views/ with ``render(data, state)`` and a line in app.py's VIEWS:
    each module that renders is listed once, each listed module exists, and the addresses are distinct."""
    dash = CORE.parent / "dashboard"
    tree = ast.parse((dash / "app.py").read_text(encoding="utf-8"))
    views = next(
        ast.literal_eval(n.value)
        for n in ast.walk(tree)
        if isinstance(n, ast.Assign) and any(getattr(t, "id", "") == "VIEWS" for t in n.targets)
    )
    renders = {
        p.stem
        for p in (dash / "views").glob("*.py")
        if any(isinstance(n, ast.FunctionDef) and n.name == "render" for n in ast.parse(p.read_text("utf-8")).body)
    }
    listed = [v[0] for v in views]
    assert sorted(listed) == sorted(renders) and len(set(listed)) == len(listed) == 9
    addresses = [v[3] for v in views]
    assert addresses[0] == "" and "" not in addresses[1:] and len(set(addresses)) == len(addresses)
