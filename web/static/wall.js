// The supervisors' live wall: a tile per visit in progress, both sides' video through a silent
// monitor connection to the relay (receive only: the family and the station see nothing of it).
"use strict";
(function () {
  var strings = JSON.parse(document.getElementById("strings").textContent);
  var csrf = document.body.dataset.csrf;
  var t = function (k) { return strings[k] || k; };
  var $ = function (id) { return document.getElementById(id); };
  var tiles = {};  // visit id -> {el, pc, info}
  var ws = null, clockOffset = 0;
  window.sambangWall = tiles;

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text) node.textContent = text;
    return node;
  }

  function fmt(seconds) {
    var m = Math.floor(seconds / 60), s = seconds % 60;
    return m + ":" + (s < 10 ? "0" : "") + s;
  }

  function send(msg) { if (ws && ws.readyState === 1) ws.send(JSON.stringify(msg)); }

  function watch(tile, visitId) {
    var pc = new RTCPeerConnection();
    tile.pc = pc;
    ["audio", "video", "audio", "video"].forEach(function (kind) {
      pc.addTransceiver(kind, { direction: "recvonly" });
    });
    pc.ontrack = function (ev) {
      var index = pc.getTransceivers().indexOf(ev.transceiver);
      var video = tile.videos[index < 2 ? 0 : 1];
      if (!video.srcObject) video.srcObject = new MediaStream();
      video.srcObject.addTrack(ev.track);
      video.play().catch(function () {});
    };
    pc.createOffer().then(function (offer) { return pc.setLocalDescription(offer); })
      .then(function () {
        return new Promise(function (resolve) {
          if (pc.iceGatheringState === "complete") return resolve();
          pc.addEventListener("icegatheringstatechange", function () {
            if (pc.iceGatheringState === "complete") resolve();
          });
          setTimeout(resolve, 3000);
        });
      }).then(function () {
        send({ type: "monitor", visit_id: visitId, sdp: pc.localDescription.sdp });
      });
  }

  function listen(tile) {
    var on = tile.videos[0].muted;
    Object.keys(tiles).forEach(function (id) {
      tiles[id].videos.forEach(function (v) { v.muted = true; });
      if (tiles[id].listenButton) tiles[id].listenButton.textContent = t("listen");
    });
    tile.videos.forEach(function (v) { v.muted = !on; });
    tile.listenButton.textContent = on ? t("stop_listening") : t("listen");
  }

  function post(path, body) {
    return fetch(path, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(body || {})
    });
  }

  function endVisit(visitId) {
    var reason = window.prompt(t("end_reason"));
    if (reason === null) return;
    post("/api/visits/" + visitId + "/end", { reason: reason || "supervisor" });
  }

  function flagVisit(visitId) {
    var reason = window.prompt(t("flag_reason"));
    if (reason) post("/api/visits/" + visitId + "/flag", { reason: reason });
  }

  function addTile(v) {
    var tile = { el: el("section", "tile"), videos: [], info: v };
    tile.el.dataset.visit = v.visit_id;
    tile.title = el("h2", "", "#" + v.ticket_number + " " + v.visitor_name + " (" +
                    t("rel_" + v.relation) + ") → " + v.inmate_name);
    tile.meta = el("p", "meta");
    tile.el.appendChild(tile.title);
    tile.el.appendChild(tile.meta);
    if (v.legal) {
      tile.el.appendChild(el("p", "legal", t("legal_visit")));
    } else {
      var pair = el("div", "pair");
      ["family", "station"].forEach(function (side) {
        var figure = el("figure");
        var video = el("video");
        video.autoplay = true; video.muted = true; video.playsInline = true;
        video.dataset.side = side;
        tile.videos.push(video);
        figure.appendChild(video);
        figure.appendChild(el("figcaption", "", side === "family" ? v.visitor_name
                                                                  : v.inmate_name));
        pair.appendChild(figure);
      });
      tile.el.appendChild(pair);
      tile.quality = el("p", "quality");
      tile.el.appendChild(tile.quality);
      tile.listenButton = el("button", "", t("listen"));
      tile.listenButton.addEventListener("click", function () { listen(tile); });
      tile.el.appendChild(tile.listenButton);
      tile.recordButton = el("button", "", t("record"));
      tile.recordButton.addEventListener("click", function () {
        post("/api/visits/" + v.visit_id + "/recording");
      });
      tile.el.appendChild(tile.recordButton);
      watch(tile, v.visit_id);
    }
    var flag = el("button", "", t("flag"));
    flag.addEventListener("click", function () { flagVisit(v.visit_id); });
    tile.el.appendChild(flag);
    var end = el("button", "danger", t("end"));
    end.addEventListener("click", function () { endVisit(v.visit_id); });
    tile.el.appendChild(end);
    $("tiles").appendChild(tile.el);
    tiles[v.visit_id] = tile;
  }

  function removeTile(id) {
    var tile = tiles[id];
    if (tile.pc) { tile.pc.close(); send({ type: "unmonitor", visit_id: Number(id) }); }
    tile.el.remove();
    delete tiles[id];
  }

  function render(snapshot) {
    var live = {};
    snapshot.visits.forEach(function (v) { if (v.state === "live") live[v.visit_id] = v; });
    Object.keys(tiles).forEach(function (id) { if (!live[id]) removeTile(id); });
    Object.keys(live).forEach(function (id) {
      // A visit marked legal mid-way loses its media on the wall at once.
      if (tiles[id] && tiles[id].info.legal !== live[id].legal) removeTile(id);
      if (!tiles[id]) addTile(live[id]);
      tiles[id].info = live[id];
      if (tiles[id].recordButton) {
        tiles[id].recordButton.disabled = live[id].recording;
        tiles[id].recordButton.textContent = live[id].recording ? t("recording_now") : t("record");
      }
    });
    $("empty").hidden = Object.keys(tiles).length > 0;
  }

  function tick() {
    Object.keys(tiles).forEach(function (id) {
      var tile = tiles[id], v = tile.info;
      var left = Math.max(0, Math.round((v.ends_at - Date.now() - clockOffset) / 1000));
      var lost = v.legs_lost.length ? " · " + t("leg_lost_short") : "";
      tile.meta.textContent = v.station_name + " · " + t("time_left") + " " + fmt(left) + lost;
      if (!tile.pc) return;
      tile.pc.getStats().then(function (stats) {
        var fps = [];
        stats.forEach(function (r) {
          if (r.type === "inbound-rtp" && r.kind === "video") fps.push(Math.round(r.framesPerSecond || 0));
        });
        tile.quality.textContent = t("quality") + ": " + fps.join(" / ") + " fps";
      });
    });
  }

  function connect() {
    var proto = location.protocol === "https:" ? "wss://" : "ws://";
    ws = new WebSocket(proto + location.host + "/ws/console");
    ws.onmessage = function (ev) {
      var msg = JSON.parse(ev.data);
      if (msg.type === "console") {
        clockOffset = msg.server_now - Date.now();
        render(msg);
      } else if (msg.type === "monitor_answer" && tiles[msg.visit_id]) {
        tiles[msg.visit_id].pc.setRemoteDescription({ type: "answer", sdp: msg.sdp });
      } else if (msg.type === "error") {
        var box = el("p", "alert", msg.message);
        $("alerts").appendChild(box);
        setTimeout(function () { box.remove(); }, 8000);
      }
    };
    ws.onclose = function (ev) {
      Object.keys(tiles).forEach(removeTile);
      if (ev.code === 4401) { location.href = "/login"; return; }
      setTimeout(connect, 2000);
    };
  }
  connect();
  setInterval(tick, 1000);
})();
