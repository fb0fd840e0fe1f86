"""What the pages, reports and the API read: overview, case map and case story, metrics, grid and department
load, hotspots, supervision, the big screen, layouts, placement of points in grids. Aggregated in SQL.

May import: geo.domain, geo.db, geo.config, geo.read. Never writes (no add/delete/insert/update/commit).
"""
