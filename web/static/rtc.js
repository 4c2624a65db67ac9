// Shared by the queue room and the station: the page socket, the call, the countdown.
"use strict";
var sambang = window.sambang = {
  pc: null, visitId: null, timer: null, endsAt: null, frozen: null,
  received: [],  // message types, in order
  // How a broken call comes back: "fresh" (a new peer connection and offer) or "restart" (an
  // ICE restart of the same one). The relay answers both with a new leg; ?rejoin=restart
  // chooses the second, to measure it (tests/e2e/test_browser_cuts.py).
  rejoinBy: /[?&]rejoin=restart/.test(location.search) ? "restart" : "fresh",
  lineDownSince: null, lastPong: 0, lastOffer: 0, stream: null,
  rejoins: [],  // how each broken call came back: "fresh", "restart", "restart-refused"
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
    sambang.wsStartedAt = performance.now();
    ws.onopen = function () {
      ws.opened = true;
      delay = 1000;
      sambang.lastPong = performance.now();
      sambang.show("conn", false);
    };
    ws.onmessage = function (ev) {
      var msg = JSON.parse(ev.data);
      sambang.lastPong = performance.now();  // any message says the line to the server works
      sambang.received.push(msg.type);
      // Any message that carries the deadline corrects the countdown, whatever else it does;
      // while a line is down the server's clock stands still, and so does the page's.
      if (msg.type === "reconnecting" || msg.paused) sambang.freeze(msg.seconds_left);
      else if (msg.ends_at && msg.server_now) sambang.countdown(msg);
      if (msg.type === "reconnecting") sambang.farLineDown(true);
      else if (msg.type === "live" || msg.type === "ended") sambang.farLineDown(!!msg.paused);
      // Each `live` brings TURN credentials valid for the visit as it is now (extended too).
      if (msg.type === "live") sambang.iceServers = msg.ice_servers || [];
      onMessage(msg);
    };
    ws.onclose = function (ev) {
      if (sambang.ws !== ws) return;  // replaced by a fresh socket (see lineWatch)
      if (ev.code === 1008 || ev.code === 4404) return;  // refused: reconnecting will not help
      if (!ws.opened) sambang.askPage();
      sambang.$("conn").textContent = sambang.t("reconnecting");
      sambang.show("conn", true);
      // In a call every second counts: try again at once, not after a growing wait.
      setTimeout(open, sambang.visitId !== null ? 500 : delay);
      delay = Math.min(delay * 2, 15000);
    };
  }
  sambang.reopen = function () {
    var old = sambang.ws;
    sambang.ws = null;
    if (old) { old.onclose = null; old.close(); }
    open();
  };
  open();
};

// A socket the server refuses while the server itself answers: what the link stands for
// changed meanwhile (the visit ended while this phone was cut off and a make-up ticket took its
// place, the ticket's day is over). The page is read again to say so; at most twice a minute,
// so a page the server keeps refusing does not reload in a loop.
sambang.askPage = function () {
  var last = Number(sessionStorage.getItem("sambang-reread") || 0);
  if (Date.now() - last < 30000) return;
  fetch(location.href, { method: "HEAD", cache: "no-store" }).then(function (resp) {
    if (!resp.ok) return;
    sessionStorage.setItem("sambang-reread", String(Date.now()));
    location.reload();
  }).catch(function () {});  // the network is still down: the socket keeps trying
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
  if (sambang.pc && sambang.visitId === visitId) {
    if (broken) { sambang.rejoin(); return; }
    // The call goes on; the fresher credentials serve any later ICE restart.
    try { sambang.pc.setConfiguration({ iceServers: iceServers }); } catch (e) {}
    return;
  }
  sambang.closeCall();
  sambang.visitId = visitId;
  sambang.stream = stream;
  var pc = new RTCPeerConnection({ iceServers: iceServers });
  sambang.pc = pc;
  pc.onconnectionstatechange = function () { sambang.lineWatch(); };
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
    sambang.lastOffer = performance.now();
    sambang.send({ type: "offer", sdp: pc.localDescription.sdp });
    // A call that does not connect (an offer or answer lost on a socket that was dying) is
    // treated as a line down: the watch below offers again once the server answers.
    setTimeout(function () {
      if (sambang.pc === pc && pc.connectionState !== "connected") sambang.troubled();
    }, 8000);
  });
};

sambang.onAnswer = function (sdp) {
  var pc = sambang.pc;
  if (!pc) return;
  pc.setRemoteDescription({ type: "answer", sdp: sdp }).catch(function () {
    // An ICE restart the browser cannot take (the relay's new leg has new keys): start afresh.
    if (sambang.pc === pc && sambang.visitId !== null) {
      sambang.rejoins.push("restart-refused");
      var visitId = sambang.visitId;
      sambang.closeCall();
      sambang.startCall(visitId, sambang.stream);
    }
  });
};

// The page's own line: a peer connection that stops (disconnected, failed) or a socket that
// stops answering. The family is told at once and the countdown stands still (the server stops
// the visit's clock too); the page then brings the call back by itself. A socket that is
// silent during trouble is replaced by a fresh one (a new TCP connection gets through as soon
// as the network is back, where the old one waits out its growing retransmission timer); the
// server answers a fresh socket with `live`, and a call that did not come back by itself gets
// a new offer.
sambang.lineWatch = function () {
  var pc = sambang.pc;
  var state = pc ? pc.connectionState : "new";
  var down = state === "disconnected" || state === "failed";
  if (down && sambang.lineDownSince === null) {
    sambang.troubled();
  } else if (!down && state === "connected" && sambang.lineDownSince !== null) {
    sambang.lineDownSince = null;
    clearInterval(sambang.lineTimer);
    if (!sambang.farDown) {
      sambang.show("line-down", false);
      // A blip the server did not count as a cut: go on; its next `live` or `time` corrects.
      sambang.unfreeze();
    }
  }
};

