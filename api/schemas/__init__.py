"""Request and response schemas, one module per resource, in families: ``ZoneCreate`` (input),
``ZonePublic`` (output), ``ZonesPublic`` (a list), and the shared types in :mod:`api.schemas.common`."""
