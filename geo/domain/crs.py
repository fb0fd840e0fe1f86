"""The two coordinate reference systems GridGov works in. Transform at the edges (loaders), never in the middle."""

#: Everything is stored in WGS84 lon/lat. CGCS2000 (EPSG:4490) is treated as identical (they differ by centimetres).
STORAGE_CRS = "EPSG:4326"

#: Distances and areas are measured in a metric projection. The default, CGCS2000 3-degree Gauss–Krüger CM 108E,
#: is the survey offices' own projection for the sample district (Haibowan, Wuhai, 106.8E); a district elsewhere
#: sets GRIDGOV_METRIC_CRS (any projected CRS in metres), read by ``geo.config.metric_crs``.
DEFAULT_METRIC_CRS = "EPSG:4545"
