// The family's queue room: position and wait, a device check, then the call.
"use strict";
(function () {
  var s = window.sambang, $ = s.$;
  var token = document.body.dataset.token;
  var visitId = null;   // the live visit, kept to go back into its call
  var stepped = false;  // the family left the call on purpose: a resent `live` must not pull it back
  var micOn = true, camOn = true;

  // One attribute says where the ticket stands; the stylesheet shows what belongs to it (the
  // template sets it for the first paint, the same rules then follow the socket).
  function setState(state, text) {
    document.body.dataset.state = state;
    $("state").textContent = text;
  }

  function showQueue(msg) {
    $("number").textContent = msg.number;
    $("position").textContent = msg.position || "—";
    $("eta").textContent = msg.eta_seconds === null ? "—"
      : msg.eta_seconds < 60 ? s.t("soon")
      : "~" + Math.round(msg.eta_seconds / 60) + " " + s.t("minutes");
    $("call-length").textContent = Math.round(msg.call_seconds / 60) + " " + s.t("minutes");
    // "called" is told by the `called` and `live` messages, which know the station.
    if (msg.state !== "called") setState(msg.state, s.t("state_" + msg.state));
    // The visit ended while this page was cut off: it hears how when it is back; when the
    // link now stands for another ticket (a make-up in the queue), the page is read again.
    if (visitId !== null && msg.state === "done") ended(msg);
    else if (visitId !== null && msg.state !== "called") location.reload();
    // Taken out of the queue (a ban, a refused make-up): the page says why, from the server.
    if (msg.state === "cancelled") location.reload();
  }

  function live(msg) {
    visitId = msg.visit_id;
    $("audio-only").textContent = s.t("audio_only_on", { station: msg.station_name });
    setState("live", s.t("state_live"));
    if (stepped) return;  // the countdown on the "you left" card is already corrected
    enterCall();
  }

  function enterCall() {
    s.show("waiting", false);
    s.show("check", false);
    s.show("left", false);
    s.show("ended", false);
    s.show("call", true);
    s.getMedia().catch(function () { return null; }).then(function (stream) {
      s.show("no-devices", !stream);
      ["mic-btn", "cam-btn"].forEach(function (id) { $(id).disabled = !stream; });
      if (stream) applyDevices(stream);
      showFlip();
      if (!stepped && visitId !== null) s.startCall(visitId, stream);
    });
  }

  function ended(msg) {
    // A call the facility cancelled costs the family nothing: it is first in the queue again
    // (the `queue` message follows), or its page now leads to a make-up ticket.
    if (msg.after === "queue") {
      $("owed").textContent = s.t("cause_" + (msg.cause === "inmate_unavailable" ||
        msg.cause === "station_fault" ? msg.cause : "other")) + " " + s.t("back_in_queue");
      s.show("owed", true);
      setState("waiting", s.t("state_waiting"));
      return;
    }
    if (msg.after === "makeup") { location.reload(); return; }
    if (msg.after === "no_show") msg.outcome = "no_show";
    if (msg.after === "done" && msg.cause === "family_request") msg.outcome = "family_request";
    stepped = false;
    visitId = null;
    s.show("confirm", false);
    s.show("left", false);
    s.ended(msg.outcome);
    s.releaseMedia();  // the camera light goes out with the call
  }

  s.connect("/ws/ticket/" + token, function (msg) {
    switch (msg.type) {
      case "queue": showQueue(msg); break;
      case "called": setState("called", s.t("state_called", { station: msg.station_name })); break;
      case "live": live(msg); break;
      case "answer": s.onAnswer(msg.sdp); break;
      case "warning": s.warn(msg.seconds_left); break;
      case "ended": ended(msg); break;
    }
  });

  // Microphone and camera: the track stays in the call, switched off (enabled = false), so
  // turning it back on needs no new offer and no new permission.
  function applyDevices(stream) {
    stream.getAudioTracks().forEach(function (t) { t.enabled = micOn; });
    stream.getVideoTracks().forEach(function (t) { t.enabled = camOn; });
    $("mic-btn").textContent = s.t(micOn ? "mic_off" : "mic_on");
    $("mic-btn").setAttribute("aria-pressed", String(!micOn));
    $("mic-btn").classList.toggle("off", !micOn);
    $("cam-btn").textContent = s.t(camOn ? "cam_off" : "cam_on");
    $("cam-btn").setAttribute("aria-pressed", String(!camOn));
    $("cam-btn").classList.toggle("off", !camOn);
    s.show("you-muted", !micOn);
    s.show("you-hidden", !camOn);
    // One's own front camera reads like a mirror; the back camera shows the room as it is.
    $("self").classList.toggle("mirror", s.facing === "user");
  }

  $("mic-btn").addEventListener("click", function () {
    micOn = !micOn;
    if (s.localStream) applyDevices(s.localStream);
  });
  $("cam-btn").addEventListener("click", function () {
    camOn = !camOn;
    if (s.localStream) applyDevices(s.localStream);
  });

  // Audio only, the family's own choice on a weak or costly line: the camera is closed and the
  // call is offered again without video either way; "use video" offers it again with.
  $("audio-btn").addEventListener("click", function () {
    s.audioOnly = !s.audioOnly;
    $("audio-btn").textContent = s.t(s.audioOnly ? "with_video" : "audio_only");
    $("audio-btn").setAttribute("aria-pressed", String(s.audioOnly));
    s.show("audio-only", s.audioOnly);
    s.show("cam-btn", !s.audioOnly);
    s.show("remote", !s.audioOnly);
    s.show("self", !s.audioOnly);
    s.closeCall();
    s.releaseMedia();
    if (s.audioOnly) s.show("flip-btn", false);
    enterCall();
  });

  // Front/back only where the phone has two cameras.
  function showFlip() {
    if (!navigator.mediaDevices.enumerateDevices) return;
    navigator.mediaDevices.enumerateDevices().then(function (devices) {
      var cameras = devices.filter(function (d) { return d.kind === "videoinput"; });
      s.show("flip-btn", cameras.length > 1 && !!s.localStream && !s.audioOnly);
    });
  }

  function openCamera(which) {
    return navigator.mediaDevices.getUserMedia({ video: Object.assign({
      width: { ideal: 640 }, height: { ideal: 480 }, frameRate: { max: 30 } }, which) });
  }

  // The other camera: by facing, as phones name them; a browser or camera that names no facing
  // gets the next camera in its list instead.
  function otherCamera(wanted, currentId) {
    return openCamera({ facingMode: { exact: wanted } }).catch(function () {
      return navigator.mediaDevices.enumerateDevices().then(function (devices) {
        var ids = devices.filter(function (d) { return d.kind === "videoinput"; })
          .map(function (d) { return d.deviceId; });
        var next = ids[(ids.indexOf(currentId) + 1) % ids.length];
        if (!next || next === currentId) throw new Error("only one camera");
        return openCamera({ deviceId: { exact: next } });
      });
    });
  }

  $("flip-btn").addEventListener("click", function () {
    var stream = s.localStream;
    if (!stream) return;
    var btn = $("flip-btn"), old = stream.getVideoTracks()[0];
    var oldId = old && old.getSettings ? old.getSettings().deviceId : undefined;
    var wanted = s.facing === "user" ? "environment" : "user";
    btn.disabled = true;
    // Many phones cannot open both cameras at once: the one in use is closed first.
    if (old) { old.stop(); stream.removeTrack(old); }
    otherCamera(wanted, oldId).catch(function () {
      s.warnText(s.t("flip_failed"));
      return openCamera(oldId ? { deviceId: { exact: oldId } } : {});
    }).then(function (fresh) {
      var track = fresh.getVideoTracks()[0];
      var settings = track.getSettings ? track.getSettings() : {};
      s.facing = settings.facingMode || (settings.deviceId !== oldId ? wanted : s.facing);
      s.cameraId = settings.deviceId || null;
      stream.addTrack(track);
      // The video transceiver, found by what it receives: its sender's track was just stopped.
      var video = s.pc && s.pc.getTransceivers().filter(function (x) {
        return x.receiver.track && x.receiver.track.kind === "video";
      })[0];
      if (video) video.sender.replaceTrack(track);
      $("self").srcObject = stream;
      applyDevices(stream);
    }).catch(function () { s.warnText(s.t("flip_failed")); })
      .then(function () { btn.disabled = false; });
  });

  // Leaving asks first: a grandmother's stray tap must not end her visit. Leaving closes only
  // this phone's side of the call (the relay sees the leg go and the officer is told); the
  // visit and its time go on, so she can come back in until the time is up.
  $("leave-btn").addEventListener("click", function () { s.show("confirm", true); });
  $("leave-no").addEventListener("click", function () { s.show("confirm", false); });
  $("leave-yes").addEventListener("click", function () {
    stepped = true;
    s.show("confirm", false);
    s.send({ type: "step_out" });  // on purpose: the server keeps the visit's clock running
    s.closeCall();
    s.releaseMedia();
    s.show("call", false);
    s.show("left", true);
  });
  $("rejoin-btn").addEventListener("click", function () {
    stepped = false;
    enterCall();
  });

  // Camera and microphone check while waiting: a preview and a live level meter.
  $("check-btn").addEventListener("click", function () {
    s.show("check-result", true);
    s.getMedia().then(function (stream) {
      s.show("check-media", true);
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
    }).catch(function () {
      s.show("check-media", false);  // an empty black box would look like a broken camera
      $("check-text").textContent = s.t("check_fail");
    });
  });
})();
