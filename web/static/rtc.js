// Shared by the queue room and the station: the page socket, the call, the countdown.
"use strict";
var sambang = window.sambang = {
  pc: null, visitId: null, clockOffset: 0, timer: null, received: []  // message types, in order
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
  if (sambang.pc && sambang.visitId === visitId) return;
  sambang.stopCall();
  sambang.visitId = visitId;
  var pc = new RTCPeerConnection();
  sambang.pc = pc;
  ["audio", "video"].forEach(function (kind) {
    var track = stream && stream.getTracks().filter(function (t) { return t.kind === kind; })[0];
    if (track) pc.addTrack(track, stream);
    else pc.addTransceiver(kind, { direction: "recvonly" });
  });
  pc.ontrack = function (ev) {
    var remote = sambang.$("remote");
    if (!remote.srcObject) remote.srcObject = new MediaStream();
    remote.srcObject.addTrack(ev.track);
    remote.play().catch(function () {});
  };
  pc.createOffer().then(function (offer) {
    return pc.setLocalDescription(offer);
  }).then(function () {
    return new Promise(function (resolve) {
      if (pc.iceGatheringState === "complete") return resolve();
      var done = function () { if (pc.iceGatheringState === "complete") resolve(); };
      pc.addEventListener("icegatheringstatechange", done);
      setTimeout(resolve, 3000);
    });
  }).then(function () {
    sambang.send({ type: "offer", sdp: pc.localDescription.sdp });
  });
};

sambang.onAnswer = function (sdp) {
  if (sambang.pc) sambang.pc.setRemoteDescription({ type: "answer", sdp: sdp });
};

sambang.stopCall = function () {
  if (sambang.pc) sambang.pc.close();
  sambang.pc = null;
  sambang.visitId = null;
  var remote = sambang.$("remote");
  if (remote) remote.srcObject = null;
  if (sambang.timer) clearInterval(sambang.timer);
  sambang.timer = null;
};

sambang.countdown = function (endsAt, serverNow) {
  sambang.clockOffset = serverNow - Date.now();
  if (sambang.timer) clearInterval(sambang.timer);
  function draw() {
    var left = Math.max(0, Math.round((endsAt - (Date.now() + sambang.clockOffset)) / 1000));
    var m = Math.floor(left / 60), s = left % 60;
    sambang.$("countdown").textContent = m + ":" + (s < 10 ? "0" : "") + s;
  }
  draw();
  sambang.timer = setInterval(draw, 500);
};

sambang.warn = function (secondsLeft) {
  var box = sambang.$("warning");
  box.textContent = sambang.t(secondsLeft <= 10 ? "warn_10" : "warn_60");
  box.hidden = false;
  setTimeout(function () { box.hidden = true; }, 6000);
};

sambang.ended = function (outcome) {
  sambang.stopCall();
  sambang.show("call", false);
  sambang.$("ended-text").textContent = sambang.t("ended_" + (outcome || "completed"));
  sambang.show("ended", true);
};

sambang.getMedia = function () {
  if (sambang.localStream) return Promise.resolve(sambang.localStream);
  return navigator.mediaDevices.getUserMedia({
    audio: true, video: { width: { ideal: 640 }, height: { ideal: 480 }, frameRate: { max: 30 } }
  }).then(function (stream) {
    sambang.localStream = stream;
    sambang.$("self").srcObject = stream;
    return stream;
  });
};