sambang.troubled = function () {
  if (sambang.lineDownSince !== null) return;
  sambang.lineDownSince = performance.now();
  sambang.freeze(sambang.secondsLeft());
  sambang.show("line-down", true);
  clearInterval(sambang.lineTimer);
  sambang.lineTimer = setInterval(sambang.lineCheck, 500);
};

sambang.lineCheck = function () {
  var pc = sambang.pc, now = performance.now();
  if (!pc || sambang.visitId === null) { clearInterval(sambang.lineTimer); return; }
  sambang.send({ type: "ping" });
  var ws = sambang.ws;
  // Pinged every half second: a socket silent for 1.5 s (or not open after 1.5 s) is stuck.
  var socketAlive = ws && ws.readyState === 1 && now - sambang.lastPong < 1500;
  var stuck = ws && ((ws.readyState === 1 && now - sambang.lastPong > 1500)
                     || (ws.readyState === 0 && now - sambang.wsStartedAt > 1500));
  if (stuck) { sambang.reopen(); return; }
  // The server is reachable again and the call did not come back by itself: offer again.
  if (socketAlive && now - sambang.lineDownSince > 2000 && now - sambang.lastOffer > 4000) {
    sambang.rejoin();
  }
};

sambang.rejoin = function () {
  var pc = sambang.pc, visitId = sambang.visitId;
  if (!pc || visitId === null) return;
  sambang.lastOffer = performance.now();
  if (sambang.rejoinBy === "restart" && pc.connectionState !== "closed" && pc.restartIce) {
    sambang.rejoins.push("restart");
    pc.restartIce();
    pc.createOffer({ iceRestart: true }).then(function (offer) {
      return pc.setLocalDescription(offer);
    }).then(function () {
      sambang.send({ type: "offer", sdp: pc.localDescription.sdp });
    }).catch(function () { sambang.closeCall(); sambang.startCall(visitId, sambang.stream); });
    return;
  }
  sambang.rejoins.push("fresh");
  sambang.closeCall();
  sambang.startCall(visitId, sambang.stream);
};

// The other side's line is down (the server says `reconnecting`) or back (`live`).
sambang.farLineDown = function (on) {
  sambang.farDown = on;
  if (sambang.$("line-down")) sambang.show("line-down", on || sambang.lineDownSince !== null);
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
  if (sambang.pc) { sambang.pc.onconnectionstatechange = null; sambang.pc.close(); }
  sambang.pc = null;
  clearInterval(sambang.pictureTimer);
  clearInterval(sambang.lineTimer);
  sambang.lineDownSince = null;
  sambang.visitId = null;
  var remote = sambang.$("remote");
  if (remote) remote.srcObject = null;
};

// The countdown follows the server's clock: the time left is `ends_at - server_now`, both read
// from the server's clock in one message, and the page counts that down from the moment it
// arrived on its monotonic clock. The page's own date and time never enter, so a phone set
// minutes wrong still shows what the relay will enforce.
// A message that arrives late (a busy phone, a slow line) makes the deadline look later than
// it is, never earlier: while the deadline is the same one, the earliest reading is kept.
sambang.countdown = function (msg) {
  sambang.frozen = null;
  var endsAt = performance.now() + (msg.ends_at - msg.server_now);
  var same = sambang.endsAtFor === msg.ends_at && sambang.endsAt !== null;
  sambang.endsAt = same ? Math.min(sambang.endsAt, endsAt) : endsAt;
  sambang.endsAtFor = msg.ends_at;
  clearTimeout(sambang.timer);
  (function tick() {
    sambang.drawCountdown();
    // Woken just after the shown second changes, not four times a second: the text is never
    // late by more than the browser's timer, and a cheap phone does one redraw a second.
    var ms = sambang.endsAt - performance.now();
    if (ms > -1000) sambang.timer = setTimeout(tick, (((ms - 500) % 1000) + 1000) % 1000 + 20);
  })();
};

// The clock stands still at `seconds` while a line is down, until the server says it goes on.
sambang.freeze = function (seconds) {
  if (seconds === null || seconds === undefined) return;
  clearTimeout(sambang.timer);
  sambang.frozen = seconds;
  sambang.endsAtFor = null;  // the deadline moves by the pause: the next one starts afresh
  sambang.endsAt = performance.now() + seconds * 1000;
  sambang.drawCountdown();
};

sambang.unfreeze = function () {
  if (sambang.frozen === null) return;
  var now = Date.now();
  sambang.countdown({ ends_at: now + sambang.frozen * 1000, server_now: now });
};

sambang.secondsLeft = function () {
  if (sambang.frozen !== null) return sambang.frozen;
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
    el.classList.toggle("paused", sambang.frozen !== null);
  });
};

sambang.stopCountdown = function () {
  clearTimeout(sambang.timer);
  sambang.timer = null;
  sambang.endsAt = null;
  sambang.frozen = null;
};

sambang.warn = function (secondsLeft) {
  sambang.warnText(sambang.t(secondsLeft <= 10 ? "warn_10" : "warn_60"));
};

sambang.warnText = function (text) {
  var box = sambang.$("warning");
  box.textContent = text;
  box.hidden = false;
  clearTimeout(sambang.warnTimer);
  // Ten seconds: long enough to read twice; the countdown stays red after it.
  sambang.warnTimer = setTimeout(function () { box.hidden = true; }, 10000);
};

sambang.ended = function (outcome) {
  sambang.closeCall();
  sambang.stopCountdown();
  sambang.farDown = false;
  sambang.show("line-down", false);
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
