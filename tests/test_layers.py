"""Services know nothing of the web: no signed-in user, no access rules, no forms, no HTTP errors.

Views pass services the actor and the borough scope as plain values, and turn a ServiceError (or a None) into
what the person sees; this test keeps it that way by reading every service module's source."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SERVICES = ROOT / "recruit" / "services"
FORBIDDEN_MODULES = (
    "flask_login",
    "recruit.access",
    "recruit.forms",
    "recruit.candidates.forms",
    "wtforms",
    "flask_wtf",
)


def _module_name(path: Path, root: Path) -> str:
    """The dotted name of a module under `root` (a package's __init__ is the package)."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imported(node: ast.ImportFrom, path: Path, root: Path) -> list[str]:
    """The absolute names an import statement brings in: the module, and module.name for each name."""
    if node.level:
        package = _module_name(path, root).split(".")
        if path.name != "__init__.py":
            package = package[:-1]
        base = ".".join(package[: len(package) - node.level + 1] + ([node.module] if node.module else []))
    else:
        base = node.module or ""
    return [base] + [f"{base}.{alias.name}" for alias in node.names]


def _problems(path: Path, root: Path = ROOT) -> list[str]:
    """Each web or form dependency in one service module, with its line."""
    problems = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = _imported(node, path, root)
        for name in names:
            if any(name == bad or name.startswith(bad + ".") for bad in FORBIDDEN_MODULES) or name.endswith(".abort"):
                problems.append(f"line {getattr(node, 'lineno', 0)} imports {name}")
        if isinstance(node, ast.Call):
            function = node.func
            called = function.id if isinstance(function, ast.Name) else getattr(function, "attr", None)
            if called == "abort":
                problems.append(f"line {node.lineno} calls abort")
    return problems


SERVICE_MODULES = sorted(SERVICES.rglob("*.py"))


@pytest.mark.parametrize("path", SERVICE_MODULES, ids=lambda path: str(path.relative_to(SERVICES)))
def test_service_modules_know_nothing_of_the_web(path):
    assert _problems(path) == []


def test_the_check_finds_what_it_looks_for(tmp_path):
    """A module with each kind of dependency is caught, so a passing run above means something."""
    package = tmp_path / "recruit" / "services" / "placements"
    package.mkdir(parents=True)
    module = package / "leaky.py"
    module.write_text(
        "from flask_login import current_user\nfrom ...access import borough_scoped\n"
        "from ...candidates.forms import strip\nfrom ... import forms\nimport wtforms\n"
        "from flask import abort\n\n\ndef f():\n    abort(403)\n"
    )
    found = _problems(module, tmp_path)
    assert [problem.split(" ", 2)[2] for problem in found] == [
        "imports flask_login",
        "imports flask_login.current_user",
        "imports recruit.access",
        "imports recruit.access.borough_scoped",
        "imports recruit.candidates.forms",
        "imports recruit.candidates.forms.strip",
        "imports recruit.forms",
        "imports wtforms",
        "imports flask.abort",
        "calls abort",
    ]
    assert SERVICE_MODULES, "no service modules found"


def _is_view_module(tree: ast.Module) -> bool:
    """A module that declares routes (a function decorated with something.route(...))."""
    return any(
        isinstance(decorator, ast.Call) and getattr(decorator.func, "attr", None) == "route"
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef)
        for decorator in node.decorator_list
    )


def _session_uses(tree: ast.Module) -> list[int]:
    """Lines where the module reads or writes the database session directly (db.session)."""
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and node.attr == "session"
        and isinstance(node.value, ast.Name)
        and node.value.id == "db"
    ]


VIEW_MODULES = [
    path
    for path in sorted((ROOT / "recruit").rglob("*.py"))
    if SERVICES not in path.parents and _is_view_module(ast.parse(path.read_text(encoding="utf-8")))
]


@pytest.mark.parametrize("path", VIEW_MODULES, ids=lambda path: str(path.relative_to(ROOT)))
def test_views_leave_the_database_to_the_services(path):
    assert _session_uses(ast.parse(path.read_text(encoding="utf-8"))) == []


def test_the_view_check_finds_routes_and_session_use():
    tree = ast.parse("@bp.route('/x')\ndef x():\n    return db.session.get(A, 1)\n")
    assert _is_view_module(tree) and _session_uses(tree) == [3]
    assert len(VIEW_MODULES) >= 15  # every blueprint module is looked at


TEST_HELPERS = {p.stem for p in (ROOT / "tests").rglob("*.py") if not p.stem.startswith(("test_", "conftest"))}


def _test_import_problems(path: Path) -> list[str]:
    """Each test module (test_*.py) a file imports from, and each test helper imported by its bare name (which would
    load the same file a second time as another module, with its own copy of every global)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        modules = [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
        if isinstance(node, ast.ImportFrom) and not node.level:
            modules = [node.module or ""]
        line = getattr(node, "lineno", 0)
        found += [f"line {line} imports {m}" for m in modules if m.rsplit(".", 1)[-1].startswith("test_")]
        found += [f"line {line} imports {m} without tests." for m in modules if m in TEST_HELPERS]
    return found


@pytest.mark.parametrize(
    "path", sorted([*(ROOT / "tests").rglob("*.py"), *(ROOT / "benchmarks").rglob("*.py")]), ids=lambda p: p.name
)
def test_shared_test_helpers_live_in_helper_modules_not_in_tests(path):
    # A helper imported from a test module drags that module's fixtures and tests along, and hides which helpers
    # are shared: shared ones live in tests/factories.py, tests/placement_form.py, tests/emails.py and the like.
    assert _test_import_problems(path) == []


def test_the_test_import_check_finds_what_it_looks_for(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import tests.test_staff\nfrom tests.test_accounts import x\nfrom tests.factories import y\nfrom factories import z\n"
    )
    assert _test_import_problems(sample) == [
        "line 1 imports tests.test_staff",
        "line 2 imports tests.test_accounts",
        "line 4 imports factories without tests.",
    ]
