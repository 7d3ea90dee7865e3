"""The printed forms' models and roll layouts (counter.domain.printed) are pure domain code."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import counter.domain.printed as printed


def test_printed_forms_import_only_the_standard_library_and_the_domain() -> None:
    """No Flask, SQLAlchemy, Pillow or segno: the models are built and laid out without them."""
    for path in Path(printed.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        modules = {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        modules |= {
            alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.Import)
            for alias in node.names
        }
        outside = {
            m
            for m in modules
            if m.split(".")[0] not in sys.stdlib_module_names | {"__future__"}
            and not m.startswith("counter.domain")
        }
        assert not outside, (path.name, outside)
