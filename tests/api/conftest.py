"""Fixtures of the api tests: the app on a temporary database (tests/_app.py)."""

from tests._app import _migrated, app, auth_headers, client, database_url, settings, tokens  # noqa: F401  (fixtures)
