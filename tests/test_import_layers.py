"""The import-layer contract: the runtime and the daemon import no torch, by structure and in fact.

Structure: no module of the runtime rooms imports torch or a training module at module level
(imports inside functions are the lazy edges the commands use). Fact: importing every module of
those rooms in a fresh interpreter leaves torch out of sys.modules.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Rooms that run in the daemon (or beside it, numpy only), as packages or single modules.
RUNTIME = ("runtime", "live", "control", "clock", "dsp", "units.py", "eval/musicnn.py")
# What they must not import at module level: torch, and the modules that train or export.
FORBIDDEN = ("torch", "livegen.training")


def runtime_files() -> Iterator[Path]:
    for room in RUNTIME:
        path = ROOT / "livegen" / room
        yield from sorted(path.rglob("*.py")) if path.is_dir() else [path]


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _module_level(tree: ast.Module) -> Iterator[ast.stmt]:
    """Statements run at import: the module body and the blocks of its if/try/with statements,
    not the bodies of functions or classes' methods."""
    todo: list[ast.stmt] = list(tree.body)
    while todo:
        node = todo.pop()
        yield node
        if isinstance(node, ast.If | ast.Try | ast.With | ast.ClassDef):
            for field in ("body", "orelse", "finalbody"):
                todo.extend(getattr(node, field, []))
            for handler in getattr(node, "handlers", []):
                todo.extend(handler.body)


def forbidden_imports(
    path: Path, package: str, forbidden: tuple[str, ...] = FORBIDDEN
) -> list[str]:
    """`file:line module` for each module-level import of something in `forbidden`."""
    out = []
    for node in _module_level(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolve against the module's package
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*up, base] if base else up)
            names = [base] + [f"{base}.{a.name}" for a in node.names]
        else:
            continue
        hits = [n for n in names if any(n == f or n.startswith(f + ".") for f in forbidden)]
        out += [f"{path.name}:{node.lineno} {n}" for n in hits[:1]]
    return out


def test_runtime_modules_import_no_torch_nor_training_code_at_module_level() -> None:
    files = list(runtime_files())
    assert len(files) > 50  # the scan found the rooms
    found = []
    for path in files:
        name = module_name(path)
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        found += forbidden_imports(path, package)
    assert found == []


@pytest.mark.parametrize(
    "source",
    [
        "import torch",
        "import numpy as np, torch.nn as nn",
        "from livegen.training.common import lr_at",
        "from livegen.training.unet import model",
        "try:\n    import torch\nexcept ImportError:\n    torch = None",
        "from ..training import common",
    ],
)
def test_the_scan_catches_a_planted_violation(tmp_path: Path, source: str) -> None:
    path = tmp_path / "planted.py"
    path.write_text(f"import numpy\n\n{source}\n")
    assert forbidden_imports(path, "livegen.runtime") != []


def test_lazy_imports_inside_functions_are_allowed(tmp_path: Path) -> None:
    path = tmp_path / "lazy.py"
    path.write_text("def export():\n    import torch\n    from livegen.training import common\n")
    assert forbidden_imports(path, "livegen.runtime") == []


def test_importing_the_runtime_and_the_daemon_loads_no_torch() -> None:
    modules = sorted({module_name(p) for p in runtime_files()} | {"livegen.cli"})
    code = (
        "import importlib, json, sys\n"
        f"for m in {modules!r}:\n"
        "    importlib.import_module(m)\n"
        "heavy = [m for m in sys.modules if m.split('.')[0] == 'torch'\n"
        f"         or any(m == f or m.startswith(f + '.') for f in {FORBIDDEN!r})]\n"
        "print(json.dumps(heavy))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []


# Downhill only: the pure rooms know nothing of the model runtime or the daemon, the runtime
# nothing of the daemon (module level; the daemon wires them together).
LAYERS = {
    "dsp": ("livegen.clock", "livegen.control", "livegen.runtime", "livegen.live"),
    "clock": ("livegen.control", "livegen.runtime", "livegen.live", "livegen.eval"),
    "control": ("livegen.runtime", "livegen.live", "livegen.eval", "livegen.corpus"),
    "runtime": ("livegen.live", "livegen.eval"),
}


@pytest.mark.parametrize("room", sorted(LAYERS))
def test_rooms_import_only_downhill(room: str) -> None:
    files = sorted((ROOT / "livegen" / room).rglob("*.py"))
    assert files
    found = [
        hit for path in files for hit in forbidden_imports(path, module_name(path), LAYERS[room])
    ]
    assert found == [], found


def test_the_runtime_reaches_for_no_training_corpus_or_eval_code_even_lazily() -> None:
    """Not even inside functions: what the runtime needs of a model is in its package. (torch
    itself is imported lazily in one place: the optional laion-clap encoder, which is torch.)"""
    reach = ("livegen.training", "livegen.corpus", "livegen.eval", "livegen.live")
    found = []
    for path in sorted((ROOT / "livegen" / "runtime").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            found += [
                f"{path.name}:{node.lineno} {n}"  # type: ignore[attr-defined]
                for n in names
                if any(n == r or n.startswith(r + ".") for r in reach)
            ]
    assert found == [], found
