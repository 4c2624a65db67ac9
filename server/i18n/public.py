"""The facility's public page and poster."""

TEXT: dict[str, tuple[str, str]] = {
    "poster_title": ("Kunjungan Video Keluarga", "Family Video Visits"),
    "poster_scan": ("Pindai kode QR ini dengan ponsel Anda:", "Scan this QR code with your phone:"),
    "poster_free": ("Gratis. Tanpa aplikasi. Cukup peramban di ponsel.",
                    "Free. No app. Just the browser on your phone."),
    "poster_steps": ("Daftar sekali, minta kunjungan, tunggu giliran.",
                     "Register once, ask for a visit, wait for your turn."),
    "opening_hours": ("Jadwal kunjungan", "Visiting hours"),
    "today_sessions": ("Sesi hari ini", "Today's sessions"),
    "no_session_today": ("Tidak ada sesi kunjungan hari ini.", "No visiting session today."),
    "everyone": ("semua warga binaan", "all inmates"),
    "registration_window": ("pendaftaran", "registration"),
    "no_schedule": ("Jadwal belum diumumkan. Hubungi petugas.",
                    "The schedule is not published yet. Ask the officers."),
    "rules": ("Tata tertib", "Rules"),
    "rule_free": ("Kunjungan video tidak dipungut biaya.", "Video visits are free of charge."),
    "rule_call": ("Lama panggilan {default} menit (antara {min} dan {max} menit, menyesuaikan "
                  "antrean).", "Calls last {default} minutes (between {min} and {max}, "
                  "depending on the queue)."),
    "rule_weekly": ("Setiap warga binaan dapat dikunjungi {n} kali seminggu.",
                    "Each inmate may be visited {n} times a week."),
    "rule_dress": ("Berpakaian sopan; dilarang merokok selama panggilan.",
                   "Dress decently; no smoking during the call."),
    "rule_privacy": ("Panggilan dapat dipantau dan direkam petugas, kecuali kunjungan hukum.",
                     "Calls may be monitored and recorded, except legal visits."),
}
