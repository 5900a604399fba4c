"""The API keeps its OpenAPI contract: schemathesis, run against the live app with every check it has
(`--checks all`: no server errors, responses and headers match the schema, schema-valid requests are accepted,
invalid ones refused, other methods answered 405 with Allow …), finds nothing."""

import subprocess
import sys
from pathlib import Path

from tests.factories import make_placement


def test_schemathesis_with_every_check_finds_no_failure(app, live_server, tmp_path):
    for outward in ("E8", "N1", "SE9"):
        make_placement(app, outward=outward, borough="hackney")
    schemathesis = Path(sys.executable).with_name("schemathesis")
    result = subprocess.run(
        [
            str(schemathesis),
            "run",
            f"{live_server.url}/api/v1/openapi.json",
            "--checks",
            "all",
            "--max-examples",
            "60",
            "--workers",
            "1",
            "--seed",
            "11",
            "--generation-database",
            "none",
            "--no-color",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    assert "No issues found" in output or " passed" in output, output[-3000:]
