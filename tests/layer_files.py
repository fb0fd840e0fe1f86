"""Small layer files for import tests, built in tmp_path: shapefiles (any encoding, with or without .cpg,
.prj, language byte), zips (folders, GBK member names without the UTF-8 flag), GeoJSON.

Grids are unit squares near 106.8E 39.67N (0.001° ≈ 100 m), like tests/integration/factories.py.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import shapely

X0, Y0, STEP = 106.8, 39.67, 0.001
SAMPLE = Path(__file__).resolve().parents[1] / "sample_data" / "district.gpkg"


def sample_grids() -> gpd.GeoDataFrame:
    """The sample district's 435 grids (WGS 84), as loaded into the sample database."""
    return gpd.read_file(SAMPLE, layer="grids")


def shifted(frame: gpd.GeoDataFrame, forward: Callable) -> gpd.GeoDataFrame:
    """A copy whose lon/lat are moved by ``forward`` (e.g. geo.domain.datums.wgs84_to_gcj02): a web map's download."""
    def move(coords):
        return np.column_stack(forward(coords[:, 0], coords[:, 1]))

    return frame.set_geometry(shapely.transform(frame.geometry.to_numpy(), move), crs="EPSG:4326")


def datav_geojson(frame: gpd.GeoDataFrame, path: Path) -> Path:
    """``frame`` as a DataV/AMap-style boundary GeoJSON: adcode, name, center, centroid, level, parent."""
    features = [{"type": "Feature", "geometry": shapely.geometry.mapping(geom),
                 "properties": {"adcode": 150302001 + i, "name": name, "center": [geom.centroid.x, geom.centroid.y],
                                "centroid": [geom.centroid.x, geom.centroid.y], "childrenNum": 0,
                                "level": "street", "parent": {"adcode": 150302}, "subFeatureIndex": i}}
                for i, (name, geom) in enumerate(zip(frame["name"], frame.geometry))]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False),
                    encoding="utf-8")
    return path


def square(i: int, j: int, size: float = 1.0) -> shapely.Polygon:
    return shapely.box(X0 + i * STEP, Y0 + j * STEP, X0 + (i + size) * STEP, Y0 + (j + size) * STEP)


def grid_frame(cells: dict[str, shapely.Geometry], **columns) -> gpd.GeoDataFrame:
    """Grids with the survey office's Chinese field names, in WGS84."""
    codes = list(cells)
    data = {"网格编码": codes, "网格名称": [f"第{c}网格" for c in codes], "网格员": ["张三"] * len(codes),
            "联系电话": ["13800000000"] * len(codes)} | columns
    return gpd.GeoDataFrame(data, geometry=list(cells.values()), crs="EPSG:4326")


def write_shapefile(frame: gpd.GeoDataFrame, folder: Path, name: str = "网格", *, crs: str | None = "EPSG:4545",
                    encoding: str = "GBK", cpg: str | None = None, ldid: int = 0, prj: bool = True) -> Path:
    """A shapefile like a survey office's: projected to ``crs``, text in ``encoding``; .cpg only if given,
    DBF language byte set to ``ldid`` (0 = none), .prj removed unless ``prj``."""
    folder.mkdir(parents=True, exist_ok=True)
    shp = folder / f"{name}.shp"
    out = frame.to_crs(crs) if crs else frame
    pyogrio.write_dataframe(out, shp, encoding=encoding)
    (folder / f"{name}.cpg").unlink(missing_ok=True)
    if cpg is not None:
        (folder / f"{name}.cpg").write_text(cpg)
    dbf = bytearray((folder / f"{name}.dbf").read_bytes())
    dbf[29] = ldid
    (folder / f"{name}.dbf").write_bytes(bytes(dbf))
    if not prj or crs is None:
        (folder / f"{name}.prj").unlink(missing_ok=True)
    return shp


def zip_files(files: list[Path], path: Path, *, inside: str = "", names: dict[str, str] | None = None) -> Path:
    """Zip ``files`` under the folder ``inside`` ("" = at the top); ``names`` renames members."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for f in files:
            member = (names or {}).get(f.name, f"{inside}/{f.name}" if inside else f.name)
            archive.write(f, member)
    return path


def zip_shapefile(shp: Path, path: Path, *, inside: str = "", skip: tuple[str, ...] = ()) -> Path:
    """Zip a shapefile's sidecars (except the ``skip`` suffixes)."""
    files = sorted(p for p in shp.parent.iterdir() if p.stem == shp.stem and p.suffix not in skip)
    return zip_files(files, path, inside=inside)


def gbk_named_zip(files: list[Path], path: Path, gbk_names: dict[str, str]) -> Path:
    """A zip whose member names are GBK bytes without the UTF-8 flag (as Windows tools write them).

    Python always writes non-ASCII names as flagged UTF-8, so members are written under ASCII placeholders
    of the same byte length and the name bytes are patched afterwards (the CRC covers contents only)."""
    placeholders = {}
    for i, (ascii_name, chinese) in enumerate(gbk_names.items()):
        raw = chinese.encode("gbk")  # ASCII bytes ('/', '.', 'shp') kept, the others become one digit
        placeholders[ascii_name] = bytes(b if b < 0x80 else ord(str(i)) for b in raw)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for f in files:
            archive.write(f, placeholders[f.name].decode("ascii"))
    data = path.read_bytes()
    for ascii_name, chinese in gbk_names.items():
        data = data.replace(placeholders[ascii_name], chinese.encode("gbk"))
    path.write_bytes(data)
    return path
