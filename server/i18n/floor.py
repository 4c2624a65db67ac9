"""The officers' floor: inmate photos, the block officer's escort page, calling aloud, and the
identity checks before and after a call."""

TEXT: dict[str, tuple[str, str]] = {
    # Photos in the register
    "role_block": ("Petugas blok (penjemput WBP)", "Block officer (escort)"),
    "problem_photo_type": ("harus foto JPG atau PNG yang asli",
                           "it must be a real JPG or PNG photo"),
    "problem_file_too_large": ("paling besar {limit}", "at most {limit}"),
    "photo_not_zip": ("Berkas bukan ZIP yang dapat dibaca.", "The file is not a readable ZIP."),
    "photo_too_many": ("ZIP berisi lebih dari {limit} berkas.",
                       "The ZIP holds more than {limit} files."),
    "photo_empty": ("ZIP tidak berisi foto.", "The ZIP holds no photo."),
    "photo_suffix": ("nama berkas harus berakhiran .jpg, .jpeg atau .png",
                     "the name must end in .jpg, .jpeg or .png"),
    "photo_unknown": ("nomor registrasi {number} tidak ada di register",
                      "registration number {number} is not in the register"),
    "photo_repeated": ("WBP yang sama sudah ada di {first}",
                       "the same inmate is already in {first}"),
    "photo_too_large": ("lebih dari 2 MB", "over 2 MB"),
    "photo_type": ("bukan foto JPG/PNG yang asli", "not a real JPG/PNG photo"),
    "photo_unreadable": ("tidak dapat dibaca dari ZIP", "cannot be read from the ZIP"),
    "inmate_photos": ("Foto WBP", "Inmate photos"),
    "inmate_photos_hint": ("Satu foto per WBP, atau satu ZIP berisi foto yang diberi nama nomor "
                           "registrasi, dengan _ sebagai ganti / (B.I-001/2026 menjadi "
                           "B.I-001_2026.jpg). JPG atau PNG, maks. 2 MB per foto.",
                           "One photo per inmate, or a ZIP of photos named by registration "
                           "number, with _ for / (B.I-001/2026 becomes B.I-001_2026.jpg). JPG "
                           "or PNG, at most 2 MB each."),
    "upload_photo": ("Unggah foto", "Upload photo"),
    "upload_zip": ("Unggah ZIP", "Upload ZIP"),
    "photos_stored": ("Foto tersimpan: {n}.", "Photos stored: {n}."),
    "photos_refused": ("ZIP ditolak, tidak ada foto yang disimpan:",
                       "ZIP refused, no photo was stored:"),
    "no_photo": ("Belum ada foto", "No photo yet"),
    "choose_file": ("Pilih berkas", "Choose a file"),
    "no_file": ("Belum ada berkas dipilih", "No file chosen"),
    "reg_no": ("No. registrasi", "Reg. number"),
    "block": ("Blok", "Block"), "cell": ("Kamar", "Cell"),
    "identity_check_setting": ("Periksa identitas WBP (foto register dan gambar bilik) sebelum "
                               "panggilan dimulai", "Check the inmate's identity (register photo "
                               "and station picture) before a call starts"),
}
