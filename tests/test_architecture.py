"""The dependency rule: the domain knows only the standard library; the application knows only the domain.

Imports are read with `ast` (nothing is executed), including those under `if TYPE_CHECKING:` and inside functions.
"""

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

FRAMEWORKS = frozenset(
    {
        "sqlalchemy",
        "fastapi",
        "pydantic",
        "pydantic_settings",
        "starlette",
        "psycopg2",
        "alembic",
        "dependency_injector",
        "jwt",
        "argon2",
    }
)
OUTER_LAYERS = frozenset({"adapters", "entrypoints"})


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(source: str, module: str, *, is_package: bool = False) -> set[str]:
    """Absolute names of every module `source` imports; relative imports are resolved against `module`."""
    package = module.split(".") if is_package else module.split(".")[:-1]
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: max(len(package) - node.level + 1, 0)] if node.level else []
            if node.module:
                names.add(".".join([*base, node.module]))
            else:  # `from . import x`: each x is a module (or a name) of that package
                names.update(".".join([*base, alias.name]) for alias in node.names)
    return names


def top_level(name: str) -> str:
    return name.partition(".")[0]


def forbidden_for_application(imports: set[str]) -> set[str]:
    return {name for name in imports if top_level(name) in FRAMEWORKS | OUTER_LAYERS}


def forbidden_for_domain(imports: set[str]) -> set[str]:
    allowed = {"domain"} | set(sys.stdlib_module_names)
    return forbidden_for_application(imports) | {name for name in imports if top_level(name) not in allowed}


def python_files(layer: str) -> list[Path]:
    return sorted((ROOT / layer).rglob("*.py"))


def imports_of(path: Path) -> set[str]:
    return imported_modules(path.read_text(encoding="utf-8"), module_name(path), is_package=path.name == "__init__.py")


@pytest.mark.parametrize("path", python_files("domain"), ids=lambda p: str(p.relative_to(ROOT)))
def test_domain_module_imports_only_the_standard_library_and_the_domain(path: Path) -> None:
    assert forbidden_for_domain(imports_of(path)) == set()


@pytest.mark.parametrize(
    "path", python_files("application") + python_files("domain"), ids=lambda p: str(p.relative_to(ROOT))
)
def test_inner_module_imports_no_framework_and_no_outer_layer(path: Path) -> None:
    assert forbidden_for_application(imports_of(path)) == set()


def test_layers_checked_are_the_real_ones() -> None:
    checked = {module_name(path) for path in python_files("domain") + python_files("application")}

    assert {"domain", "domain.users", "application", "application.ports"} <= checked


# --- the checks themselves can fail ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "module", "expected"),
    [
        ("import sqlalchemy", "application.users", {"sqlalchemy"}),
        ("import sqlalchemy.orm as orm", "application.users", {"sqlalchemy.orm"}),
        ("from fastapi import FastAPI", "application.users", {"fastapi"}),
        ("from pydantic import BaseModel", "application.views", {"pydantic"}),
        ("import jwt, argon2", "application.users", {"jwt", "argon2"}),
        ("from adapters.memory.store import InMemoryStore", "application.users", {"adapters.memory.store"}),
        ("import entrypoints.container", "application.users", {"entrypoints.container"}),
        ("from ..adapters import clock", "application.users", {"adapters"}),
        ("from ..entrypoints.settings import Settings", "application.users", {"entrypoints.settings"}),
        ("if TYPE_CHECKING:\n    from sqlalchemy.orm import Session", "application.ports", {"sqlalchemy.orm"}),
        ("def f():\n    import alembic", "application.ports", {"alembic"}),
    ],
)
def test_application_check_reports_a_forbidden_import(source: str, module: str, expected: set[str]) -> None:
    assert forbidden_for_application(imported_modules(source, module)) == expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from application.ports import Clock", {"application.ports"}),
        ("import hypothesis", {"hypothesis"}),
        ("from dateutil import parser", {"dateutil"}),
        ("from .. import adapters", {"adapters"}),
        ("import psycopg2", {"psycopg2"}),
    ],
)
def test_domain_check_reports_a_non_standard_import(source: str, expected: set[str]) -> None:
    assert forbidden_for_domain(imported_modules(source, "domain.users")) == expected


@pytest.mark.parametrize(
    "source",
    [
        "import dataclasses, uuid\nfrom datetime import UTC, datetime",
        "from typing import NewType\nfrom collections.abc import Iterable",
        "from domain.errors import InvalidInput\nfrom . import ids\nfrom .validation import check_text",
        "from __future__ import annotations",
    ],
)
def test_domain_check_accepts_the_standard_library_and_the_domain(source: str) -> None:
    assert forbidden_for_domain(imported_modules(source, "domain.users")) == set()


def test_relative_imports_resolve_against_the_module_or_package() -> None:
    assert imported_modules("from .errors import X", "domain.users") == {"domain.errors"}
    assert imported_modules("from .errors import X", "domain", is_package=True) == {"domain.errors"}
    assert imported_modules("from ..domain import users", "application.users") == {"domain"}
    assert imported_modules("from . import ports", "application.users") == {"application.ports"}
