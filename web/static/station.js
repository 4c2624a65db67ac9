// The kiosk: nothing to touch. It shows who is called, then the call, then goes idle again.
"use strict";
(function () {
  var s = window.sambang, $ = s.$;
  var token = document.body.dataset.token;
  var idleText = $("idle-text").textContent;
  var back = null;  // the return to idle after a call; a new call cancels it
  s.getMedia().catch(function () { return null; });

  function idle(text) {
    clearTimeout(back);
    s.show("call", false);
    s.show("idle", true);
    $("idle-text").textContent = text || idleText;
  }

  s.connect("/ws/station/" + token, function (msg) {
    switch (msg.type) {
      case "called":
        s.show("ended", false);
        idle(s.t("station_called", { number: msg.ticket_number, name: msg.visitor_name }));
        break;
      case "live":
        clearTimeout(back);
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
