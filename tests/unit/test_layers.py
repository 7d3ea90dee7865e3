"""The layer rules of docs/architecture.md, checked on the imports of counter/.

web → services (and the portal's sync use cases) → domain, models, printing and the
portal's wire half; nothing below web imports web; the domain imports nothing of ours
above it and no Flask or SQLAlchemy; Flask's request globals live in web/ only.
"""

from __future__ import annotations

import ast
from pathlib import Path

import counter

ROOT = Path(counter.__file__).parent

#: The portal's modules that are use cases (they own transactions and call services).
PORTAL_USE_CASES = {"bundle", "commands", "pull", "sender", "status"}
#: Flask's globals that need a request or an app context looked up by name.
FLASK_GLOBALS = {"request", "session", "g", "current_app"}


def _layer(parts: tuple[str, ...]) -> str:
    """The layer of counter/<parts>: web, services, domain, models, printing, portal-wire,
    portal-use-case, or the module's own name for the top-level files."""
    if parts[0] == "portal":
        name = parts[1].removesuffix(".py") if len(parts) > 1 else ""
        return "portal-use-case" if name in PORTAL_USE_CASES else "portal-wire"
    return parts[0].removesuffix(".py")


def _imports(path: Path) -> list[tuple[str, set[str]]]:
    """(module, names) of every absolute import in the file, nested ones too."""
    out: list[tuple[str, set[str]]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            out.append((node.module, {alias.name for alias in node.names}))
        elif isinstance(node, ast.Import):
            out.extend((alias.name, set()) for alias in node.names)
    return out


def _target_layer(module: str, names: set[str]) -> str | None:
    parts = module.split(".")
    if parts[0] != "counter":
        return None
    if len(parts) == 1:  # from counter import settings, portal, …
        return next(iter(names)) if len(names) == 1 else "counter"
    if parts[1] == "portal" and len(parts) == 2:  # from counter.portal import pull, mapping
        kinds = {"portal-use-case" if n in PORTAL_USE_CASES else "portal-wire" for n in names}
        return "portal-use-case" if "portal-use-case" in kinds else "portal-wire"
    return _layer(tuple(parts[1:]))


#: What each layer may import of ours (besides itself).
ALLOWED = {
    "domain": set(),
    "models": {"domain", "extensions"},
    "printing": {"domain", "extensions", "models", "settings"},
    "portal-wire": {"domain", "extensions", "models", "portal-wire", "settings"},
    "services": {
        "domain",
        "extensions",
        "models",
        "printing",
        "portal-wire",
        "portal-use-case",
        "settings",
    },
    "portal-use-case": {
        "domain",
        "extensions",
        "models",
        "printing",
        "portal-wire",
        "portal-use-case",
        "services",
        "settings",
    },
}


def _violations() -> list[str]:
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT).parts
        layer = _layer(parts)
        if layer not in ALLOWED:
            continue  # web, the app factory, CLI, config, settings, extensions
        for module, names in _imports(path):
            top = module.split(".")[0]
            if layer == "domain" and top in {"flask", "sqlalchemy", "flask_sqlalchemy"}:
                found.append(f"{path.relative_to(ROOT)}: the domain imports {module}")
            if top == "flask" and names & FLASK_GLOBALS:
                found.append(
                    f"{path.relative_to(ROOT)}: Flask globals {sorted(names & FLASK_GLOBALS)}"
                )
            target = _target_layer(module, names)
            if target is None or target == layer:
                continue
            if target not in ALLOWED[layer]:
                found.append(f"{path.relative_to(ROOT)}: {layer} imports {module} ({target})")
    return found


def test_imports_go_down_only_and_flask_globals_stay_in_web() -> None:
    assert _violations() == []


def test_the_architecture_page_places_the_portals_use_cases_with_the_services() -> None:
    page = (ROOT.parent / "docs" / "architecture.md").read_text(encoding="utf-8")
    layers = page.split("## One line per rule")[0]
    lines = [line for line in layers.splitlines() if "portal/" in line and "use cases" in line]
    assert lines, "the layers section says where the portal's use cases sit"
    for name in sorted(PORTAL_USE_CASES - {"commands"}):
        assert any(name in line for line in lines), name
