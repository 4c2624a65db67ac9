// The block officer's page: whom to bring (in call order, with the register's photo) and whom to
// take back, live from the escort socket; each step goes through the JSON API. As a block's
// loudspeaker (?pengeras=1) it calls each new inmate of its block aloud, once.
"use strict";
(function () {
  var strings = JSON.parse(document.getElementById("strings").textContent);
  var csrf = document.body.dataset.csrf;
  var block = document.body.dataset.block;
  var $ = function (id) { return document.getElementById(id); };
  var t = function (k, v) {
    var text = strings[k] || k;
    Object.keys(v || {}).forEach(function (n) { text = text.replace("{" + n + "}", v[n]); });
    return text;
  };
  var last = null, clockOffset = 0;
  var speakerOn = false, announced = {}, playing = Promise.resolve();

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k]; else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) node.appendChild(c); });
    return node;
  }

  function say(text, cls) {
    var box = el("p", { "class": cls || "alert", text: text });
    $("alerts").appendChild(box);
    setTimeout(function () { box.remove(); }, 10000);
  }

  function post(path, body) {
    return fetch(path, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(body || {})
    }).then(function (r) {
      if (!r.ok) r.json().then(function (d) { say(d.error ? d.error.message : r.statusText); });
    });
  }

  function button(label, onClick, cls) {
    var b = el("button", { type: "button", text: label, "class": cls || "" });
    b.addEventListener("click", function () { b.disabled = true; onClick(); });
    return b;
  }

  function photo(row) {
    var img = el("img", { "class": "portrait", alt: row.inmate_name,
                          src: "/api/inmates/" + row.inmate_id + "/photo" });
    img.addEventListener("error", function () {
      img.replaceWith(el("span", { "class": "portrait none", text: t("no_photo") }));
    });
    return img;
  }

  function play(visitId) {
    // One call after the other, never two voices at once.
    playing = playing.then(function () {
      return new Promise(function (done) {
        var audio = new Audio("/api/visits/" + visitId + "/announcement.wav");
        audio.onended = audio.onerror = function () { done(); };
        audio.play().catch(function () { done(); });
      });
    });
  }

  function card(row, actions, returning) {
    var minutes = Math.max(0, Math.floor((Date.now() + clockOffset - row.at) / 60000));
    var where = row.block + (row.cell ? " · " + t("cell_of", { cell: row.cell }) : "");
    return el("li", { "data-visit": row.visit_id, "class": "escort-row step-" + row.step }, [
      photo(row),
      el("div", { "class": "who" }, [
        el("p", { "class": "name", text: row.inmate_name }),
        el("p", { text: row.reg_number }),
        el("p", { "class": "where", text: where }),
        el("p", { "class": "to", text: returning ? row.station_name + " → " + row.block
                                                  : t("to_station", { station: row.station_name }) }),
        el("p", { "class": "step", text: t("step_" + row.step) + " · " +
                                         t("since_minutes", { n: minutes }) })
      ]),
      el("div", { "class": "actions" }, actions)
    ]);
  }

  function mine(row) { return !block || row.block === block; }

  function render() {
    var bring = $("to-bring"), back = $("to-return");
    bring.textContent = ""; back.textContent = "";
    var rows = last.to_bring.filter(mine);
    rows.forEach(function (row) {
      var actions = [];
      if (row.step === "called") {
        actions.push(button(t("btn_fetching"), function () {
          post("/api/visits/" + row.visit_id + "/escort", { step: "fetching" });
        }, "primary"));
      }
      if (row.step !== "arrived") {
        actions.push(button(t("btn_arrived"), function () {
          post("/api/visits/" + row.visit_id + "/escort", { step: "arrived" });
        }));
      }
      actions.push(button(t("play_call"), function () { play(row.visit_id); }, "link"));
      bring.appendChild(card(row, actions, false));
    });
    if (!rows.length) bring.appendChild(el("li", { "class": "hint", text: t("nobody_to_bring") }));
    var backs = last.to_return.filter(mine);
    backs.forEach(function (row) {
      var actions = row.step === "checked_out" ? [button(t("btn_returned"), function () {
        post("/api/visits/" + row.visit_id + "/returned", {});
      }, "primary")] : [];
      back.appendChild(card(row, actions, true));
    });
    if (!backs.length) back.appendChild(el("li", { "class": "hint", text: t("nobody_to_return") }));
  }

  function announceNew() {
    last.to_bring.filter(mine).forEach(function (row) {
      if (announced[row.visit_id]) return;
      announced[row.visit_id] = true;
      if (speakerOn && row.step === "called") play(row.visit_id);
    });
  }

  function connect() {
    var proto = location.protocol === "https:" ? "wss://" : "ws://";
    var ws = new WebSocket(proto + location.host + "/ws/escort");
    ws.onopen = function () { $("conn").hidden = true; };
    ws.onmessage = function (ev) {
      var msg = JSON.parse(ev.data);
      if (msg.type !== "escort") return;
      last = msg;
      clockOffset = msg.server_now - Date.now();
      render();
      announceNew();
    };
    ws.onclose = function () {
      $("conn").textContent = t("reconnecting");
      $("conn").hidden = false;
      setTimeout(connect, 2000);
    };
  }

  // Browsers play sound only after a tap on the page: the loudspeaker is switched on by hand,
  // and calls made before that are not read out afterwards.
  var speaker = $("speaker-btn");
  if (speaker) {
    speaker.addEventListener("click", function () {
      speakerOn = !speakerOn;
      speaker.textContent = t(speakerOn ? "speaker_off" : "speaker_on");
      speaker.classList.toggle("primary", !speakerOn);
      if (speakerOn) say(t("speaker_listening"), "notice");
    });
  }
  connect();
  setInterval(function () { if (last) render(); }, 30000);
})();
