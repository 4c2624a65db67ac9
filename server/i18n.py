"""Interface text: Bahasa Indonesia by default, English on request (?lang=en, kept in a cookie)."""

from __future__ import annotations

from aiohttp import web

LANGS = ("id", "en")
COOKIE = "lang"

CATALOG: dict[str, tuple[str, str]] = {
    # key: (Bahasa Indonesia, English)
    "app_tagline": ("Kunjungan video untuk keluarga warga binaan",
                    "Video visits for the families of inmates"),
    "login": ("Masuk", "Log in"),
    "logout": ("Keluar", "Log out"),
    "username": ("Nama pengguna", "Username"),
    "password": ("Kata sandi", "Password"),
    "staff_login": ("Masuk petugas", "Staff login"),
    "bad_login": ("Nama pengguna atau kata sandi salah.", "Wrong username or password."),
    "csrf": ("Formulir kedaluwarsa. Muat ulang halaman lalu coba lagi.",
             "This form has expired. Reload the page and try again."),
    "login_required": ("Silakan masuk terlebih dahulu.", "Please log in first."),
    "forbidden": ("Anda tidak berwenang untuk tindakan ini.", "You may not do this."),
    "bad_json": ("Permintaan tidak dapat dibaca.", "The request could not be read."),
    "bad_field": ("Isian tidak valid: {field}.", "Invalid field: {field}."),
    "not_found": ("Halaman tidak ditemukan.", "Page not found."),
    "bad_ticket_title": ("Tautan tiket tidak berlaku", "This ticket link is not valid"),
    "bad_ticket": ("Tautan ini salah, sudah kedaluwarsa, atau bukan untuk hari ini. Periksa "
                   "kembali pesan dari petugas atau minta tiket baru.",
                   "This link is wrong, has expired or is not for today. Check the message "
                   "from the officer or ask for a new ticket."),
    "bad_station_title": ("Tautan stasiun tidak berlaku", "This station link is not valid"),
    "bad_station": ("Minta admin membuat tautan stasiun yang baru.",
                    "Ask the admin for a new station link."),
    "station_busy": ("Stasiun sedang dipakai.", "The station is in use."),
    "station_unknown": ("Stasiun tidak dikenal.", "Unknown station."),
    "nobody_present": ("Tidak ada keluarga yang hadir di ruang antrean.",
                       "No family is present in the queue room."),
    "visit_unknown": ("Kunjungan tidak ditemukan atau sudah selesai.",
                      "Visit not found or already over."),
    "not_live": ("Kunjungan belum dimulai atau sudah selesai.",
                 "The visit has not started or is over."),
    "cannot_start": ("Kunjungan ini tidak dapat dimulai sekarang.",
                     "This visit cannot be started now."),
    "cannot_extend": ("Hanya kunjungan yang sedang berlangsung dapat diperpanjang.",
                      "Only a visit in progress can be extended."),
    "cannot_end": ("Kunjungan ini sudah selesai.", "This visit is already over."),
    "audit_unavailable": ("Tindakan ditolak: catatan audit tidak dapat ditulis. Hubungi admin.",
                          "Refused: the audit log cannot be written. Contact the admin."),
    "legal_visit": ("Kunjungan hukum tidak boleh dipantau atau direkam.",
                    "A legal visit is never monitored or recorded."),
    "facility_not_ready": ("UPT ini baru ditambahkan; antreannya aktif setelah server dimulai "
                           "ulang.", "This facility was just added; its queue starts when the "
                           "server restarts."),
    "bad_value": ("Nilai di luar batas yang diizinkan.", "Value outside the allowed range."),
    "inmate_confirm": ("Pastikan WBP sudah berada di stasiun sebelum memulai.",
                       "Confirm the inmate is at the station before starting."),
    "inmate_unknown": ("WBP tidak ditemukan di UPT ini.", "Inmate not found at this facility."),
    "queue_room": ("Ruang antrean", "Queue room"),
    "your_number": ("Nomor antrean Anda", "Your queue number"),
    "position": ("Posisi", "Position"),
    "eta": ("Perkiraan waktu tunggu", "Estimated wait"),
    "call_length": ("Lama panggilan", "Call length"),
    "minutes": ("menit", "minutes"),
    "connecting": ("Menghubungkan…", "Connecting…"),
    "waiting_hint": ("Biarkan halaman ini tetap terbuka. Posisi Anda diperbarui otomatis.",
                     "Keep this page open. Your position updates by itself."),
    "check_devices": ("Periksa kamera & mikrofon", "Check camera & microphone"),
    "check_ok": ("Kamera dan mikrofon siap.", "Camera and microphone are ready."),
    "check_fail": ("Kamera atau mikrofon tidak dapat dibuka. Izinkan akses di peramban.",
                   "The camera or microphone could not be opened. Allow access in the browser."),
    "mic_level": ("Suara mikrofon", "Microphone level"),
    "state_waiting": ("Menunggu giliran", "Waiting for your turn"),
    "state_called": ("Giliran Anda! Petugas sedang menyiapkan WBP di {station}.",
                     "Your turn! The officer is bringing the inmate to {station}."),
    "state_live": ("Kunjungan berlangsung", "Visit in progress"),
    "state_done": ("Kunjungan selesai. Terima kasih.", "The visit is over. Thank you."),
    "state_no_show": ("Anda tidak hadir saat dipanggil. Hubungi petugas.",
                      "You were not here when called. Please contact the officer."),
    "time_left": ("Sisa waktu", "Time left"),
    "warn_60": ("Sisa waktu 1 menit.", "One minute left."),
    "warn_10": ("Sisa waktu 10 detik.", "Ten seconds left."),
    "ended_title": ("Kunjungan telah berakhir", "The visit is over"),
    "ended_completed": ("Waktu kunjungan habis.", "The visit time is up."),
    "ended_ended_early": ("Kunjungan diakhiri oleh petugas.", "The officer ended the visit."),
    "ended_cancelled": ("Kunjungan dibatalkan oleh petugas.", "The officer cancelled the visit."),
    "reconnecting": ("Koneksi terputus, menyambung kembali…", "Connection lost, reconnecting…"),
    "station_idle": ("Menunggu panggilan", "Waiting for a call"),
    "station_called": ("Panggilan untuk antrean nomor {number}: {name}",
                       "Call for queue number {number}: {name}"),
    "console": ("Konsol petugas", "Officer console"),
    "today_queue": ("Antrean hari ini", "Today's queue"),
    "stations": ("Stasiun", "Stations"),
    "visits_now": ("Kunjungan berjalan", "Visits now"),
    "records": ("Catatan kunjungan", "Visit records"),
    "issue_ticket": ("Buat tiket (demo)", "Issue a ticket (demo)"),
    "visitor_name": ("Nama pengunjung", "Visitor name"),
    "relation": ("Hubungan", "Relation"),
    "inmate": ("WBP", "Inmate"),
    "create": ("Buat", "Create"),
    "ticket_link": ("Tautan ruang antrean (kirim ke keluarga)",
                    "Queue room link (send it to the family)"),
    "call_next": ("Panggil berikutnya", "Call next"),
    "start": ("WBP sudah di stasiun — Mulai", "Inmate at the station — Start"),
    "extend": ("+5 menit", "+5 minutes"),
    "end": ("Akhiri", "End"),
    "cancel": ("Batalkan", "Cancel"),
    "present": ("hadir", "present"),
    "absent": ("tidak di ruang antrean", "not in the queue room"),
    "skipped": ("dilewati, tetap di tempat", "skipped, keeps its place"),
    "online": ("terhubung", "online"),
    "offline": ("tidak terhubung", "offline"),
    "idle": ("kosong", "idle"),
    "leg_lost": ("Koneksi {side} terputus pada {station} (antrean {number}).",
                 "{side} connection lost at {station} (queue {number})."),
    "side_family": ("keluarga", "family"), "side_station": ("stasiun", "station"),
    "none": ("Tidak ada.", "None."),
    "period": ("Periode", "Period"), "period_day": ("hari", "day"),
    "period_week": ("minggu", "week"), "period_month": ("bulan", "month"),
    "date": ("Tanggal", "Date"), "show": ("Tampilkan", "Show"),
    "export_csv": ("Ekspor CSV", "Export CSV"),
    "visits_per_day": ("Kunjungan per hari", "Visits per day"),
    "minutes_per_station": ("Menit per stasiun", "Minutes per station"),
    "visits_held": ("Kunjungan", "Visits"), "avg_wait": ("Rata-rata tunggu (mnt)",
                                                          "Average wait (min)"),
    "max_wait": ("Tunggu terlama (mnt)", "Longest wait (min)"),
    "no_shows": ("Tidak hadir", "No-shows"), "utilisation": ("Utilisasi", "Utilisation"),
    "total": ("Total", "Total"),
    "date_from": ("Dari tanggal", "From"), "date_to": ("Sampai tanggal", "To"),
    "search": ("Cari", "Search"), "visit": ("Kunjungan", "Visit"),
    "timeline": ("Riwayat", "Timeline"), "reports": ("Laporan", "Reports"),
    "ev_registered": ("terdaftar", "registered"), "ev_called": ("dipanggil", "called"),
    "ev_started": ("dimulai", "started"), "ev_warning": ("peringatan waktu", "time warning"),
    "ev_extended": ("diperpanjang", "extended"), "ev_ended": ("berakhir", "ended"),
    "ev_flagged": ("ditandai untuk ditinjau", "flagged for review"),
    "ev_marked_legal": ("ditandai kunjungan hukum", "marked legal"),
    "record": ("Rekam", "Record"), "recording_now": ("sedang direkam", "recording"),
    "flag": ("Tandai", "Flag"), "flag_reason": ("Alasan ditandai untuk ditinjau:",
                                                "Reason to flag for review:"),
    "recordings": ("Rekaman", "Recordings"), "download": ("Unduh", "Download"),
    "play_both": ("Putar kedua sisi", "Play both sides"),
    "wall": ("Layar pantau", "Live wall"),
    "wall_empty": ("Tidak ada kunjungan yang sedang berlangsung.", "No visit in progress."),
    "listen": ("Dengarkan", "Listen"), "stop_listening": ("Berhenti mendengar", "Stop listening"),
    "end_reason": ("Alasan mengakhiri kunjungan:", "Reason for ending the visit:"),
    "quality": ("Kualitas", "Quality"),
    "leg_lost_short": ("koneksi terputus", "connection lost"),
    "vs_called": ("dipanggil", "called"), "vs_live": ("berlangsung", "live"),
    "ts_called": ("dipanggil", "called"), "ts_done": ("selesai", "done"),
    "ts_no_show": ("tidak hadir", "no-show"), "busy": ("dipakai", "in use"),
    "soon": ("segera", "soon"),
    "oc_completed": ("selesai tepat waktu", "completed"),
    "oc_ended_early": ("diakhiri petugas", "ended early"),
    "oc_cancelled": ("dibatalkan", "cancelled"),
    "number": ("No.", "No."), "state": ("Status", "State"),
    "started": ("Mulai", "Started"), "ended": ("Selesai", "Ended"),
    "allotted": ("Jatah (dtk)", "Allotted (s)"), "actual": ("Aktual (dtk)", "Actual (s)"),
    "outcome": ("Hasil", "Outcome"), "officer": ("Petugas", "Officer"),
    "station": ("Stasiun", "Station"),
    "error_title": ("Terjadi kesalahan", "Something went wrong"),
    "language_other": ("English", "Bahasa Indonesia"),
    "rel_parent": ("orang tua", "parent"), "rel_child": ("anak", "child"),
    "rel_spouse": ("suami/istri", "spouse"), "rel_sibling": ("saudara kandung", "sibling"),
    "rel_other": ("keluarga lain", "other family"), "rel_lawyer": ("pengacara", "lawyer"),
}

