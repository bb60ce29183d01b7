"""The hot-path store: lean reads, group commit, failure isolation, flushing on close (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from geo.errors import StoreUnavailable
from store.db import make_engine, migrate, session_factory
from store.hot import HotStore


@pytest.fixture
def store(database_url):
    migrate(database_url)
    engine = make_engine(database_url)
    hot = HotStore(engine)
    yield hot
    hot.close()
    engine.dispose()


def _scan(i: int, at: datetime | None = None) -> dict:
    at = at or datetime(2026, 11, 26, 8, 30, i % 60, 123456, tzinfo=UTC)
    return {
        "pass_no": f"410800{i:06d}",
        "token_sha256": f"{i:064x}",
        "lon": 1.5 + i / 1e4,
        "lat": 42.5,
        "checked_at": at,
        "recorded_at": at,
        "verdict": "pass" if i % 2 else "stop",
        "reasons": "[]",
        "plate_typed": None,
        "mode": "online",
        "scanned_by": "officer",
    }


def _route(rid: str) -> dict:
    return {"id": rid, "request": "{}", "result": "{}", "created_at": datetime.now(UTC), "created_by": "test"}


class _Gate:
    """Holds the writer's first transaction until released, so later rows pile up in the queue."""

    def __init__(self, store: HotStore):
        self.started, self.release = threading.Event(), threading.Event()
        self.batches: list[int] = []
        inner = store._transaction

        def gated(conn, batch):
            self.batches.append(len(batch))
            if len(self.batches) == 1:
                self.started.set()
                assert self.release.wait(30)
            return inner(conn, batch)

        store._transaction = gated


def test_rows_waiting_together_are_committed_together(store):
    gate = _Gate(store)
    first = store.insert("scans", _scan(0), returning="id")
    assert gate.started.wait(30)
    waiting = [store.insert("scans", _scan(i), returning="id") for i in range(1, 101)]
    assert not any(f.done() for f in [first, *waiting])  # nothing is acknowledged before its commit
    gate.release.set()
    ids = [f.result(timeout=30) for f in [first, *waiting]]
    assert gate.batches == [1, 100]
    assert len(set(ids)) == 101
    assert store._query("SELECT count(*) FROM scans") == [(101,)]


def test_rows_from_many_threads_all_stored_with_unique_ids(store):
    ids: list[int] = []
    lock = threading.Lock()

    def client(k: int) -> None:
        for i in range(25):
            scan_id = store.insert("scans", _scan(k * 100 + i), returning="id").result(timeout=30)
            with lock:
                ids.append(scan_id)

    threads = [threading.Thread(target=client, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(ids) == len(set(ids)) == 200
    stored = store._query("SELECT id FROM scans")
    assert sorted(r[0] for r in stored) == sorted(ids)


def test_a_bad_row_fails_alone(store):
    store.insert("routes", _route("route-1")).result(timeout=30)
    gate = _Gate(store)
    blocker = store.insert("routes", _route("route-2"))
    assert gate.started.wait(30)
    duplicate = store.insert("routes", _route("route-1"))  # primary key taken
    good = store.insert("routes", _route("route-3"))
    gate.release.set()
    assert blocker.result(timeout=30) is None and good.result(timeout=30) is None
    with pytest.raises(StoreUnavailable, match="IntegrityError|UniqueViolation"):
        duplicate.result(timeout=30)
    assert [r[0] for r in store._query("SELECT id FROM routes ORDER BY id")] == ["route-1", "route-2", "route-3"]


def test_close_stores_every_queued_row_and_the_writer_restarts(store):
    gate = _Gate(store)
    first = store.insert("scans", _scan(0), returning="id")
    assert gate.started.wait(30)
    queued = [store.insert("scans", _scan(i), returning="id") for i in range(1, 20)]
    closer = threading.Thread(target=store.close)
    closer.start()
    gate.release.set()
    closer.join(30)
    assert not closer.is_alive()
    assert all(f.done() and f.exception() is None for f in [first, *queued])
    assert store._query("SELECT count(*) FROM scans") == [(20,)]
    assert store.insert("scans", _scan(99), returning="id").result(timeout=30) is not None  # started again
    assert store._query("SELECT count(*) FROM scans") == [(21,)]


def test_rows_read_back_through_the_orm_unchanged(store):
    from store.models import ScanRow

    at = datetime(2026, 11, 26, 9, 15, 30, 654321, tzinfo=UTC)
    scan_id = store.insert("scans", _scan(7, at), returning="id").result(timeout=30)
    with session_factory(store.engine)() as session:
        row = session.get(ScanRow, scan_id)
        checked = row.checked_at if row.checked_at.tzinfo else row.checked_at.replace(tzinfo=UTC)
        assert checked == at
        assert (row.pass_no, row.lon, row.verdict, row.plate_typed) == ("410800000007", 1.5007, "pass", None)


def test_user_lookup_honours_revocation_and_expiry_at_once(store):
    from services import users

    secret = "s" * 32
    with session_factory(store.engine)() as session:
        token = users.add_user(session, "officer", "checkpoint", secret)
        brief = users.add_user(
            session, "brief", "checkpoint", secret, expires_at=datetime.now(UTC) + timedelta(hours=1)
        )
    now = datetime.now(UTC)
    user = store.user_by_token_hash(users.hash_token(token, secret), now)
    assert (user.name, user.role) == ("officer", "checkpoint")
    assert store.user_by_token_hash(users.hash_token(brief, secret), now).name == "brief"
    assert store.user_by_token_hash(users.hash_token(brief, secret), now + timedelta(hours=2)) is None  # expired
    assert store.user_by_token_hash(users.hash_token("not a token", secret), now) is None
    with session_factory(store.engine)() as session:
        users.revoke_user(session, "officer")
    assert store.user_by_token_hash(users.hash_token(token, secret), now) is None  # the very next lookup


def test_reads_survive_a_dropped_connection(store, database_url):
    if not store.postgres:
        pytest.skip("PostgreSQL only: terminates the server side of the kept read connections")
    from sqlalchemy import create_engine

    assert store._query("SELECT 1") == [(1,)]  # a read connection is now kept
    admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        killed = conn.exec_driver_sql(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchall()
    admin.dispose()
    assert killed
    assert store._query("SELECT 2") == [(2,)]  # the dead connection was dropped and the read retried
