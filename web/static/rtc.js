// Shared by the queue room and the station: the page socket, the call, the countdown.
"use strict";
var sambang = window.sambang = {
  pc: null, visitId: null, timer: null, endsAt: null, received: [],  // message types, in order
  audioOnly: false  // the family chose a call without video (sent or received)
};

sambang.strings = JSON.parse(document.getElementById("strings").textContent);
sambang.t = function (key, values) {
  var text = sambang.strings[key] || key;
  Object.keys(values || {}).forEach(function (k) { text = text.replace("{" + k + "}", values[k]); });
  return text;
};
sambang.$ = function (id) { return document.getElementById(id); };
sambang.show = function (id, on) { sambang.$(id).hidden = !on; };

// One socket per page; it comes back by itself after a drop, and the server resends the state.
sambang.connect = function (path, onMessage) {
  var delay = 1000;
  function open() {
    var proto = location.protocol === "https:" ? "wss://" : "ws://";
    var ws = new WebSocket(proto + location.host + path);
    sambang.ws = ws;
    ws.onopen = function () { delay = 1000; sambang.show("conn", false); };
    ws.onmessage = function (ev) {
      var msg = JSON.parse(ev.data);
      sambang.received.push(msg.type);
      // Any message that carries the deadline corrects the countdown, whatever else it does.
      if (msg.ends_at && msg.server_now) sambang.countdown(msg);
      // Each `live` brings TURN credentials valid for the visit as it is now (extended too).
      if (msg.type === "live") sambang.iceServers = msg.ice_servers || [];
      onMessage(msg);
    };
    ws.onclose = function (ev) {
      if (ev.code === 1008 || ev.code === 4404) return;  // refused: reconnecting will not help
      sambang.$("conn").textContent = sambang.t("reconnecting");
      sambang.show("conn", true);
      setTimeout(open, delay);
      delay = Math.min(delay * 2, 15000);
    };
  }
  open();
};

sambang.send = function (msg) {
  if (sambang.ws && sambang.ws.readyState === 1) sambang.ws.send(JSON.stringify(msg));
};

// The browser offers; the relay answers. Candidates are gathered first (no trickle), capped
// at a few seconds so a slow network interface cannot hold the call.
sambang.startCall = function (visitId, stream) {
  // A `live` resent after a reconnect finds the call either still up (nothing to do) or
  // broken by the same network trouble (offer again).
  var broken = sambang.pc && ["failed", "closed"].indexOf(sambang.pc.connectionState) >= 0;
  var iceServers = sambang.iceServers || [];
  if (sambang.pc && sambang.visitId === visitId && !broken) {
    // The call goes on; the fresher credentials serve any later ICE restart.
    try { sambang.pc.setConfiguration({ iceServers: iceServers }); } catch (e) {}
    return;
  }
  sambang.closeCall();
  sambang.visitId = visitId;
  var pc = new RTCPeerConnection({ iceServers: iceServers });
  sambang.pc = pc;
  // Audio only: no video line in the offer, so the relay sends this phone no video at all.
  (sambang.audioOnly ? ["audio"] : ["audio", "video"]).forEach(function (kind) {
    var track = stream && stream.getTracks().filter(function (t) { return t.kind === kind; })[0];
    if (track) pc.addTrack(track, stream);
    else pc.addTransceiver(kind, { direction: "recvonly" });
  });
  if (sambang.audioOnly) sambang.show("remote-wait", false);
  else sambang.watchPicture(pc);
  pc.ontrack = function (ev) {
    var remote = sambang.$("remote");
    if (!remote.srcObject) remote.srcObject = new MediaStream();
    remote.srcObject.addTrack(ev.track);
    remote.play().catch(function () {});
  };
  pc.createOffer().then(function (offer) {
    return pc.setLocalDescription(offer);
  }).then(function () {
    // With TURN given, up to 8 s for a relayed candidate: behind a network that blocks UDP it
    // is the only one that works, and TURN over TLS from a phone can take a few seconds.
    return new Promise(function (resolve) {
      var relayed = false, waited = false;
      if (pc.iceGatheringState === "complete") return resolve();
      pc.addEventListener("icegatheringstatechange", function () {
        if (pc.iceGatheringState === "complete") resolve();
      });
      pc.addEventListener("icecandidate", function (ev) {
        if (ev.candidate && / typ relay /.test(ev.candidate.candidate)) relayed = true;
        if (relayed && waited) resolve();
      });
      setTimeout(function () {
        waited = true;
        if (relayed || !iceServers.length) resolve();
      }, 3000);
      setTimeout(resolve, 8000);
    });
  }).then(function () {
    sambang.send({ type: "offer", sdp: pc.localDescription.sdp });
  });
};

