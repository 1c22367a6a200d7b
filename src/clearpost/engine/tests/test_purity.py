"""The engine never imports Django: checked by importing every engine module in a
fresh interpreter, and by reading every engine source file's import statements (so a
Django import hidden in a function body is caught too)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import clearpost.engine

ENGINE = Path(clearpost.engine.__file__).resolve().parent
FORBIDDEN = ("django", "ninja", "clearpost.app")


def _engine_modules() -> list[str]:
    names = []
    for path in sorted(ENGINE.rglob("*.py")):
        rel = path.relative_to(ENGINE.parent.parent)
        if "tests" in rel.parts:
            continue
        parts = list(rel.with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        names.append(".".join(parts))
    return names


def test_every_engine_package_is_listed() -> None:
    modules = _engine_modules()
    for package in ("consent", "text", "media", "media.containers", "text.recognizers"):
        assert f"clearpost.engine.{package}" in modules
    assert "clearpost.engine.audit" in modules and "clearpost.engine.catalog" in modules


def test_importing_every_engine_module_loads_no_django() -> None:
    modules = _engine_modules()
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r} "
        f"or m.startswith('clearpost.app')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_no_engine_source_imports_django() -> None:
    offenders = []
    for path in sorted(ENGINE.rglob("*.py")):
        if "tests" in path.relative_to(ENGINE).parts:
            continue
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [
                f"{path.relative_to(ENGINE)}: {n}" for n in names if n.startswith(FORBIDDEN)
            ]
    assert offenders == []
