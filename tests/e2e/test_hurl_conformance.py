"""The official RealWorld Hurl suite against a real `conduit serve`."""

import subprocess

import pytest

from tests.e2e.conduit_process import shared_dir

pytestmark = pytest.mark.e2e

FOUNDATION_FILES = ["auth.hurl", "errors_auth.hurl", "profiles.hurl", "errors_profiles.hurl"]


def test_official_hurl_files_pass(conduit_url: str) -> None:
    shared = shared_dir()
    files = [str(shared / "realworld" / "hurl" / name) for name in FOUNDATION_FILES]

    result = subprocess.run(
        [str(shared / "conformance" / "run-hurl.sh"), conduit_url, *files],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env={"CONTINUE": "1", "PATH": "/usr/local/bin:/usr/bin:/bin"},
    )

    summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
    assert result.returncode == 0, result.stdout + result.stderr
    assert summary.endswith(" passed, 0 failed"), result.stdout
