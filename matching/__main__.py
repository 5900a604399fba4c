"""Command line: ``python -m matching assign INSTANCE.json`` and ``check INSTANCE.json ASSIGNMENT.json``.

Exit codes: 0 all good, 1 the assignment breaks a rule (each violation listed), 2 bad input.
The JSON schema is described in the package docstring (``matching/__init__.py``).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from .check import assignment_violations
from .stable import stable_match


def _load(path: str) -> dict[str, Any]:
    """Read a JSON file whose top level is an object."""
    with open(path, encoding="utf-8") as handle:
        data = json.load(handle)
    if not isinstance(data, dict):
        raise ValueError(f"{path}: the top level must be a JSON object")
    return data


def _instance(path: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Read an instance file: its candidates' lists and its placements' specs."""
    data = _load(path)
    if not isinstance(data.get("candidates"), dict) or not isinstance(data.get("placements"), dict):
        raise ValueError(f"{path}: needs 'candidates' and 'placements' objects")
    return data["candidates"], data["placements"]


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit code."""
    parser = argparse.ArgumentParser(prog="python -m matching", description="Stable assignment tools.")
    commands = parser.add_subparsers(dest="command", required=True)
    assign = commands.add_parser("assign", help="print the candidate-optimal stable assignment")
    assign.add_argument("instance")
    check = commands.add_parser("check", help="verify an assignment against an instance")
    check.add_argument("instance")
    check.add_argument("assignment")
    args = parser.parse_args(argv)
    try:
        candidates, placements = _instance(args.instance)
        if args.command == "assign":
            print(json.dumps({"assignment": stable_match(candidates, placements)}, sort_keys=True))
            return 0
        # Validate the instance the same way assign does before judging the assignment.
        stable_match(candidates, placements)
        assignment = _load(args.assignment).get("assignment")
        if not isinstance(assignment, dict):
            raise ValueError(f"{args.assignment}: needs an 'assignment' object")
        problems = assignment_violations(candidates, placements, assignment)
    except (OSError, ValueError, TypeError, KeyError) as error:  # JSONDecodeError is a ValueError
        message = str(error).splitlines()[0] if str(error) else type(error).__name__
        print(f"error: {message}", file=sys.stderr)
        return 2
    if problems:
        print(f"INVALID: {len(problems)} violation(s)")
        for problem in problems:
            print(f"  - {problem}")
        return 1
    print("OK: capacities respected, every pair mutually acceptable, no blocking pair")
    return 0


if __name__ == "__main__":
    sys.exit(main())
