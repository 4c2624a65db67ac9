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
    "reg_no": ("No. registrasi", "Reg. number"),
    "block": ("Blok", "Block"), "cell": ("Kamar", "Cell"),
    "identity_check_setting": ("Periksa identitas WBP (foto register dan gambar bilik) sebelum "
                               "panggilan dimulai", "Check the inmate's identity (register photo "
                               "and station picture) before a call starts"),
    # The block officer's page and the loudspeaker
    "escort_page": ("Penjemputan WBP", "Escorting inmates"),
    "to_bring": ("Dijemput ke bilik (urutan panggilan)", "To bring to a station (call order)"),
    "to_return": ("Diantar kembali ke blok", "To take back to the block"),
    "btn_fetching": ("Jemput sekarang", "Fetching now"),
    "btn_arrived": ("Tiba di bilik", "Arrived at the station"),
    "btn_returned": ("Kembali ke blok", "Back in the block"),
    "step_called": ("Dipanggil, belum dijemput", "Called, not fetched yet"),
    "step_fetching": ("Sedang dijemput", "Being fetched"),
    "step_arrived": ("Tiba di bilik, menunggu pemeriksaan identitas",
                     "At the station, waiting for the identity check"),
    "step_ended": ("Kunjungan selesai, menunggu pemeriksaan keluar oleh petugas kunjungan",
                   "Visit over, waiting for the visiting-room officer's check-out"),
    "step_checked_out": ("Sudah diperiksa keluar: antar kembali ke blok",
                         "Checked out: take back to the block"),
    "to_station": ("menuju {station}", "to {station}"),
    "cell_of": ("Kamar {cell}", "Cell {cell}"),
    "since_minutes": ("{n} menit lalu", "{n} min ago"),
    "nobody_to_bring": ("Tidak ada WBP yang perlu dijemput.", "Nobody to bring."),
    "nobody_to_return": ("Tidak ada WBP yang perlu diantar kembali.", "Nobody to take back."),
    "all_blocks": ("Semua blok", "All blocks"),
    "speaker_page": ("Jadikan halaman ini pengeras suara blok", "Use this page as the block's "
                     "loudspeaker"),
    "speaker_hint": ("Pengeras suara untuk {block}: setiap panggilan dibacakan sekali.",
                     "Loudspeaker for {block}: each call is read out once."),
    "speaker_on": ("Nyalakan pengeras suara", "Switch the loudspeaker on"),
    "speaker_off": ("Matikan pengeras suara", "Switch the loudspeaker off"),
    "speaker_listening": ("Pengeras suara menyala: panggilan berikutnya akan dibacakan.",
                          "Loudspeaker on: the next calls will be read out."),
    "play_call": ("Putar panggilan", "Play the call"),
    # The console
    "esc_called": ("WBP dipanggil", "Inmate called"),
    "esc_fetching": ("WBP sedang dijemput", "Inmate being fetched"),
    "esc_arrived": ("WBP tiba di bilik", "Inmate at the station"),
    "identity_ok": ("identitas cocok", "identity confirmed"),
    # The family's page while the inmate is brought (no "WBP" there)
    "state_called_fetching": ("Giliran Anda! Orang yang Anda kunjungi sedang dijemput petugas "
                              "menuju {station}.", "Your turn! An officer is bringing the person "
                              "you visit to {station}."),
    "state_called_arrived": ("Orang yang Anda kunjungi sudah tiba di {station}. Panggilan video "
                             "segera dimulai.", "The person you visit is at {station}. The "
                             "video call starts soon."),
    # Refusals
    "step_order": ("Langkah ini sudah dilakukan atau belum waktunya.",
                   "This step is done already or not due yet."),
    "identity_unchecked": ("Periksa identitas WBP dengan foto register sebelum memulai.",
                           "Check the inmate's identity against the register's photo before "
                           "starting."),
    "reason_required": ("Isian tidak valid: alasan (wajib diisi).",
                        "Invalid field: reason (it is required)."),
    "not_returning": ("WBP ini tidak sedang menunggu diantar kembali.",
                      "This inmate is not waiting to be taken back."),
    "checkout_first": ("Petugas kunjungan harus memeriksa keluar WBP ini terlebih dahulu.",
                       "The visiting-room officer must check this inmate out first."),
    # The visit's timeline
    "ev_fetching": ("WBP dijemput", "inmate being fetched"),
    "ev_arrived": ("WBP tiba di bilik", "inmate at the station"),
    "ev_identity_confirmed": ("identitas diperiksa: cocok dengan register",
                              "identity checked: matches the register"),
    "ev_identity_refused": ("identitas tidak cocok: panggilan dihentikan",
                            "identity refused: call stopped"),
    "ev_checked_out": ("diperiksa keluar", "checked out"),
    "ev_returned": ("kembali ke blok", "back in the block"),
    "announce_unavailable": ("Suara panggilan tidak dapat dibuat (espeak-ng tidak tersedia). "
                             "Panggil WBP secara langsung.", "The spoken call could not be made "
                             "(espeak-ng is not available). Call the inmate by voice."),
    "announce": ("Umumkan", "Announce"),
    "no_picture": ("Belum ada gambar dari kamera bilik.", "No picture from the station yet."),
    "not_called": ("Tidak ada WBP yang sedang dipanggil ke bilik ini.",
                   "No inmate is being called to this station."),
    "station_identity_hint": ("Petugas memeriksa identitas melalui kamera ini sebelum panggilan "
                              "dimulai.", "The officer checks identity through this camera "
                              "before the call starts."),
    # The console's identity check and check-out
    "identity_title": ("Pemeriksaan identitas sebelum panggilan",
                       "Identity check before the call"),
    "identity_register": ("Foto register", "Register photo"),
    "identity_station": ("Kamera bilik sekarang", "Station camera now"),
    "identity_confirm": ("Identitas cocok", "Identity matches"),
    "identity_stop": ("Tidak cocok — hentikan", "Does not match — stop"),
    "identity_reason": ("Alasan menghentikan panggilan", "Why the call is stopped"),
    "checkout": ("Periksa keluar", "Check out"),
    "checkout_title": ("Pemeriksaan keluar setelah kunjungan", "Check-out after the visit"),
    "checkout_hint": ("Cocokkan WBP dengan foto register sebelum diantar kembali ke blok.",
                      "Compare the inmate with the register photo before he is taken back."),
    # Reports
    "avg_call_to_start": ("Rata-rata dipanggil sampai mulai (menit)",
                          "Average call to start (minutes)"),
    "max_call_to_start": ("Terlama dipanggil sampai mulai (menit)",
                          "Longest call to start (minutes)"),
}
