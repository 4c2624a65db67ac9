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
