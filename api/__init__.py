"""GridGov's HTTP API: Open311 GeoReport v2 under /open311/, GridGov's own intake helpers (duplicates,
category suggestions, following a case) under /api/, photos under /media/. ``api.app.create_app`` builds the
FastAPI application; the dashboard's server mounts it, ``gridgov api`` serves it alone.

Layers: api → loaders → geo, like the dashboard; every write goes through a geo use case.
"""
