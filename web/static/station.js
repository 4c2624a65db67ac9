// The kiosk: nothing to touch. It shows who is called, then the call, then goes idle again.
"use strict";
(function () {
  var s = window.sambang, $ = s.$;
  var token = document.body.dataset.token;
  var idleText = $("idle-text").textContent;
  var back = null;  // the return to idle after a call; a new call cancels it
  s.getMedia().catch(function () { return null; });

  // While an inmate is called here the officer compares him with the register's photo: a still
  // of this camera each second goes to the console (kept only until the call starts).
  var stills = null, canvas = document.createElement("canvas");
  canvas.width = 320; canvas.height = 240;
  function sendStill() {
    var video = $("check-self");
    if (!video.videoWidth) return;
    canvas.getContext("2d").drawImage(video, 0, 0, canvas.width, canvas.height);
    var data = canvas.toDataURL("image/jpeg", 0.7).split(",")[1];
    if (data && data.length < 50000) s.send({ type: "snapshot", jpeg: data });
  }
  function showCheck(on) {
    clearInterval(stills);
    stills = null;
    s.show("check-view", on);
    if (!on) return;
    s.getMedia().then(function (stream) {
      $("check-self").srcObject = stream;
      stills = setInterval(sendStill, 1000);
    }).catch(function () { s.show("check-view", false); });
  }

  function idle(text) {
    clearTimeout(back);
    showCheck(false);
    s.show("call", false);
    s.show("idle", true);
    $("idle-text").textContent = text || idleText;
  }

  s.connect("/ws/station/" + token, function (msg) {
    switch (msg.type) {
      case "called":
        s.show("ended", false);
        idle(s.t("station_called", { number: msg.ticket_number, name: msg.visitor_name }));
        showCheck(true);
        break;
      case "live":
        clearTimeout(back);
        showCheck(false);
        s.show("idle", false);
        s.show("ended", false);
        s.show("call", true);
        s.getMedia().catch(function () { return null; }).then(function (stream) {
          s.startCall(msg.visit_id, stream);
        });
        break;
      case "answer": s.onAnswer(msg.sdp); break;
      case "warning": s.warn(msg.seconds_left); break;
      case "ended":
        s.ended(msg.outcome);
        s.show("idle", false);
        back = setTimeout(function () { s.show("ended", false); idle(); }, 8000);
        break;
    }
  });
})();
