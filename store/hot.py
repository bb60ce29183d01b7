"""Lean database access for the per-request hot path: named reads and the group-commit writer.

Every request looks up its bearer token, every checkpoint scan reads a pass's registry status
and stores the scan, every route request reads the active zones, closures and docking points and
stores the route.  Through the ORM each of these costs a few hundred microseconds of Python;
here each is one named method running a single DBAPI statement on a kept connection (tens of
microseconds on SQLite), cheap enough to run on the event loop.  SQL is written with ``?``
placeholders and translated for PostgreSQL; it stays inside this class.

Inserts on the hot path (scans, routes) go through one writer thread per process with *group
commit*: every row waiting when the writer wakes goes into one transaction, and each request is
answered only after that transaction has committed.  One commit (one fsync) then serves many
concurrent requests, and SQLite's single write lock is taken once per batch instead of once per
row.  Nothing is acknowledged before it is stored; if a batch fails, each of its rows is retried
in a transaction of its own, so one bad row fails only its own request.
"""

from __future__ import annotations

import concurrent.futures
import logging
import queue
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import orjson
from sqlalchemy.engine import Engine

from geo.errors import StoreUnavailable
from store import models  # noqa: F401 - registers every table the writer inserts into
from store.db import Base, aware
from store.users import Principal, SessionInfo

logger = logging.getLogger(__name__)

#: Rows stored in one transaction at most.
MAX_BATCH = 256
#: The writer thread ends after this many idle seconds (it restarts on the next insert).
WRITER_IDLE_S = 30.0
#: Idle read connections kept checked out of the pool for the next read (no checkout, no ping).
KEPT_READERS = 4
#: A PostgreSQL writer connection idle this long is pinged before its next batch (the server may have restarted).
WRITER_PING_AFTER_S = 1.0
#: How long the writer waits for SQLite's write lock before the batch fails.
LOCK_WAIT_S = 30.0


@dataclass(frozen=True)
class PassRegistryStatus:
    """What the registry says of a pass now: revoked, and whether its enterprise is on the whitelist."""

    revoked: bool
    enterprise_whitelisted: bool
    superseded_by: str | None = None


