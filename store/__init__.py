"""Storage: every query of the service, as a named function.

Ordinary reads and writes go through the ORM, one module per resource (:mod:`store.zones`,
:mod:`store.sites`, :mod:`store.routes`, :mod:`store.closures`, :mod:`store.plans`,
:mod:`store.passes`, :mod:`store.users`); the per-request hot paths use the lean named reads
and the group-commit writer of :class:`store.hot.HotStore`.  The tables are in
:mod:`store.models`, the schema in Alembic migrations (``store/migrations``), the pass signing
keys on disk in :mod:`store.keys`.  Nothing here imports FastAPI or folium.
"""
