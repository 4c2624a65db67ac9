"""The queue room and the call screens of the family and the station."""

TEXT: dict[str, tuple[str, str]] = {
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
    "check_fail": ("Kamera atau mikrofon tidak bisa dibuka. Ketuk gambar gembok di samping "
                   "alamat halaman, lalu izinkan kamera dan mikrofon.",
                   "The camera or microphone could not be opened. Tap the padlock beside the "
                   "page address, then allow the camera and microphone."),
    "mic_level": ("Suara mikrofon", "Microphone level"),
    "state_waiting": ("Menunggu giliran", "Waiting for your turn"),
    # Family pages avoid "WBP": not every visitor knows the officers' word for an inmate.
    "state_called": ("Giliran Anda! Petugas sedang menjemput orang yang Anda kunjungi ke "
                     "{station}.", "Your turn! The officer is bringing the person you visit to "
                     "{station}."),
    "called_hint": ("Tetap di halaman ini. Panggilan video mulai sendiri.",
                    "Stay on this page. The video call starts by itself."),
    "state_live": ("Kunjungan berlangsung", "Visit in progress"),
    "state_done": ("Kunjungan selesai. Terima kasih.", "The visit is over. Thank you."),
    "state_cancelled": ("Tiket ini dibatalkan. Hubungi petugas.",
                        "This ticket was cancelled. Contact the officers."),
    "state_no_show": ("Anda tidak hadir saat dipanggil. Hubungi petugas.",
                      "You were not here when called. Please contact the officer."),
    "time_left": ("Sisa waktu", "Time left"),
    "warn_60": ("Sisa waktu 1 menit.", "One minute left."),
    "warn_10": ("Sisa waktu 10 detik.", "Ten seconds left."),
    "mic_off": ("Matikan suara saya", "Mute me"),
    "mic_on": ("Nyalakan suara saya", "Unmute me"),
    "cam_off": ("Matikan kamera", "Camera off"),
    "cam_on": ("Nyalakan kamera", "Camera on"),
    "flip_camera": ("Ganti kamera", "Switch camera"),
    # The family's own choice on a weak or costly line: no video either way, the voice stays.
    "audio_only": ("Hanya suara", "Audio only"),
    "with_video": ("Pakai video", "Use video"),
    "audio_only_on": ("Hanya suara dengan {station}: video dimatikan agar kuota hemat dan suara "
                      "tetap jelas.",
                      "Audio only with {station}: video is off to save data and keep the sound "
                      "clear."),  # front/back, as phones say it
    "flip_failed": ("Kamera yang lain tidak bisa dibuka.", "The other camera could not be opened."),
    "remote_wait": ("Menunggu gambar dan suara…", "Waiting for picture and sound…"),
    "leave": ("Keluar", "Leave"),
    "leave_question": ("Keluar dari panggilan?", "Leave the call?"),
    "leave_explain": ("Waktu kunjungan tetap berjalan. Selama waktunya belum habis, Anda bisa "
                      "masuk lagi.", "The visit time keeps running. Until it is up, you can "
                      "come back in."),
    "leave_yes": ("Ya, keluar", "Yes, leave"),
    "leave_no": ("Tidak, lanjutkan", "No, stay"),
    "left_title": ("Anda sudah keluar dari panggilan", "You left the call"),
    "rejoin": ("Masuk lagi ke panggilan", "Go back into the call"),
    "you_muted": ("Suara Anda mati", "You are muted"),
    "you_hidden": ("Kamera Anda mati", "Your camera is off"),
    "no_devices": ("Kamera dan mikrofon tidak bisa dibuka: Anda bisa melihat dan mendengar, "
                   "tetapi tidak terlihat dan tidak terdengar.",
                   "The camera and microphone could not be opened: you can see and hear, but "
                   "you cannot be seen or heard."),
    "ended_title": ("Kunjungan telah berakhir", "The visit is over"),
    "ended_completed": ("Waktu kunjungan habis.", "The visit time is up."),
    "ended_ended_early": ("Kunjungan diakhiri oleh petugas.", "The officer ended the visit."),
    "ended_cancelled": ("Kunjungan dibatalkan oleh petugas.", "The officer cancelled the visit."),
    "line_down": ("Sambungan terputus, menyambung kembali… Waktu kunjungan berhenti sampai "
                  "tersambung lagi.",
                  "The line is down, reconnecting… The visit clock is stopped until the call "
                  "is back."),
    "ended_connection_lost": ("Sambungan terputus terlalu lama, kunjungan diakhiri. Sisa "
                              "waktunya diganti dengan kunjungan pengganti.",
                              "The line was down too long and the visit ended. The time "
                              "missed is given back as a make-up visit."),
    "ended_interrupted": ("Kunjungan terhenti karena gangguan server. Sisa waktunya diganti "
                          "dengan kunjungan pengganti.",
                          "The visit stopped because of a server fault. The time missed is "
                          "given back as a make-up visit."),
    # A call the facility cancelled: the family keeps its visit and is told so plainly.
    "cause_inmate_unavailable": ("Orang yang Anda kunjungi belum bisa dibawa ke bilik.",
                                 "The person you visit cannot be brought to the booth yet."),
    "cause_station_fault": ("Ada gangguan di bilik kunjungan.",
                            "Something is wrong with the visiting booth."),
    "cause_other": ("Petugas membatalkan panggilan ini.", "The officer cancelled this call."),
    "back_in_queue": ("Anda tidak kehilangan kunjungan: Anda kembali ke urutan pertama dan "
                      "dipanggil lagi sebentar lagi.",
                      "You do not lose your visit: you are first in the queue again and will "
                      "be called again soon."),
    "back_in_queue_reload": ("Panggilan sebelumnya dibatalkan oleh petugas. Anda tidak "
                             "kehilangan kunjungan: Anda di urutan pertama.",
                             "Your earlier call was cancelled by the officer. You do not lose "
                             "your visit: you are first in the queue."),
    "makeup_why_cancelled_by_facility": ("Panggilan Anda sebelumnya dibatalkan oleh petugas.",
                                         "Your earlier call was cancelled by the officer."),
    "makeup_why_connection_lost": ("Sambungan kunjungan Anda sebelumnya terputus.",
                                   "The line of your earlier visit broke."),
    "makeup_why_interrupted": ("Kunjungan Anda sebelumnya terhenti karena gangguan sistem.",
                               "Your earlier visit stopped because of a system fault."),
    "makeup_here": ("Ini kunjungan pengganti {minutes} menit. Anda dipanggil lebih dulu dari "
                    "antrean lain.", "This is a make-up visit of {minutes} minutes. You are "
                    "called before the rest of the queue."),
    "makeup_title": ("Kunjungan pengganti", "Make-up visit"),
    "makeup_later": ("Anda tidak kehilangan kunjungan: Anda mendapat kunjungan pengganti "
                     "{minutes} menit pada {when}, nomor antrean {number}, dan dipanggil "
                     "pertama. Buka lagi halaman ini pada hari itu.",
                     "You do not lose your visit: you have a make-up visit of {minutes} "
                     "minutes on {when}, queue number {number}, called first. Open this page "
                     "again on that day."),
    "makeup_later_today": ("Anda tidak kehilangan kunjungan: Anda mendapat kunjungan pengganti "
                           "{minutes} menit pada {when}, nomor antrean {number}, dan dipanggil "
                           "pertama. Ruang antrean dibuka pukul {opens}.",
                           "You do not lose your visit: you have a make-up visit of {minutes} "
                           "minutes on {when}, queue number {number}, called first. The queue "
                           "room opens at {opens}."),
    "makeup_refused_title": ("Kunjungan pengganti tidak diberikan",
                             "No make-up visit is given"),
    "makeup_refused": ("Alasan dari petugas: {reason}. Hubungi petugas bila ada pertanyaan.",
                       "The officer's reason: {reason}. Contact the officers with any "
                       "question."),
    "ticket_cancelled_title": ("Tiket dibatalkan", "Ticket cancelled"),
    "ended_no_show": ("Anda tidak hadir saat dipanggil.", "You were not here when called."),
    "ended_family_request": ("Kunjungan dibatalkan atas permintaan Anda.",
                             "The visit was cancelled at your request."),
    "reconnecting": ("Koneksi terputus, menyambung kembali…", "Connection lost, reconnecting…"),
    "station_idle": ("Menunggu panggilan", "Waiting for a call"),
    "station_called": ("Panggilan untuk antrean nomor {number}: {name}",
                       "Call for queue number {number}: {name}"),
    # A page's offer refused; the call it has goes on (docs/protocol.md).
    "bad_offer": ("Permintaan sambungan dari halaman ini tidak dapat dipakai. Panggilan tetap "
                  "berjalan.", "This page's connection request could not be used. The call "
                  "goes on."),
    "too_many_offers": ("Terlalu sering menyambung ulang. Tunggu sebentar.",
                        "Reconnecting too often. Wait a moment."),
}