class HotStore:
    """The hot-path reads and the group-commit writer of one process, on the app's SQLAlchemy engine."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self.postgres = engine.dialect.name == "postgresql"
        self._sql: dict[str, str] = {}
        self._inserts: dict[tuple[str, tuple[str, ...], str | None], tuple[str, list[Any]]] = {}
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._writer: threading.Thread | None = None
        self._readers: list[Any] = []
        self._disconnect_errors = tuple(
            getattr(engine.dialect.loaded_dbapi, name) for name in ("OperationalError", "InterfaceError")
        )

    def _translate(self, sql: str) -> str:
        out = self._sql.get(sql)
        if out is None:
            out = sql.replace("?", "%s") if self.engine.dialect.paramstyle != "qmark" else sql
            self._sql[sql] = out
        return out

    # -- reads -----------------------------------------------------------------------------------
    def _query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Run one SELECT (``?`` placeholders; no literal ``?`` or ``%`` in the text) outside any
        transaction and return its rows.

        It runs on one of a few connections kept checked out for reads (PostgreSQL: in
        autocommit, so each read sees everything committed before it).  A connection that has
        gone away (a database restart) is discarded and the read is tried once more on a new one.
        """
        sql = self._translate(sql)
        try:
            return self._read(sql, params)
        except self._disconnect_errors:
            return self._read(sql, params)

    def _read(self, sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        conn: Any  # a DBAPI connection (sqlite3 or psycopg) behind SQLAlchemy's pool proxy
        with self._lock:
            conn = self._readers.pop() if self._readers else None
        if conn is None:
            conn = self.engine.raw_connection()
            if self.postgres:
                conn.driver_connection.autocommit = True
        try:
            cur = conn.cursor()
            try:
                cur.execute(sql, params)
                rows = cur.fetchall()
            finally:
                cur.close()
        except BaseException:
            conn.invalidate()
            conn.close()
            raise
        with self._lock:
            if len(self._readers) < KEPT_READERS:
                self._readers.append(conn)
                return rows
        self._release(conn)
        return rows

    def _release(self, conn: Any) -> None:
        """Give a read connection back to the pool as the pool handed it out."""
        try:
            if self.postgres:
                conn.driver_connection.autocommit = False
        except Exception:
            conn.invalidate()
        conn.close()

    def user_by_token_hash(self, token_hash: str, now: datetime) -> Principal | None:
        """The active user whose token hashes to ``token_hash`` (``None``: unknown, revoked or expired)."""
        rows = self._query(
            "SELECT id, name, role, enterprise_id, expires_at, revoked_at FROM users WHERE token_hash = ?",
            (token_hash,),
        )
        if not rows:
            return None
        uid, name, role, enterprise_id, expires_at, revoked_at = rows[0]
        if revoked_at is not None:
            return None
        expires = aware(expires_at)
        if expires is not None and expires <= now:
            return None
        return Principal(uid, name, role, enterprise_id)

    def session_by_hash(self, id_hash: str, now: datetime, *, idle_s: float) -> SessionInfo | None:
        """The live sign-in session whose cookie id hashes to ``id_hash`` (``None``: unknown, past its
        absolute end, idle longer than ``idle_s``, or of a revoked or expired user)."""
        rows = self._query(
            "SELECT u.id, u.name, u.role, u.enterprise_id, u.expires_at, u.revoked_at, "
            "s.csrf_token, s.last_seen_at, s.expires_at "
            "FROM web_sessions s JOIN users u ON u.id = s.user_id WHERE s.id_hash = ?",
            (id_hash,),
        )
        if not rows:
            return None
        uid, name, role, enterprise_id, user_expires, revoked_at, csrf, last_seen, expires = rows[0]
        last_seen_at, expires_at, user_expires_at = aware(last_seen), aware(expires), aware(user_expires)
        assert last_seen_at is not None and expires_at is not None  # NOT NULL columns
        if revoked_at is not None or expires_at <= now or (now - last_seen_at).total_seconds() > idle_s:
            return None
        if user_expires_at is not None and user_expires_at <= now:
            return None
        return SessionInfo(Principal(uid, name, role, enterprise_id), id_hash, csrf, last_seen_at, expires_at)

    def live_zone_keys(self) -> list[tuple[str, str]]:
        """``(id, version as text)`` of every zone not deleted, oldest first: the pair names one
        stored version of a zone (an edit stores the next version)."""
        return [
            (zid, str(version))
            for zid, version in self._query(
                "SELECT id, version FROM zones WHERE deleted_at IS NULL ORDER BY created_at"
            )
        ]

    def approved_hard_barriers(self, network: str) -> list[tuple[str, datetime, datetime]]:
        """``(id, starts_at, ends_at)`` of the approved ``hard_barrier`` closures whose arc ids refer to
        ``network`` (the loaded network's source), whatever their window."""
        rows = self._query(
            "SELECT id, starts_at, ends_at FROM closures WHERE status = 'approved' "
            "AND mode = 'hard_barrier' AND network = ?",
            (network,),
        )
        out = []
        for cid, starts, ends in rows:
            starts_at, ends_at = aware(starts), aware(ends)
            assert starts_at is not None and ends_at is not None  # NOT NULL columns
            out.append((cid, starts_at, ends_at))
        return out

    def closure_arcs(self, closure_id: str) -> np.ndarray | None:
        """The arc ids of a closure (``int64``), or ``None`` for an unknown id."""
        rows = self._query("SELECT arcs FROM closures WHERE id = ?", (closure_id,))
        return np.asarray(orjson.loads(rows[0][0]), dtype=np.int64) if rows else None

    def docking_points(self) -> dict[str, list[list[float]]]:
        """The planned docking points of every zone: ``{zone_id: [[lon, lat], ...]}`` in planning order."""
        out: dict[str, list[list[float]]] = {}
        for zone_id, lon, lat in self._query(
            "SELECT zone_id, lon, lat FROM docking_points ORDER BY zone_id, created_at, id"
        ):
            out.setdefault(zone_id, []).append([lon, lat])
        return out

    def pass_status(self, pass_no: str) -> PassRegistryStatus | None:
        """Revocation (and the successor of a superseded pass) and the enterprise's whitelist status of a pass
        (``None``: no such pass)."""
        rows = self._query(
            "SELECT p.revoked_at, s.whitelist, p.superseded_by FROM passes p "
            "LEFT JOIN sites s ON s.id = p.enterprise_id WHERE p.pass_no = ?",
            (pass_no,),
        )
        if not rows:
            return None
        revoked_at, whitelist, superseded_by = rows[0]
        return PassRegistryStatus(
            revoked=revoked_at is not None, enterprise_whitelisted=bool(whitelist), superseded_by=superseded_by
        )

    def pass_corridor(self, pass_no: str) -> list[list[float]] | None:
        """The full stored corridor ``[[lon, lat], ...]`` of a pass (``None``: no such pass)."""
        rows = self._query("SELECT corridor FROM passes WHERE pass_no = ?", (pass_no,))
        return orjson.loads(rows[0][0]) if rows else None

    def recent_pass_scans(self, pass_no: str, *, limit: int = 20) -> list[tuple[int, float, float, datetime]]:
        """``(id, lon, lat, time)`` of the pass's last ``limit`` scans, newest stored first; the time is the
        device's for an uploaded offline scan, else the server's check time."""
        rows = self._query(
            "SELECT id, lon, lat, checked_at, device_time FROM scans WHERE pass_no = ? ORDER BY id DESC LIMIT ?",
            (pass_no, limit),
        )
        out = []
        for sid, lon, lat, checked, device in rows:
            at = aware(device) or aware(checked)
            assert at is not None  # checked_at is NOT NULL
            out.append((int(sid), float(lon), float(lat), at))
        return out

    # -- inserts, group commit -------------------------------------------------------------------
    def insert(
        self, table: str, row: dict[str, Any], *, returning: str | None = None
    ) -> concurrent.futures.Future[Any]:
        """Queue ``row`` (column -> Python value) for ``table``; the future resolves once it is committed.

        The future's result is the value of the ``returning`` column (e.g. an autoincrement id),
        else ``None``.  Values are converted by SQLAlchemy's own column types, so rows read back
        through the ORM look the same as rows it wrote.

        Raises
        ------
        KeyError
            For an unknown table or column (a programming error).
        """
        sql, binds = self._insert_sql(table, tuple(row), returning)
        params = tuple(v if bind is None or v is None else bind(v) for v, bind in zip(row.values(), binds, strict=True))
        future: concurrent.futures.Future[Any] = concurrent.futures.Future()
        with self._lock:
            self._queue.put((sql, params, returning is not None, future))
            if self._writer is None:
                self._writer = threading.Thread(target=self._write_loop, name="baotong-writer", daemon=True)
                self._writer.start()
        return future

    def insert_route(
        self,
        *,
        id: str,
        request: str,
        result: str,
        created_at: datetime,
        created_by: str | None,
        enterprise_id: str | None = None,
    ) -> concurrent.futures.Future[None]:
        """Queue a stored route (``request`` and ``result`` are JSON text; ``enterprise_id`` whose route it is);
        resolves once committed."""
        return self.insert(
            "routes",
            {
                "id": id,
                "request": request,
                "result": result,
                "created_at": created_at,
                "created_by": created_by,
                "enterprise_id": enterprise_id,
            },
        )

    def insert_scan(
        self,
        *,
        pass_no: str | None,
        token_sha256: str,
        lon: float,
        lat: float,
        checked_at: datetime,
        recorded_at: datetime,
        verdict: str,
        reasons: str,
        plate_typed: str | None,
        mode: str,
        scanned_by: str | None,
        flags: str | None = None,
    ) -> concurrent.futures.Future[int]:
        """Queue a checkpoint scan (``reasons`` and ``flags`` are JSON text); resolves to its id once committed."""
        return self.insert(
            "scans",
            {
                "pass_no": pass_no,
                "token_sha256": token_sha256,
                "lon": lon,
                "lat": lat,
                "checked_at": checked_at,
                "recorded_at": recorded_at,
                "verdict": verdict,
                "reasons": reasons,
                "plate_typed": plate_typed,
                "mode": mode,
                "scanned_by": scanned_by,
                "flags": flags,
            },
            returning="id",
        )

    def _insert_sql(self, table: str, columns: tuple[str, ...], returning: str | None) -> tuple[str, list[Any]]:
        key = (table, columns, returning)
        found = self._inserts.get(key)
        if found is None:
            t = Base.metadata.tables[table]
            binds = [t.c[c].type.dialect_impl(self.engine.dialect).bind_processor(self.engine.dialect) for c in columns]
            sql = f"INSERT INTO {t.name} ({', '.join(t.c[c].name for c in columns)}) VALUES ({', '.join('?' * len(columns))})"
            if returning is not None:
                sql += f" RETURNING {t.c[returning].name}"
            found = (self._translate(sql), binds)
            self._inserts[key] = found
        return found

    def close(self, timeout: float = 30.0) -> None:
        """Store every queued row, stop the writer (a later insert starts it again), return the read connections."""
        with self._lock:
            writer = self._writer
            if writer is not None:
                self._queue.put(None)
            readers, self._readers = self._readers, []
        for conn in readers:
            self._release(conn)
        if writer is not None:
            writer.join(timeout)

    def _write_loop(self) -> None:
        conn = None  # the writer keeps one connection while it runs
        last = time.monotonic()
        try:
            while True:
                batch, stop = self._next_batch()
                if batch:
                    if conn is not None and self.postgres and time.monotonic() - last > WRITER_PING_AFTER_S:
                        conn = self._still_connected(conn)
                    conn = self._write_batch(conn, batch)
                    last = time.monotonic()
                if stop:
                    with self._lock:
                        if self._queue.empty():  # nothing can be queued between this check and the exit
                            self._writer = None
                            return
        finally:
            if conn is not None:
                self._release_writer(conn)

    def _next_batch(self) -> tuple[list[Any], bool]:
        """Every row waiting now (at most :data:`MAX_BATCH`); ``stop`` after idling or on :meth:`close`."""
        try:
            item = self._queue.get(timeout=WRITER_IDLE_S)
        except queue.Empty:
            return [], True
        batch, stop = [], False
        while True:
            if item is None:
                stop = True
            else:
                batch.append(item)
            if len(batch) >= MAX_BATCH:
                return batch, stop
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return batch, stop

    def _write_batch(self, conn: Any, batch: list[Any], *, retried: bool = False) -> Any:
        """Store ``batch`` and settle its futures; the connection to keep using (``None`` after a failure).

        A batch that fails because its connection went away (the database restarted since) is tried once
        more on a new connection before anything is reported lost."""
        try:
            if conn is None:
                conn = self._writer_connection()
            results = self._transaction(conn, batch)
        except Exception as err:
            if conn is not None:
                conn.invalidate()
                conn.close()
            if not retried and _lost_connection(err):
                logger.warning("the writer's connection went away (%s); trying again on a new one", err)
                return self._write_batch(None, batch, retried=True)
            if len(batch) == 1:
                self._fail(batch, err)
                return None
            logger.warning("a batch of %d rows failed (%s); storing them one by one", len(batch), err)
            conn = None
            for item in batch:
                conn = self._write_batch(conn, [item])
            return conn
        for (*_, future), result in zip(batch, results, strict=True):
            future.set_result(result)
        return conn

    def _still_connected(self, conn: Any) -> Any:
        """``conn`` if the database still answers on it, else ``None`` (discarded): after an idle spell the
        server may have restarted, and a batch must not fail on a connection that went away meanwhile."""
        try:
            cur = conn.cursor()
            try:
                cur.execute("SELECT 1")
                cur.fetchall()
            finally:
                cur.close()
            conn.driver_connection.rollback()  # the ping's transaction; a batch starts its own
            return conn
        except Exception:
            conn.invalidate()
            conn.close()
            return None

    def _writer_connection(self) -> Any:
        """A connection for the writer.  On SQLite it waits for the write lock itself (see
        :meth:`_begin_immediate`) instead of through SQLite's busy handler, which sleeps 1, 2, 5, 10 ...
        up to 100 ms between tries while another process commits in well under a millisecond."""
        conn: Any = self.engine.raw_connection()
        if not self.postgres:
            cur = conn.cursor()
            cur.execute("PRAGMA busy_timeout")
            conn.info["baotong_busy_timeout"] = cur.fetchone()[0]
            cur.execute("PRAGMA busy_timeout=0")
            cur.close()
        return conn

    def _release_writer(self, conn: Any) -> None:
        previous = conn.info.pop("baotong_busy_timeout", None)
        if previous is not None:
            try:
                conn.cursor().execute(f"PRAGMA busy_timeout={int(previous)}")
            except Exception:
                conn.invalidate()
        conn.close()

    @staticmethod
    def _begin_immediate(cur: Any) -> None:
        """``BEGIN IMMEDIATE`` (take the write lock now, not halfway through), retried every 0.2 ms while
        another process holds the lock, for up to :data:`LOCK_WAIT_S`."""
        deadline = time.monotonic() + LOCK_WAIT_S
        while True:
            try:
                cur.execute("BEGIN IMMEDIATE")
                return
            except Exception as err:
                if "locked" not in str(err) and "busy" not in str(err) or time.monotonic() > deadline:
                    raise
            time.sleep(0.0002)

    @staticmethod
    def _fail(batch: list[Any], err: Exception) -> None:
        logger.error("could not store a row: %s", err)
        failure = StoreUnavailable(f"the write could not be stored ({type(err).__name__}); nothing was recorded")
        for *_, future in batch:
            future.set_exception(failure)

    def _transaction(self, conn: Any, batch: list[Any]) -> list[Any]:
        """Insert ``batch`` in one transaction; the ``RETURNING`` values (or ``None``) in order.

        On PostgreSQL the statements and the commit go out in one pipeline (one round trip).
        """
        if self.postgres:
            pg = conn.driver_connection
            with pg.pipeline():
                cursors = []
                for sql, params, _returns, _ in batch:
                    cur = pg.cursor()
                    cur.execute(sql, params)
                    cursors.append(cur)
                pg.commit()
            return [cur.fetchone()[0] if returns else None for cur, (_, _, returns, _) in zip(cursors, batch)]
        cur = conn.cursor()
        try:
            self._begin_immediate(cur)
            out = []
            for sql, params, returns, _ in batch:
                cur.execute(sql, params)
                out.append(cur.fetchone()[0] if returns else None)
            conn.commit()
            return out
        except BaseException:
            conn.rollback()
            raise
        finally:
            cur.close()


__all__ = ["HotStore", "PassRegistryStatus", "StoreUnavailable", "MAX_BATCH", "KEPT_READERS"]


def _lost_connection(err: BaseException) -> bool:
    """Whether ``err`` says the connection is gone (not that the rows are bad): the DBAPI's operational
    and interface errors (psycopg's and sqlite3's share these names)."""
    return type(err).__name__ in ("OperationalError", "InterfaceError") and "locked" not in str(err)
