"""The official RealWorld Hurl suite against a real `conduit serve`."""

import subprocess

import pytest

from tests.e2e.conduit_process import shared_dir

pytestmark = pytest.mark.e2e


def test_every_official_hurl_file_passes(conduit_url: str) -> None:
    shared = shared_dir()
    files = sorted(str(path) for path in (shared / "realworld" / "hurl").glob("*.hurl"))

    result = subprocess.run(
        [str(shared / "conformance" / "run-hurl.sh"), conduit_url, *files],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env={"CONTINUE": "1", "PATH": "/usr/local/bin:/usr/bin:/bin"},
    )

    summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
    assert len(files) == 13
    assert result.returncode == 0, result.stdout + result.stderr
    assert summary == "154 passed, 0 failed", result.stdout
