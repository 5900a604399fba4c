"""The README is true: every command it lists exists (run with --help), every setting it lists is read by the app,
every make target it names exists, and the demo it describes is the demo `flask seed demo` makes."""

import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _listed_commands() -> list[list[str]]:
    """The words of each command in the README's tables, up to its first option or placeholder."""
    commands = []
    for cell in re.findall(r"^\| `((?:flask|python -m matching) [^`]+)` \|", README, re.M):
        words = ["python", "-m", "matching"] if cell.startswith("python") else []
        for word in cell.split()[len(words) :]:
            if word.startswith(("-", "[")) or word.isupper() or "." in word:
                break
            words.append(word)
        commands.append(words)
    return commands


def test_the_readme_lists_the_commands():
    names = [" ".join(words) for words in _listed_commands()]
    assert "flask seed demo" in names and "python -m matching check" in names and "flask users create" in names
    assert len(names) >= 11


def test_every_flask_command_in_the_readme_runs_with_help(runner):
    for words in _listed_commands():
        if words[0] != "flask":
            continue
        result = runner.invoke(args=[*words[1:], "--help"])
        assert result.exit_code == 0 and "Usage:" in result.output, (words, result.output)


def test_every_matching_command_in_the_readme_runs_with_help():
    for words in _listed_commands():
        if words[0] != "python":
            continue
        result = subprocess.run(
            [sys.executable, *words[1:], "--help"], cwd=ROOT, capture_output=True, text=True, timeout=120
        )
        assert result.returncode == 0 and f"usage: python -m matching {words[3]}" in result.stdout.lower(), (
            words,
            result.stdout,
        )


def test_every_make_target_and_script_it_names_exists():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    for target in set(re.findall(r"\bmake (\w[\w-]*)", README)):
        assert re.search(rf"^{target}:", makefile, re.M), target
    for script in re.findall(r"(benchmarks/\w+\.py|\.ci/run)", README):
        assert (ROOT / script).exists(), script
    assert "-n auto" in makefile and "one worker per core" in README  # what `make test` says it does


def test_every_setting_in_the_readme_is_read_by_the_app():
    config = (ROOT / "recruit" / "config.py").read_text(encoding="utf-8")
    settings = re.findall(r"^\| `([A-Z_]+)`", README, re.M)
    assert len(settings) >= 15
    for name in settings:
        assert f'"{name}"' in config, name


def test_the_readmes_demo_table_is_the_demo_that_is_made():
    from recruit.demo import SHOWCASE

    rows = re.findall(r"^\| `(candidate\d+)@demo\.example` \| (.+) \|$", README, re.M)
    assert [email for email, _ in rows] == [f"candidate{n}" for n in range(1, len(SHOWCASE) + 1)]


def test_installs_are_pinned_by_the_lock_file():
    """`make run`, `make test` and CI install from requirements.lock, so what is installed here is what it pins."""
    from importlib.metadata import PackageNotFoundError, version

    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert makefile.count("pip install --quiet -c requirements.lock -e") == 2  # install and install-test
    pins = dict(
        re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)", (ROOT / "requirements.lock").read_text(encoding="utf-8"), re.M)
    )
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = [
        re.match(r"[A-Za-z0-9_.-]+", spec).group()
        for spec in project["dependencies"] + project["optional-dependencies"]["test"]
    ]
    normal = {name.lower().replace("_", "-").replace(".", "-"): pinned for name, pinned in pins.items()}
    assert not [name for name in declared if name.lower().replace("_", "-") not in normal], "not pinned"
    wrong = []
    for name, pinned in pins.items():
        if name in ("setuptools", "pip"):  # the venv's own tools, not the service's dependencies
            continue
        try:
            if version(name) != pinned:
                wrong.append((name, version(name), pinned))
        except PackageNotFoundError:
            wrong.append((name, None, pinned))
    assert not wrong


def test_nothing_cites_a_document_outside_the_repository():
    """Code, templates, tests and docs point to docs/ in this repository, never to a design kept elsewhere."""
    cited = []
    for folder in ("recruit", "matching", "templates", "tests", "docs", "benchmarks", "migrations"):
        for path in (ROOT / folder).rglob("*"):
            if path.suffix in (".py", ".html", ".txt", ".md") and path.name != "test_readme.py":
                text = path.read_text(encoding="utf-8", errors="replace")
                cited += [
                    f"{path.relative_to(ROOT)}: {m}"
                    for m in re.findall(r"DESIGN(?:\.md)?\b[^\n]{0,20}|\.\./shared\b", text)
                ]
    cited += re.findall(r"DESIGN(?:\.md)?\b|\.\./shared\b", README)
    assert not cited, cited
