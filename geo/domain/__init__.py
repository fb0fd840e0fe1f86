"""Pure rules and value types: vocabulary, workflow table, permissions, escalation policy, work calendar and
deadlines, datums and CRS, the grid index and its raster, nearest, clustering, hotspot and density statistics,
actors, personal-data masking.

May import: the standard library, numpy/pandas/shapely/pyproj/scipy/esda/h3, Pillow (photos) and
scikit-learn (the category model) — and nothing of geo but geo.domain. No SQLAlchemy, no environment
variables (geo.config reads those and passes values in).
"""