RELATIONS = ("parent", "child", "spouse", "sibling", "other", "lawyer")

# Strings the page scripts need, sent once inside the page.
SCRIPT_KEYS = (
    "state_waiting", "state_called", "state_live", "state_done", "state_no_show", "warn_60",
    "warn_10", "ended_title", "ended_completed", "ended_ended_early", "ended_cancelled",
    "reconnecting", "check_ok", "check_fail", "minutes", "station_idle", "station_called",
    "present", "absent", "skipped", "online", "offline", "idle", "leg_lost", "side_family",
    "side_station", "call_next", "start", "extend", "end", "cancel", "none", "connecting",
    "vs_called", "vs_live", "ts_called", "ts_done", "ts_no_show", "busy", "soon",
    "wall_empty", "listen", "stop_listening", "end_reason", "quality", "leg_lost_short",
    "legal_visit", "time_left", "rel_parent", "rel_child", "rel_spouse", "rel_sibling",
    "rel_other", "rel_lawyer", "record", "recording_now", "flag", "flag_reason",
)


def translate(key: str, lang: str, **values: object) -> str:
    pair = CATALOG.get(key)
    if pair is None:
        return key
    text = pair[1] if lang == "en" else pair[0]
    return text.format(**values) if values else text


def request_lang(request: web.Request) -> str:
    asked = request.query.get("lang") or request.cookies.get(COOKIE)
    return asked if asked in LANGS else "id"


def script_strings(lang: str) -> dict[str, str]:
    return {k: translate(k, lang) for k in SCRIPT_KEYS}
