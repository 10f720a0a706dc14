"""With no DATABASE_URL, `conduit serve` runs on an embedded PostgreSQL whose data survive a restart."""

import uuid
from pathlib import Path

import pytest

from tests.e2e.conduit_process import conduit_env, conduit_serve, request

pytestmark = pytest.mark.e2e


def test_embedded_database_keeps_data_across_restarts(tmp_path: Path) -> None:
    env = conduit_env(DATABASE_URL=None, CONDUIT_DATA_DIR=str(tmp_path / "data"))
    name = f"emb_{uuid.uuid4().hex[:8]}"

    with conduit_serve(env) as base_url:
        status, _ = request(
            "POST",
            f"{base_url}/api/users",
            {"user": {"username": name, "email": f"{name}@x.io", "password": "password123"}},
        )
        assert status == 201
    postmaster_pid = tmp_path / "data" / "pgdata" / "postmaster.pid"
    stopped_with_the_service = not postmaster_pid.exists()
    with conduit_serve(env) as base_url:
        status, body = request("GET", f"{base_url}/api/profiles/{name}")

    assert stopped_with_the_service
    assert status == 200
    assert body == {"profile": {"username": name, "bio": None, "image": None, "following": False}}
