"""The whitelist fleet (vehicles, crew, fuses), passes with their serials, and checkpoint scans."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from store.db import changed_rows
from store.models import CrewRow, FuseRow, PassRow, PassSerialRow, RouteRow, ScanRow, SiteRow, VehicleRow


# -- vehicles and crew ----------------------------------------------------------------------------------
def add_vehicle(session: Session, row: VehicleRow) -> VehicleRow:
    session.add(row)
    session.commit()
    return row


def add_fleet_rows(session: Session, rows: list[VehicleRow] | list[CrewRow]) -> None:
    """Store vehicles or crew members in one transaction (all or none)."""
    session.add_all(rows)
    session.commit()


def get_vehicle(session: Session, vehicle_id: str) -> VehicleRow | None:
    return session.get(VehicleRow, vehicle_id)


def vehicle_by_plate(session: Session, enterprise_id: str, plate: str) -> VehicleRow | None:
    """The vehicle with the (normalised) ``plate`` registered for an enterprise, or ``None``."""
    return session.scalar(
        select(VehicleRow).where(VehicleRow.enterprise_id == enterprise_id, VehicleRow.plate == plate)
    )


def list_vehicles(session: Session, enterprise_id: str) -> list[VehicleRow]:
    return list(
        session.scalars(
            select(VehicleRow).where(VehicleRow.enterprise_id == enterprise_id).order_by(VehicleRow.created_at)
        ).all()
    )


def add_crew(session: Session, row: CrewRow) -> CrewRow:
    session.add(row)
    session.commit()
    return row


def get_crew(session: Session, crew_id: str) -> CrewRow | None:
    return session.get(CrewRow, crew_id)


def list_crew(session: Session, enterprise_id: str) -> list[CrewRow]:
    return list(
        session.scalars(
            select(CrewRow).where(CrewRow.enterprise_id == enterprise_id).order_by(CrewRow.created_at)
        ).all()
    )


def live_pass_numbers(session: Session, site_id: str, at: datetime) -> list[str]:
    """The numbers of an enterprise's passes not revoked and still in their window at ``at``."""
    return list(
        session.scalars(
            select(PassRow.pass_no)
            .where(PassRow.enterprise_id == site_id, PassRow.revoked_at.is_(None), PassRow.valid_until > at)
            .order_by(PassRow.pass_no)
        ).all()
    )


def set_whitelist(
    session: Session, site_id: str, *, whitelist: bool, reason: str, by: str, at: datetime
) -> list[str] | None:
    """Fuse (``whitelist=False``) or un-fuse (``True``) an enterprise and record the step, if it changes.

    One conditional update (``... WHERE whitelist = <the other state>``) and the step, in one
    transaction: of two planners changing it at once exactly one changes the row and the other
    matches none, so the steps in ``fuses`` always alternate.  Returns the numbers of its passes
    still in their window, or ``None`` when the enterprise was already in that state.
    """
    try:
        changed = changed_rows(
            session,
            update(SiteRow)
            .where(SiteRow.id == site_id, SiteRow.kind == "enterprise", SiteRow.whitelist == (not whitelist))
            .values(whitelist=whitelist),
        )
        if changed != 1:
            session.rollback()
            return None
        session.add(
            FuseRow(
                site_id=site_id, action="unfuse" if whitelist else "fuse", reason=reason, created_at=at, created_by=by
            )
        )
        affected = live_pass_numbers(session, site_id, at)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return affected


def last_fuse_step(session: Session, site_id: str) -> FuseRow | None:
    """The latest fuse or un-fuse step of an enterprise, or ``None``."""
    return session.scalar(select(FuseRow).where(FuseRow.site_id == site_id).order_by(FuseRow.id.desc()).limit(1))


