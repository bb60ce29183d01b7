"""Alembic environment: the URL comes from the caller (store.db.migrate) or BAOTONG_DATABASE_URL."""

from __future__ import annotations

import os

from alembic import context

from store.db import make_engine

config = context.config


def _url() -> str:
    url = config.get_main_option("sqlalchemy.url") or os.environ.get("BAOTONG_DATABASE_URL")
    if not url:
        raise RuntimeError(
            "no database URL: set sqlalchemy.url or BAOTONG_DATABASE_URL "
            "(the service migrates its own database at start: store.db.migrate)"
        )
    return url


def run_migrations_offline() -> None:
    context.configure(url=_url(), literal_binds=True, dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = make_engine(_url())
    with engine.connect() as connection:
        context.configure(connection=connection, render_as_batch=connection.dialect.name == "sqlite")
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
