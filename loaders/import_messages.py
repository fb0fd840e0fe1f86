"""Import messages as stable keys with parameters, and their English text.

Why keys: the upload pages speak Chinese (or English) while the JSON report and the command line need one
stable, machine-readable form. Every problem, question and detection an import reports carries a key
(``msg``) and its parameters (``params``) beside the English sentence (``message``/``text``/``evidence``).
The page translates ``import_<key>`` through the message catalogue (``dashboard/strings/imports.py`` holds
the Chinese and takes the English from ``EN`` here, so the English exists once); the CLI prints the English.

Parameters are plain JSON values (strings and numbers), formatted by ``str.format`` in both languages.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Msg:
    """One message: its key in ``EN`` (and in the page catalogue as ``import_<key>``) and its parameters."""

    key: str
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """The English sentence (what the CLI prints and the JSON report's ``message`` holds)."""
        return render(self.key, self.params, EN.__getitem__)

    def __str__(self) -> str:
        return self.text


def msg(key: str, **params: Any) -> Msg:
    """``msg("bad_time", column="受理时间", value="昨天")``; an unknown key fails at once (a typo is a bug)."""
    if key not in EN:
        raise KeyError(f"no import message {key!r} in loaders.import_messages.EN")
    return Msg(key, {k: _plain(v) for k, v in params.items()})


def render(key: str, params: dict[str, Any], template: Callable[[str], str]) -> str:
    """``template(key)`` formatted with ``params``; a parameter that is itself a message ({"msg", "params"})
    is rendered first with the same ``template`` (how the page translates nested messages)."""
    plain = {k: render(v["msg"], v["params"], template) if _is_nested(v) else v for k, v in params.items()}
    return template(key).format(**plain)


def _is_nested(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == {"msg", "params"}


def _plain(value: Any) -> Any:
    """Numpy numbers → Python numbers, a Msg → {"msg", "params"}, anything else not JSON → str."""
    if isinstance(value, bool | int | float | str) or value is None:
        return value
    if isinstance(value, Msg):
        return {"msg": value.key, "params": value.params}
    if hasattr(value, "item"):
        return value.item()
    return str(value)


class MessageError(ValueError):
    """An error whose text is an import message: ``str(exc)`` is the English, ``exc.message`` the Msg."""

    def __init__(self, message: Msg | str):
        super().__init__(str(message))
        self.message = message if isinstance(message, Msg) else None


#: key → English template, grouped by where the message arises; the page catalogue adds the Chinese.
EN: dict[str, str] = {
    # generic
    # limits on uploads (loaders.limits), checked before any parser reads the file
    "limit_columns": ("{file} has {columns:,} columns on its header line; at most {max} are accepted (is this a case "
                      "export?)"),
    "limit_line": ("line {line:,} of {file} is longer than {kb} KB; a case export's lines are far shorter (is this a "
                   "case export?)"),
    "limit_rows": "{file} has {lines:,} lines; at most {max:,} rows are accepted: split it into smaller files",
    "limit_cells": ("{file} has {rows:,} rows × {columns} columns; at most {max:,} cells are accepted: split it into "
                    "smaller files"),
    "limit_workbook": ("{file} unpacks to {mb:,} MB ({ratio:,}× its size); at most {max_mb} MB and {max_ratio}× are "
                       "accepted: split it into smaller files"),
    "limit_sheet_columns": "a sheet of {file} has {columns:,} columns; at most {max} are accepted",
    "limit_sheet_rows": "a sheet of {file} has more than {max:,} rows: split it into smaller files",
    "limit_features": "{file} holds {features:,} features; at most {max:,} are accepted: split the layer",
    "limit_feature_vertices": ("a feature of {file} has about {vertices:,} vertices; at most {max:,} per feature are "
                               "accepted: simplify it (e.g. to 1 m) and upload again"),
    "limit_vertices": "{file} has about {vertices:,} vertices; at most {max:,} are accepted: split or simplify the layer",
    # an unexpected error: its kind and a server-log reference, never the database's text (geo.db.errors)
    "cannot_use_database": ("Cannot use the input: the database refused it ({error}); nothing was written. Server "
                            "log reference {reference}."),
    "cannot_use_logged": "Cannot use the input: {error}: {detail} (server log reference {reference})",
    "no_schema": ("The database has not been initialised (it has no GridGov tables): run gridgov init-db, then "
                  "import again."),
    # the layer import (loaders.layer_import, layer_fields)
    "not_permitted_layers": "{name} ({role}) may not import layers",
    "not_permitted_restore": "{name} ({role}) may not restore layouts",
    "restore_failed_database": ("Cannot restore layout {id}: the database refused it ({error}); nothing was "
                                "changed. Server log reference {reference}."),
    "restore_failed_logged": "Cannot restore layout {id}: {error}: {detail} (server log reference {reference})",
    "spec_bad_kind": "kind {kind} is not one of {kinds}",
    "spec_bad_datum": "datum {datum} is not one of {datums}",
    "spec_bad_role": "--field {role}=…: {kind} have the roles {roles}",
    "layer_none_in_upload": "The upload holds no layer file (.shp, .geojson, .json or .gpkg).",
    "member_missing": "the zip holds no {member}; it holds {names}",
    "question_member": "The zip holds {n} layers; choose one.",
    "layer_all_empty": "Every feature of the layer has an empty geometry; there is nothing to import.",
    "layer_not_areas": ("The layer holds {types} geometries, not polygons: {kind} must be areas. Choose a polygon "
                        "layer (points such as case locations are imported as cases)."),
    "field_missing_column": "--field {role}={column}: the layer has no column {column!r}; its columns are {columns}",
    "question_field": "Which column holds the {role}?",
    "question_field_proposed": "Which column holds the {role}? {column} looks like it ({why}): confirm it or choose "
                               "another.",
    "code_why_name": "its name says code",
    "code_why_unique": "unique whole numbers",
    "unknown_parent_warning": "{code}: {parent} {value} is not a known {parent} code or name; stored without one.",
    "unknown_parent_error": "{code}: {parent} {value} is not a known {parent} code or name.",
    "cli_bad_field": "--field {value} must read ROLE=COLUMN, e.g. code=网格编码",
    "kind_grids": "grids",
    "kind_buildings": "buildings",
    "kind_communities": "communities",
    "kind_streets": "streets",
    "role_code": "code",
    "role_name": "name",
    "role_community": "community",
    "role_member_name": "member_name",
    "role_member_phone": "member_phone",
    "role_address": "address",
    "role_grid": "grid",
    "role_households": "households",
    "role_street": "street",
    # the datum of a lon/lat layer (loaders.layer_datum)
    "reference_grids": "the current grid layout",
    "reference_buildings": "the current buildings",
    "reference_communities": "the current communities",
    "reference_streets": "the current streets",
    "reference_district": "the district outline",
    "datum_analyst": "chosen by the analyst ({datum})",
    "datum_declared": "WGS 84 lon/lat as the file declares ({crs}); no reference settled it otherwise",
    "datum_fit": ("fits {reference} as {datum}: median distance of its edges {wgs84:,.0f} m as WGS 84, {gcj02:,.0f} m "
                  "as GCJ-02, {bd09:,.0f} m as BD-09"),
    "datum_detected": ("The layer fits {reference} only as {datum} (a web map's datum): read as WGS 84 it would "
                       "sit {offset:,.0f} m off. Read as {datum}."),
    "datum_undeclared": "no .prj: the datum of the lon/lat is not declared",
    "datum_web_export": "the attributes look like a web map's export (adcode, center …): probably GCJ-02",
    "datum_question_no_prj": ("The layer's longitude/latitude come without a .prj, so their datum is unknown. Web "
                              "maps use GCJ-02 (AMap, Tencent, DataV: {gcj02:,.0f} m from WGS 84 here) or BD-09 "
                              "(Baidu: {bd09:,.0f} m). Choose the datum; the preview draws the layer under each."),
    "datum_question_web": ("The layer looks like a web map's export (adcode, center …), whose coordinates are "
                           "usually GCJ-02 ({gcj02:,.0f} m from WGS 84 here) or BD-09 ({bd09:,.0f} m). Choose the "
                           "datum; the preview draws the layer under each."),
    # reading a case export (loaders.case_read)
    "file_missing": "no such file: {path}",
    "file_too_big": "{file} is {mb:.0f} MB; the limit is {limit:.0f} MB — split the export into smaller files",
    "file_empty": "{file} is empty",
    "file_xls": "{file} is an old Excel 97–2003 (.xls) workbook; save it as .xlsx or CSV",
    "file_binary": "{file} is a binary file, not a CSV text export (save it as CSV or .xlsx)",
    "file_no_header": "the file has no header row",
    "csv_unparsable": "cannot parse the file as a table (delimiter {delimiter}): {error}",
    "xlsx_sheet": "cannot read sheet {sheet} of {file}: {error}",
    "xlsx_unreadable": "{file} is not a readable .xlsx workbook ({error}: {detail})",
    "csv_enc_bom": "{name} byte-order mark at the start of the file",
    "csv_enc_not_utf8": "not valid UTF-8 (byte {byte} at offset {offset})",
    "csv_enc_ascii": "every byte is ASCII",
    "csv_enc_utf8": "valid UTF-8 with {share:.0%} Chinese among non-ASCII characters",
    "csv_enc_decodes": "{utf8}; decodes as {name} with {share:.0%} Chinese among non-ASCII characters",
    "csv_enc_none": "{utf8}; not valid GBK or GB18030 either",
    "csv_enc_unknown": "unknown encoding {name}; use utf-8, gbk or gb18030",
    "csv_enc_wrong": ("the file does not decode as {name} (byte {byte} at offset {offset}); detected: {detected} "
                      "({evidence})"),
    "question_csv_encoding": ("The text encoding is uncertain: which one shows the Chinese text correctly? (pass "
                              "--encoding NAME)"),
    # which column is what in a case export (loaders.case_mapping)
    "column_arg_malformed": "--column {pair} is not ROLE=COLUMN (e.g. reported_at=受理时间)",
    "column_arg_role": "unknown role {role} in --column {pair}; roles: {roles}",
    "word_arg_malformed": "{option} {pair} is not THEIRS=OURS (e.g. 道路破损=井盖缺失破损)",
    "mapping_unknown_role": "unknown role {role}; roles: {roles}",
    "mapping_no_column": "column {column} (for {role}) is not in the file; columns: {columns}",
    "mapping_no_time": ("no column for {roles} (the time the case was reported); map one, e.g. --column "
                        "reported_at=受理时间; columns: {columns}"),
    "category_map_target": "category mapping {theirs} → {ours}: {ours} is not one of our category codes or names",
    # the case import (loaders.case_import)
    "not_permitted_cases": "{name} ({role}) may not import cases",
    "option_datum": "unknown datum {datum}; expected one of {datums}",
    "option_default_source": "unknown default source {source}; sources: {sources}",
    "option_status_map": "status mapping {theirs} → {ours}: {ours} is not a status ({statuses})",
    "option_source_map": "source mapping {theirs} → {ours}: {ours} is not a source ({sources})",
    "option_tz": "unknown time zone {tz} (e.g. Asia/Shanghai)",
    "option_time_format": ("--time-format {value} is neither month-first, day-first nor a strptime pattern "
                           "(e.g. %d-%b-%Y %H:%M)"),
    "no_layout": "no grid layout is active: import a grid layer first",
    "no_location_columns": ("no coordinate (经度/纬度) or address column: every case goes to the manual-placement "
                            "queue"),
    "no_rows": "the file has a header but no rows",
    "all_rejected": "every row was rejected: nothing can be imported (see the row problems)",
    "time_order_detected": "dates are written {order} ({example} can only be read that way)",
    "time_order_analyst": "{order}, as the analyst said",
    "time_pattern_analyst": "the pattern {pattern}, as the analyst said",
    "question_time_order": ("Dates such as {example} are written day and month before the year, and no value "
                            "tells which comes first. Is {example} month-first (US) or day-first? (pass "
                            "--time-format month-first|day-first)"),
    "question_word_category": ("Their category {word} ({n:,} rows) is not one of ours: map it to one of our "
                               "categories, or to 待分类 (uncategorised: the center triages those cases)."),
    "question_word_status": ("Their status word {word} ({n:,} rows) is not one of ours: map it to one of our "
                             "statuses, or to 待分类 (read from the closing time: closed if there is one, else "
                             "reported)."),
    "question_word_source": ("Their channel word {word} ({n:,} rows) is not one of ours: map it to one of our "
                             "sources, or to 待分类 (the default source, {default})."),
    "fallback_category": "待分类: uncategorised, the center triages it",
    "fallback_status": "待分类: closed if it has a closing time, else reported",
    "fallback_source": "待分类: the default source",
    # case rows (loaders.case_rows) — a row's problem; the report prefixes the row(s)
    "at_row": "row {row}: {problem}",
    "at_rows": "{n:,} rows ({rows} …): {problem}",
    "more_rows": "{n:,} more rows with problems of kind {kind}, not listed one by one",
    "no_source_column": "no column for the source id (工单编号/事件编号): each row is identified by a hash of its content",
    "no_source_id": "no source id; identified by a hash of its content",
    "bad_source_id": "source id longer than {limit} characters: {value}…",
    "row_text_too_long": ("{column} is {n:,} characters long; a case keeps at most {limit:,}: shorten it in "
                          "the file"),
    "row_text_control": ("{column} contains control characters (or a line break in a one-line field): remove "
                         "them in the file"),
    "duplicate_in_file": "duplicate source id '{ref}' (first in row {first}): skipped",
    "already_imported": "source id '{ref}' is already imported (case {number}): skipped",
    "bad_time": "{column} {value} is not a time (accepted: {accepted})",
    "missing_time": "no report time ({column} is empty)",
    "closed_before_opened": "closed before it was reported: closed {closed}, reported {reported}",
    "unknown_status": "unknown status {value}; known words include {known} … or our codes ({codes})",
    "closed_without_time": ("status {value} is closed but there is no closing time (map one: --column "
                            "closed_at=办结时间)"),
    "open_with_closing_time": "closing time {closed} given but status {value} is still open",
    "unknown_category": ("unknown category {value}; use one of our category codes or names (e.g. {examples}) or "
                         "add it to the category mapping"),
    "unknown_source": "unknown source {value}; use 12345, 小程序, 网格员, 视频, 代表 or our codes ({codes})",
    "coordinates_not_numbers": "coordinates are not numbers: lon {lon}, lat {lat}",
    "coordinates_lone": "only one coordinate given: lon {lon}, lat {lat}",
    "coordinates_out_of_range": "coordinates out of range: lon {lon}, lat {lat} (lon −180…180, lat −90…90)",
    "not_placed": "{why}: goes to the manual-placement queue",
    "outside_every_grid": "coordinates ({lon:.6f}, {lat:.6f}) are outside every grid",
    # matching a case's address to a building (loaders.case_address)
    "address_none": "no coordinates and no address",
    "address_unmatched": "no coordinates, and address {address} matches no building",
    "address_ambiguous": "no coordinates, and address {address} matches {n} buildings",
    # uploads and zips (loaders.archive)
    "zip_oversize": ("The upload is {mb:.1f} MB; the limit is {limit:.0f} MB. Split the layer or remove unneeded files "
                     "(e.g. .sbn, .xml) and upload again."),
    "zip_slip": ("The zip member {member} points outside the upload folder (zip slip); the archive was refused and "
                 "nothing was extracted."),
    "zip_members": "The zip holds {n} files; at most {limit} are accepted.",
    "zip_unpacked": "The zip would unpack to {mb:.0f} MB; the limit is {limit:.0f} MB (zip bomb?).",
    "zip_member_ratio": "The zip member {member} expands {ratio:.0f}× ({mb:.0f} MB); at most {limit:.0f}× is accepted "
                        "(zip bomb?).",
    "zip_ratio": "The zip expands {ratio:.0f}× overall; at most {limit:.0f}× is accepted (zip bomb?).",
    "zip_unreadable": "The file is not a readable zip archive ({error}).",
    "zip_damaged": "The zip is damaged: {error}.",
    "zip_sizes_false": "The zip unpacks to more than its declared sizes allow (its declared sizes are false: zip bomb?).",
    "upload_bad_format": "{file} is not a layer upload: give a .zip (shapefile), .geojson, .json or .gpkg file.",
    # reading a layer file (loaders.layer_read)
    "layer_gdal_unreadable": "GDAL cannot read {file}: {error}",
    "layer_prj_unknown": "{file} is not a CRS definition pyproj understands: {text}",
    "layer_no_shx": ("The shapefile {shp} has no {missing} (index) beside it; upload .shp, .shx and .dbf together "
                     "(and .prj, .cpg if you have them)."),
    "layer_no_dbf": ("The shapefile {shp} has no {missing} (attributes) beside it; upload .shp, .shx and .dbf "
                     "together (and .prj, .cpg if you have them)."),
    "layer_not_shapefile": "{file} is not a shapefile (its header is missing or damaged).",
    "layer_truncated": "{file} is truncated: its header says {declared:,} bytes, the file has {actual:,}. Export the "
                       "layer again.",
    "layer_dbf_short": "{file} is too short to be a DBF file.",
    # the CRS of a layer (loaders.layer_crs)
    "crs_bad_option": "--crs {value} is not a CRS pyproj knows ({error}); use e.g. EPSG:4545",
    "crs_analyst": "chosen by the analyst ({value})",
    "crs_lonlat_no_prj": "no .prj; the coordinates are longitude/latitude (the datum is checked separately)",
    "crs_no_prj": "The layer has no .prj (no CRS is declared).",
    "crs_from_prj": "declared by the file (.prj or the GeoJSON/GPKG itself): {name}",
    "crs_prefix_missing": "the .prj declares {name} without a zone prefix, but eastings are {x:,.0f}: zone {zone}",
    "crs_prefix_extra": "the .prj declares {name} with a zone prefix, but eastings are {x:,.0f} (no prefix)",
    "crs_zone_fix": "{why} → {code}",
    "crs_zone_fix_warning": "{why}; read as {code}.",
    "crs_mismatch": ("The coordinates ({x0:,.6g}, {y0:,.6g}) … ({x1:,.6g}, {y1:,.6g}) do not fit {code}: under it "
                     "the layer lies at {lon:.4f}, {lat:.4f}, {trouble}."),
    "crs_outside_china": "outside China",
    "crs_far": "{km:,.0f} km from the current district",
    "crs_question": "{reason} Choose the CRS the coordinates are in.",
    "crs_none_fits": ("{reason} No supported CRS (geographic lon/lat, CGCS2000 / Xi'an 1980 / Beijing 1954 "
                      "Gauss–Krüger) places coordinates like ({x:,.6g}, {y:,.6g}) in China."),
    # geometry and codes of a layer (loaders.layer_validate)
    "feature_label": "feature {n} (code {code})",
    "empty_geometry": "{feature} has no geometry: dropped.",
    "not_polygon": "{feature} is a {type}, not a polygon: dropped.",
    "empty_after_repair": "{feature} is invalid ({reason}) and nothing is left after repair: dropped.",
    "invalid_geometry": "{feature} was invalid ({reason}); repaired, still a polygon.",
    "malformed_code": "Code {code} is malformed: use letters, digits, '-', '_' or '.', at most {limit} characters.",
    "text_too_long": ("The {field} of {code} is {n:,} characters long; at most {limit:,} fit: shorten it in "
                      "the file."),
    "text_control": "The {field} of {code} contains control characters or a line break: remove them in the file.",
    "layer_nul": ("{file} contains a NUL character (\\u0000): the text would be cut there when read; remove "
                  "it from the file."),
    "duplicate_code": ("Code {code} is used by {n} features with different attributes or overlapping shapes; each "
                       "code must be unique."),
    "dissolved": "Code {code} came in {n} pieces: joined into one multipart feature.",
    "overlap_between": "Grids {a} and {b} overlap by {area:,.1f} m².",
    "sliver_between": "Grids {a} and {b} overlap by {area:,.1f} m² (a thin sliver).",
    "gap_gap": "Gap of {area:,.1f} m² between grids {codes}.",
    "sliver_gap": "Gap of {area:,.1f} m² between grids {codes} (a thin sliver).",
    "outside_district": "{code} lies wholly outside the district (wrong CRS or wrong file?).",
    "partly_outside_district": "{code} reaches {area:,.0f} m² beyond the district boundary.",
    # attribute encoding of a layer (loaders.layer_read)
    "enc_by_spec": "{format} text is UTF-8 by specification",
    "enc_analyst": "chosen by the analyst",
    "enc_cpg": "{file} says {text}",
    "enc_ldid": "DBF language byte {byte} ({codec})",
    "enc_contradicted": "{evidence}; contradicted by the bytes",
    "enc_ascii": "no .cpg, no language byte; every value is ASCII",
    "enc_utf8": "no .cpg, no language byte; {n} non-ASCII values are valid UTF-8",
    "enc_utf8_not_gbk": "no .cpg, no language byte; {n} non-ASCII values are valid UTF-8 and not GBK",
    "enc_gbk": "no .cpg, no language byte; {n} non-ASCII values are valid GBK (Chinese text) and not UTF-8",
    "enc_uncertain": "no .cpg, no language byte; {n} non-ASCII values; uncertain",
    "mojibake_risk": "Text would be garbled (mojibake) as {encoding} ({evidence}): e.g. {samples}",
    "mojibake_risk_better": ("Text would be garbled (mojibake) as {encoding} ({evidence}): e.g. {samples}; as "
                             "{better} it reads {better_samples}"),
    "enc_question_garbled": "{problem}. Choose the encoding.",
    "enc_question_undeclared": ("The DBF does not declare its encoding and {n} non-ASCII values do not settle it. "
                                "Choose the encoding whose sample reads correctly."),    # the volunteer roster (loaders.volunteer_import)
    "not_permitted_volunteers": "{name} ({role}) may not register volunteers",
    "volunteer_columns": "No column for {missing}; the file has: {columns}",
    "volunteer_no_name": "no name (1 to 50 characters)",
    "volunteer_bad_phone": "phone {value!r} is neither a mobile number (11 digits) nor a landline with its area code",
    "volunteer_community": "community {value!r} is not one you register volunteers in (give its code or name)",
    "volunteer_bad_skills": "{detail}",
    "volunteer_bad_availability": "{detail}",
    "volunteer_phone_twice": "{name} ({phone}): the same phone appears in an earlier row (one person, one row)",
    "volunteer_bad_position": "position ({lon}, {lat}) is not in the district (WGS84 lon/lat expected)",
    "volunteer_no_place": "no position and no known grid code ({grid}): cannot place the volunteer",
    "volunteer_already": "{name} ({phone}) is registered already: skipped",
    "volunteer_none": "no row can be registered (see the row problems)",
}