# -- passes ---------------------------------------------------------------------------------------------
def allocate_serial(session: Session, admin_code: str) -> int:
    """The next serial of ``admin_code``, taken inside the caller's transaction.

    ``UPDATE ... SET last_serial = last_serial + 1 ... RETURNING`` locks the issuer's row until
    the caller commits (PostgreSQL: a row lock; SQLite: the database write lock), so concurrent
    issuers get unique, consecutive serials; a rolled-back pass gives its serial back.  The row
    is inserted on first use with ``ON CONFLICT DO NOTHING`` (racing first issuers both succeed).
    """
    bump = (
        update(PassSerialRow)
        .where(PassSerialRow.admin_code == admin_code)
        .values(last_serial=PassSerialRow.last_serial + 1)
        .returning(PassSerialRow.last_serial)
        .execution_options(synchronize_session=False)
    )
    serial = session.execute(bump).scalar_one_or_none()
    if serial is None:
        if session.get_bind().dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as pg_insert

            first = pg_insert(PassSerialRow).values(admin_code=admin_code, last_serial=0)
            session.execute(first.on_conflict_do_nothing(index_elements=["admin_code"]))
        else:
            from sqlalchemy.dialects.sqlite import insert as sqlite_insert

            first_sqlite = sqlite_insert(PassSerialRow).values(admin_code=admin_code, last_serial=0)
            session.execute(first_sqlite.on_conflict_do_nothing(index_elements=["admin_code"]))
        serial = session.execute(bump).scalar_one()
    return int(serial)


def lock_plate(session: Session, plate: str) -> None:
    """Lock the vehicle rows of ``plate`` until the caller's transaction ends (PostgreSQL ``FOR UPDATE``;
    SQLite holds the database write lock from the transaction's first write)."""
    session.execute(select(VehicleRow.id).where(VehicleRow.plate == plate).with_for_update()).all()


def live_passes_of_plate(
    session: Session, plate: str, *, starts: datetime, ends: datetime, now: datetime
) -> list[PassRow]:
    """The valid passes of the vehicle with ``plate`` whose window overlaps ``[starts, ends)``: not revoked or
    superseded, not expired at ``now``, of an enterprise still on the whitelist; oldest first."""
    return list(
        session.scalars(
            select(PassRow)
            .join(SiteRow, SiteRow.id == PassRow.enterprise_id)
            .where(
                PassRow.plate == plate,
                PassRow.revoked_at.is_(None),
                PassRow.valid_until > now,
                PassRow.valid_until > starts,
                PassRow.valid_from < ends,
                SiteRow.whitelist.is_(True),
            )
            .order_by(PassRow.issued_at, PassRow.pass_no)
            .execution_options(populate_existing=True)
        ).all()
    )


def add_pass(
    session: Session,
    admin_code: str,
    build: Callable[[int], tuple[PassRow, RouteRow]],
    *,
    claim: Callable[[Session], PassRow | None] | None = None,
    actor: str | None = None,
    at: datetime | None = None,
) -> PassRow:
    """Store a new pass and its route in one transaction under the next serial of ``admin_code``.

    ``claim(session)`` runs right after the serial is taken, inside the transaction: the serial's
    row lock (PostgreSQL) or the database write lock (SQLite) makes concurrent issuers run it one
    at a time, each seeing the passes the others committed.  It checks the vehicle's live passes,
    raising to refuse, and returns the pass the new one supersedes, or ``None``.  A superseded pass
    is revoked in the same transaction (``revoke_reason`` "superseded by <new>", by ``actor`` at
    ``at``), and the two are linked (``replaces`` / ``superseded_by``).

    ``build(serial)`` makes the rows (signing the token on the way); if anything raises, or the
    commit fails, the transaction is rolled back and the serial given back.
    """
    try:
        serial = allocate_serial(session, admin_code)
        old = claim(session) if claim is not None else None
        row, route = build(serial)
        if old is not None:
            old.revoked_at, old.revoked_by = at, actor
            old.revoke_reason, old.superseded_by = f"superseded by {row.pass_no}", row.pass_no
            row.replaces = old.pass_no
        session.add(route)
        session.add(row)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return row


def get_pass_row(session: Session, pass_no: str) -> PassRow | None:
    return session.get(PassRow, pass_no)


def pass_row_for_update(session: Session, pass_no: str) -> PassRow | None:
    """The pass ``pass_no`` read afresh inside the caller's transaction and locked until it ends (PostgreSQL)."""
    return session.scalars(
        select(PassRow).where(PassRow.pass_no == pass_no).with_for_update().execution_options(populate_existing=True)
    ).first()


def unrevoked_pass_rows(session: Session) -> list[PassRow]:
    """Every pass not revoked (the closure impact keeps those valid in its window)."""
    return list(session.scalars(select(PassRow).where(PassRow.revoked_at.is_(None))).all())