sambang.onAnswer = function (sdp) {
  if (sambang.pc) sambang.pc.setRemoteDescription({ type: "answer", sdp: sdp });
};

// A picture that has not come yet, or stopped (the other side left, the network stalls), is
// said in words instead of a black or frozen screen. Decoded frames are counted every 1.5 s.
sambang.watchPicture = function (pc) {
  var last = 0, still = 0;
  clearInterval(sambang.pictureTimer);
  sambang.show("remote-wait", true);
  sambang.pictureTimer = setInterval(function () {
    pc.getStats().then(function (stats) {
      var frames = 0;
      stats.forEach(function (r) {
        if (r.type === "inbound-rtp" && r.kind === "video") frames = r.framesDecoded || 0;
      });
      still = frames > last ? 0 : still + 1;
      last = frames;
      sambang.show("remote-wait", frames === 0 || still >= 2);
    }).catch(function () {});
  }, 1500);
};

// Only the media: the countdown belongs to the visit, which may go on (a new offer after a
// reload, the family stepping out of the call), so it is not stopped here.
sambang.closeCall = function () {
  if (sambang.pc) sambang.pc.close();
  sambang.pc = null;
  clearInterval(sambang.pictureTimer);
  sambang.visitId = null;
  var remote = sambang.$("remote");
  if (remote) remote.srcObject = null;
};

// The countdown follows the server's clock: the time left is `ends_at - server_now`, both read
// from the server's clock in one message, and the page counts that down from the moment it
// arrived on its monotonic clock. The page's own date and time never enter, so a phone set
// minutes wrong still shows what the relay will enforce.
sambang.countdown = function (msg) {
  sambang.endsAt = performance.now() + (msg.ends_at - msg.server_now);
  clearTimeout(sambang.timer);
  (function tick() {
    sambang.drawCountdown();
    // Woken just after the shown second changes, not four times a second: the text is never
    // late by more than the browser's timer, and a cheap phone does one redraw a second.
    var ms = sambang.endsAt - performance.now();
    if (ms > -1000) sambang.timer = setTimeout(tick, (((ms - 500) % 1000) + 1000) % 1000 + 20);
  })();
};

sambang.secondsLeft = function () {
  if (sambang.endsAt === null) return null;
  return Math.max(0, Math.round((sambang.endsAt - performance.now()) / 1000));
};

sambang.clock = function (seconds) {
  var m = Math.floor(seconds / 60), s = seconds % 60;
  return m + ":" + (s < 10 ? "0" : "") + s;
};

sambang.drawCountdown = function () {
  var left = sambang.secondsLeft();
  if (left === null) return;
  var text = sambang.clock(left);
  document.querySelectorAll(".countdown").forEach(function (el) {
    if (el.textContent !== text) el.textContent = text;
    // The last minute turns red: the same moment the one-minute warning is shown.
    el.classList.toggle("urgent", left <= 60);
  });
};

sambang.stopCountdown = function () {
  clearTimeout(sambang.timer);
  sambang.timer = null;
  sambang.endsAt = null;
};

sambang.warn = function (secondsLeft) {
  sambang.warnText(sambang.t(secondsLeft <= 10 ? "warn_10" : "warn_60"));
};

sambang.warnText = function (text) {
  var box = sambang.$("warning");
  box.textContent = text;
  box.hidden = false;
  clearTimeout(sambang.warnTimer);
  sambang.warnTimer = setTimeout(function () { box.hidden = true; }, 6000);
};

sambang.ended = function (outcome) {
  sambang.closeCall();
  sambang.stopCountdown();
  sambang.show("warning", false);
  sambang.show("call", false);
  sambang.$("ended-text").textContent = sambang.t("ended_" + (outcome || "completed"));
  sambang.show("ended", true);
};

// The front camera by default: the family faces their phone, the kiosk has only one camera.
sambang.facing = "user";
sambang.cameraId = null;
sambang.getMedia = function () {
  if (sambang.localStream) return Promise.resolve(sambang.localStream);
  return navigator.mediaDevices.getUserMedia({
    audio: true,
    video: sambang.audioOnly ? false : { width: { ideal: 640 }, height: { ideal: 480 }, frameRate: { max: 30 },
             facingMode: sambang.facing,
             // The camera chosen with "switch camera", when the page comes back into the call.
             deviceId: sambang.cameraId ? { ideal: sambang.cameraId } : undefined }
  }).then(function (stream) {
    sambang.localStream = stream;
    sambang.$("self").srcObject = stream;
    return stream;
  });
};

// Camera and microphone off for good (the light on the phone goes out); asked again next time.
sambang.releaseMedia = function () {
  if (sambang.localStream) sambang.localStream.getTracks().forEach(function (t) { t.stop(); });
  sambang.localStream = null;
};
