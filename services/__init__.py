"""The use cases: one function per thing a user does, called by the HTTP API and the CLI alike.

Each takes the process's :class:`services.context.AppContext` (settings, the road router, the
database, the caches) and, when it reads or writes stored state, a session; storage is reached
only through :mod:`store`, routing through :mod:`routing`.  Nothing here imports FastAPI or folium.
"""
