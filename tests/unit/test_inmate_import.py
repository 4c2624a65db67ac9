from server.services.inmate_register import parse_register


def test_rows_and_a_clear_report_of_rejections() -> None:
    text = (
        "\ufeffReg_Number,Full_Name,Block,Status\n"
        "B.I-001/2026,Ahmad Fauzi,Blok A,aktif\n"
        "B.II-014/2026,Budi Santoso,Blok A,bebas\n"
        "??,Tanpa Nomor,Blok B,aktif\n"
        "A.I-102/2026,,Blok B,aktif\n"
        "A.I-103/2026,Citra,Blok C,kabur\n"
        "B.I-001/2026,Ahmad Lagi,Blok A,aktif\n"
    )
    rows, rejected = parse_register(text)
    assert [(r.reg_number, r.status) for r in rows] == [
        ("B.I-001/2026", "active"), ("B.II-014/2026", "released")]
    assert [(r.line, r.reason) for r in rejected] == [
        (4, "registration number '??' is not valid"), (5, "full name is empty"),
        (6, "status 'kabur' is unknown (aktif, bebas, pindah)"),
        (7, "B.I-001/2026 repeats line 2")]
    assert rejected[0].message("id") == "nomor registrasi '??' tidak valid"


def test_missing_columns_are_named() -> None:
    rows, rejected = parse_register("nomor,nama\n1,A\n")
    assert rows == [] and rejected[0].reason == "missing columns: reg_number, full_name, block"


def test_a_lone_carriage_return_ends_a_line_instead_of_breaking_the_reader() -> None:
    # Old spreadsheet exports end lines with \r alone; the fuzzer found this was a 500.
    rows, rejected = parse_register(
        "reg_number,full_name,block\rB.I-001/2026,Ahmad Fauzi,Blok A\r")
    assert [r.reg_number for r in rows] == ["B.I-001/2026"] and rejected == []
    rows, rejected = parse_register("\r\u00ebSC")
    assert rows == [] and rejected[0].line == 1


def test_a_field_the_csv_module_cannot_read_is_a_rejected_line() -> None:
    huge = "x" * 200_000
    rows, rejected = parse_register(f'reg_number,full_name,block\n"{huge}",A,B\n')
    assert rows == []
    assert rejected[0].reason.startswith("cannot be read as CSV")
