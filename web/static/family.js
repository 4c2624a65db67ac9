// The family's queue room: position and wait, a device check, then the call.
"use strict";
(function () {
  var s = window.sambang, $ = s.$;
  var token = document.body.dataset.token;

  function showQueue(msg) {
    $("number").textContent = msg.number;
    $("position").textContent = msg.position || "—";
    $("eta").textContent = msg.eta_seconds === null ? "—"
      : msg.eta_seconds < 60 ? s.t("soon")
      : "~" + Math.round(msg.eta_seconds / 60) + " " + s.t("minutes");
    $("call-length").textContent = Math.round(msg.call_seconds / 60) + " " + s.t("minutes");
    if (msg.state === "waiting") $("state").textContent = s.t("state_waiting");
    if (msg.state === "done") $("state").textContent = s.t("state_done");
    if (msg.state === "no_show") $("state").textContent = s.t("state_no_show");
    if (msg.state === "cancelled") $("state").textContent = s.t("state_cancelled");
  }

  function live(msg) {
    s.show("waiting", false);
    s.show("check", false);
    s.show("ended", false);
    s.show("call", true);
    s.countdown(msg.ends_at, msg.server_now);
    s.getMedia().catch(function () { return null; }).then(function (stream) {
      s.startCall(msg.visit_id, stream);
    });
  }

  s.connect("/ws/ticket/" + token, function (msg) {
    switch (msg.type) {
      case "queue": showQueue(msg); break;
      case "called": $("state").textContent = s.t("state_called", { station: msg.station_name }); break;
      case "live": live(msg); break;
      case "answer": s.onAnswer(msg.sdp); break;
      case "warning": s.warn(msg.seconds_left); break;
      case "ended": s.ended(msg.outcome); break;
    }
  });

  // Camera and microphone check while waiting: a preview and a live level meter.
  $("check-btn").addEventListener("click", function () {
    s.show("check-result", true);
    s.getMedia().then(function (stream) {
      $("preview").srcObject = stream;
      $("check-text").textContent = s.t("check_ok");
      var ctx = new (window.AudioContext || window.webkitAudioContext)();
      var analyser = ctx.createAnalyser();
      ctx.createMediaStreamSource(stream).connect(analyser);
      var data = new Uint8Array(analyser.fftSize);
      (function loop() {
        analyser.getByteTimeDomainData(data);
        var peak = 0;
        for (var i = 0; i < data.length; i++) peak = Math.max(peak, Math.abs(data[i] - 128));
        $("mic").value = peak / 128;
        if (!$("check").hidden) requestAnimationFrame(loop);
      })();
    }).catch(function () { $("check-text").textContent = s.t("check_fail"); });
  });
})();