def revoke_pass(session: Session, pass_no: str, *, revoked_by: str, reason: str, at: datetime) -> PassRow | None:
    """Revoke a pass if it is not revoked yet: one conditional update (``... WHERE revoked_at IS NULL``).

    Of revocations at once exactly one is stored (its reason is never overwritten by another's);
    returns the revoked row, or ``None`` when it was revoked already.
    """
    try:
        changed = changed_rows(
            session,
            update(PassRow)
            .where(PassRow.pass_no == pass_no, PassRow.revoked_at.is_(None))
            .values(revoked_at=at, revoked_by=revoked_by, revoke_reason=reason),
        )
        if changed != 1:
            session.rollback()
            return None
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return fresh_pass_row(session, pass_no)


def fresh_pass_row(session: Session, pass_no: str) -> PassRow | None:
    """The pass as stored now (not as this session read it before)."""
    return session.get(PassRow, pass_no, populate_existing=True)


def enterprise_whitelisted(session: Session, site_id: str) -> bool:
    """Whether the site exists and is on the whitelist."""
    site = session.get(SiteRow, site_id)
    return bool(site is not None and site.whitelist)


# -- scans ----------------------------------------------------------------------------------------------
def pass_scans(session: Session, pass_no: str, *, limit: int = 500) -> list[ScanRow]:
    """A pass's checkpoint scans, oldest first."""
    return list(
        session.scalars(
            select(ScanRow).where(ScanRow.pass_no == pass_no).order_by(ScanRow.recorded_at, ScanRow.id).limit(limit)
        ).all()
    )


def recent_scans(session: Session, since: datetime, *, limit: int = 500) -> list[ScanRow]:
    """Scans recorded since ``since``, newest first."""
    return list(
        session.scalars(
            select(ScanRow).where(ScanRow.recorded_at >= since).order_by(ScanRow.recorded_at.desc()).limit(limit)
        ).all()
    )


def scan_by_key(session: Session, scanned_by: str, idempotency_key: str) -> ScanRow | None:
    """The scan an officer uploaded with this idempotency key, if any."""
    return session.scalars(
        select(ScanRow).where(ScanRow.scanned_by == scanned_by, ScanRow.idempotency_key == idempotency_key)
    ).first()


def add_offline_scan(session: Session, row: ScanRow) -> tuple[ScanRow, bool]:
    """Store an uploaded offline scan once per (officer, idempotency key).

    Returns the stored row and whether it was new; a second upload with the same key (also one
    racing this one) returns the first upload's row.
    """
    assert row.scanned_by is not None and row.idempotency_key is not None
    found = scan_by_key(session, row.scanned_by, row.idempotency_key)
    if found is not None:
        return found, False
    session.add(row)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        found = scan_by_key(session, row.scanned_by, row.idempotency_key)
        if found is None:
            raise
        return found, False
    except BaseException:
        session.rollback()
        raise
    return row, True


# -- the checkpoints' revocation list ---------------------------------------------------------------------
def revoked_in_window(session: Session, at: datetime) -> list[tuple[str, datetime]]:
    """``(pass_no, revoked_at)`` of every revoked pass whose window has not ended at ``at``, by number."""
    rows = session.execute(
        select(PassRow.pass_no, PassRow.revoked_at)
        .where(PassRow.revoked_at.is_not(None), PassRow.valid_until > at)
        .order_by(PassRow.pass_no)
    ).all()
    return [(no, revoked) for no, revoked in rows if revoked is not None]


def fused_with_live_passes(session: Session, at: datetime) -> list[tuple[str, datetime | None]]:
    """``(enterprise_id, fused_at)`` of every enterprise off the whitelist that holds a pass not revoked whose
    window has not ended at ``at``; ``fused_at`` is its latest fuse step (``None`` if it was never fused)."""
    live = select(PassRow.enterprise_id).where(PassRow.revoked_at.is_(None), PassRow.valid_until > at)
    ids = list(
        session.scalars(
            select(SiteRow.id).where(SiteRow.whitelist.is_(False), SiteRow.id.in_(live)).order_by(SiteRow.id)
        ).all()
    )
    out: list[tuple[str, datetime | None]] = []
    for site_id in ids:
        step = session.scalar(
            select(FuseRow.created_at)
            .where(FuseRow.site_id == site_id, FuseRow.action == "fuse")
            .order_by(FuseRow.id.desc())
            .limit(1)
        )
        out.append((site_id, step))
    return out
