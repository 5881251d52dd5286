"""The throwaway PostgreSQL server the store tests run against: real, password-protected, per-test databases."""
from __future__ import annotations

import psycopg
import pytest

from pg_server import PASSWORD, PostgresServer


def test_each_test_gets_its_own_empty_database(pg_url, postgres_server):
    with psycopg.connect(pg_url) as conn:
        conn.execute("CREATE TABLE marker (n int)")
        assert conn.execute("SELECT current_database()").fetchone()[0].startswith("t_")
        assert int(conn.execute("SHOW server_version_num").fetchone()[0]) >= 150000
    with psycopg.connect(postgres_server.url) as conn:   # the cluster's own database stays empty
        assert conn.execute("SELECT count(*) FROM pg_tables WHERE tablename = 'marker'").fetchone()[0] == 0


def test_a_password_is_required(postgres_server):
    no_password = postgres_server.url.replace(f":{PASSWORD}@", "@")
    with pytest.raises(psycopg.OperationalError, match="password"):
        psycopg.connect(no_password, connect_timeout=5).close()


def test_stop_removes_the_cluster(postgres_server):   # (the fixture: skipped where the binaries are missing)
    server = PostgresServer().start()
    with psycopg.connect(server.url) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)
    folder = server.folder
    assert (folder / "data" / "PG_VERSION").exists()
    server.stop()
    assert not folder.exists()
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(server.url, connect_timeout=3).close()


def test_shut_down_and_start_again_keep_the_data_and_the_port(postgres_server):
    """What tests/scale_instances.py's `--db-outage stop` does; `freeze` stops the postmaster's tree."""
    from procs import process_tree

    server = PostgresServer().start()
    try:
        with psycopg.connect(server.url) as conn:
            conn.execute("CREATE TABLE kept (n int)")
            conn.execute("INSERT INTO kept VALUES (7)")
            backend = conn.info.backend_pid
            assert backend in process_tree(server.postmaster_pid)   # the backend serving this connection
        port = server.port
        server.shut_down()
        with pytest.raises(psycopg.OperationalError):
            psycopg.connect(server.url, connect_timeout=3).close()
        server.start_again()
        assert server.port == port
        with psycopg.connect(server.url) as conn:
            assert conn.execute("SELECT n FROM kept").fetchone() == (7,)
    finally:
        server.stop()
