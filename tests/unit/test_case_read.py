"""Reading case exports: encodings with their evidence, delimiters, Excel cells as text, refusals."""

from datetime import datetime

import openpyxl
import pytest

from loaders.case_read import UnreadableFile, guess_encoding, read_case_table, sniff_delimiter

TEXT = "工单编号,诉求内容,受理时间\nA1,楼道堆放杂物,2026-03-05 14:30\nA2,路灯不亮,2026/3/5 15:00\n"


def write(tmp_path, data: bytes, name="export.csv"):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_utf8_is_read_and_said_to_be_certain(tmp_path):
    table = read_case_table(write(tmp_path, TEXT.encode("utf-8")))
    assert (table.encoding.encoding, table.encoding.certain) == ("utf-8", True)
    assert table.frame["诉求内容"].tolist() == ["楼道堆放杂物", "路灯不亮"]


def test_a_byte_order_mark_is_trusted_and_dropped_from_the_first_header(tmp_path):
    table = read_case_table(write(tmp_path, TEXT.encode("utf-8-sig")))
    assert table.encoding.evidence.text == "UTF-8 byte-order mark at the start of the file"
    assert table.frame.columns[0] == "工单编号"


def test_a_gbk_hotline_export_is_detected_with_its_evidence(tmp_path):
    table = read_case_table(write(tmp_path, TEXT.encode("gbk")))
    assert table.encoding.encoding == "gbk" and table.encoding.certain
    assert table.encoding.evidence.text.startswith("not valid UTF-8 (byte 0xb9 at offset 0); decodes as GBK with 100%")
    assert table.frame["诉求内容"].tolist() == ["楼道堆放杂物", "路灯不亮"]


def test_characters_outside_gbk_fall_back_to_gb18030():
    guess = guess_encoding("工单编号,内容\nA1,𠀀字\n".encode("gb18030"))
    assert guess.encoding == "gb18030" and guess.certain


def test_a_non_chinese_legacy_file_is_uncertain_with_samples_per_candidate():
    guess = guess_encoding("id,note\n1,Café crème brûlée\n".encode("latin-1"))
    assert not guess.certain and set(guess.samples) == {"utf-8", "gbk", "gb18030"}


def test_a_declared_encoding_that_does_not_fit_says_where_and_what_was_detected(tmp_path):
    with pytest.raises(UnreadableFile) as error:
        read_case_table(write(tmp_path, TEXT.encode("gbk")), encoding="utf-8")
    assert str(error.value).startswith("the file does not decode as utf-8 (byte 0xb9 at offset 0); detected: gbk")


def test_row_numbers_are_a_spreadsheets_and_blank_rows_are_dropped(tmp_path):
    table = read_case_table(write(tmp_path, (TEXT + ",,\nA3,井盖,2026-03-06\n").encode()))
    assert table.frame.index.tolist() == [2, 3, 5] and table.blank_rows == 1


@pytest.mark.parametrize("delimiter", [",", "\t", ";", "|"])
def test_the_delimiter_is_sniffed(delimiter):
    assert sniff_delimiter(TEXT.replace(",", delimiter)) == delimiter


def test_excel_cells_become_text_whole_numbers_without_decimals(tmp_path):
    book = openpyxl.Workbook()
    book.active.append(["工单编号", "联系电话", "受理时间", "经度"])
    book.active.append([20260305001, 13800000000, datetime(2026, 3, 5, 14, 30), 106.8123])
    book.save(tmp_path / "export.xlsx")
    table = read_case_table(tmp_path / "export.xlsx")
    assert table.kind == "xlsx" and table.encoding is None
    assert table.frame.iloc[0].tolist() == ["20260305001", "13800000000", "2026-03-05 14:30:00", "106.8123"]


@pytest.mark.parametrize("name, data, message", [
    ("export.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "export.xls is an old Excel 97–2003 (.xls)"),
    ("export.xlsx", b"PK\x03\x04garbage", "export.xlsx is not a readable .xlsx workbook"),
    ("export.csv", b"", "export.csv is empty"),
    ("export.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "export.csv is a binary file, not a CSV text export"),
])
def test_unreadable_files_are_refused_with_a_reason(tmp_path, name, data, message):
    with pytest.raises(UnreadableFile) as error:
        read_case_table(write(tmp_path, data, name))
    assert str(error.value).startswith(message)
