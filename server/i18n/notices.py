"""Notices to families and the call-length settings."""

TEXT: dict[str, tuple[str, str]] = {
    "upcoming_title": ("Kunjungan terjadwal", "Visit scheduled"),
    "upcoming_today": ("Kunjungan Anda: {when}, nomor antrean {number}. Ruang antrean dibuka "
                       "pukul {opens}; buka lagi tautan ini saat itu.",
                       "Your visit: {when}, queue number {number}. The queue room opens at "
                       "{opens}; open this link again then."),
    "upcoming_text": ("Kunjungan Anda pada {day}, nomor antrean {number}. Buka tautan ini lagi "
                      "pada hari itu untuk masuk ruang antrean.",
                      "Your visit is on {day}, queue number {number}. Open this link again on "
                      "that day to enter the queue room."),
    "cl_fair_share": ("bagi rata: semua yang menunggu terlayani sebelum sesi tutup",
                      "fair share: everyone waiting is served before the session closes"),
    "cl_officer": ("ditetapkan petugas", "set by an officer"),
    "cl_default": ("lama baku UPT", "the facility's default"),
    "fair_share_is": ("Bagi rata saat ini: {minutes} menit", "Fair share now: {minutes} min"),
    "set_length": ("Tetapkan", "Set"),
    "unserved": ("Perkiraan {n} keluarga tidak terlayani sebelum sesi tutup dengan lama ini.",
                 "About {n} families will not be served before the session closes at this "
                 "length."),
    "use_fair_share": ("Kembali ke bagi rata", "Back to fair share"),
    "call_length_yours": ("Lama panggilan Anda: {minutes} menit",
                          "Your call will last {minutes} min"),
    "notify_request_pending": (
        "{facility}: permintaan kunjungan Anda untuk {inmate} ({day} {session}) sudah diterima "
        "dan menunggu verifikasi petugas.",
        "{facility}: your visit request for {inmate} ({day} {session}) was received and waits "
        "for an officer's check."),
    "notify_request_approved": (
        "{facility}: permintaan kunjungan Anda untuk {inmate} DISETUJUI. Nomor antrean {number},"
        " {day} {session}. Ruang antrean: {link}",
        "{facility}: your visit request for {inmate} was APPROVED. Queue number {number}, {day}"
        " {session}. Queue room: {link}"),
    "notify_request_rejected": (
        "{facility}: permintaan kunjungan Anda untuk {inmate} ditolak: {reason}.",
        "{facility}: your visit request for {inmate} was rejected: {reason}."),
    "notify_turn_near": (
        "{facility}: giliran Anda (nomor {number}) sebentar lagi. Buka ruang antrean sekarang: "
        "{link}",
        "{facility}: your turn (number {number}) is near. Open the queue room now: {link}"),
    "bad_visitor_title": ("Tautan tidak berlaku", "This link is not valid"),
    "bad_visitor": ("Buka lagi lewat \"Sudah pernah daftar?\" di halaman UPT.",
                    "Open it again through \"Registered before?\" on the facility page."),
    "request_unknown": ("Permintaan tidak ditemukan.", "Request not found."),
    "request_decided": ("Permintaan ini sudah diputuskan.", "This request was already decided."),
    "facility_unknown": ("UPT tidak ditemukan", "Facility not found"),
}
