"""The package's public names: the lazy table, `__all__` and the imports type checkers read all agree."""

import ast
import importlib
from pathlib import Path

import matching

PACKAGE = Path(matching.__file__).parent


def _type_checking_imports() -> dict[str, str]:
    """Name → module of every import under `if TYPE_CHECKING:` in matching/__init__.py."""
    tree = ast.parse((PACKAGE / "__init__.py").read_text(encoding="utf-8"))
    found = {}
    for node in tree.body:
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            for statement in node.body:
                assert isinstance(statement, ast.ImportFrom) and statement.level == 1
                found.update({alias.name: statement.module or "" for alias in statement.names})
    return found


def test_every_public_name_is_listed_once_for_type_checkers_for_lazy_import_and_in_all():
    assert _type_checking_imports() == matching._SOURCES
    assert sorted(matching.__all__) == sorted(set(matching.__all__)) == sorted(matching._SOURCES)


def test_every_public_name_is_the_object_its_module_defines():
    for name, module in matching._SOURCES.items():
        assert getattr(matching, name) is getattr(importlib.import_module(f"matching.{module}"), name)


def test_every_module_of_the_package_is_reachable_as_a_submodule():
    modules = {path.stem for path in PACKAGE.glob("*.py")} - {"__init__", "__main__"}
    assert modules == matching._SUBMODULES
