// The officer console: today's queue, the stations and the visits, live from the console socket;
// every action goes through the JSON API with the session's CSRF token.
"use strict";
(function () {
  var strings = JSON.parse(document.getElementById("strings").textContent);
  var csrf = document.body.dataset.csrf;
  var t = function (k, v) {
    var text = strings[k] || k;
    Object.keys(v || {}).forEach(function (n) { text = text.replace("{" + n + "}", v[n]); });
    return text;
  };
  var $ = function (id) { return document.getElementById(id); };
  var snapshot = null, clockOffset = 0;

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k]; else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { node.appendChild(c); });
    return node;
  }

  function api(path, body) {
    return fetch(path, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(body || {})
    }).then(function (r) {
      return r.json().then(function (data) {
        if (!r.ok) alertBox(data.error ? data.error.message : r.statusText);
        return data;
      });
    });
  }

  function alertBox(text) {
    var box = el("p", { "class": "alert", text: text });
    $("alerts").appendChild(box);
    setTimeout(function () { box.remove(); }, 10000);
  }

  function button(label, onClick, cls) {
    var b = el("button", { type: "button", text: label, "class": cls || "" });
    b.addEventListener("click", onClick);
    return b;
  }

  function fmt(seconds) {
    var m = Math.floor(seconds / 60), s = seconds % 60;
    return m + ":" + (s < 10 ? "0" : "") + s;
  }

  function render() {
    var snap = snapshot;
    var st = $("stations").tBodies[0]; st.textContent = "";
    snap.stations.forEach(function (s) {
      var actions = s.visit_id ? [] :
        [button(t("call_next"), function () { api("/api/visits", { station_id: s.station_id }); })];
      st.appendChild(el("tr", { "data-station": s.station_id }, [
        el("td", { text: s.name }),
        el("td", { text: s.online ? t("online") : t("offline"), "class": s.online ? "ok" : "muted" }),
        el("td", {}, actions.length ? actions : [el("span", { text: t("busy") })])
      ]));
    });
    var vt = $("visits").tBodies[0]; vt.textContent = "";
    if (!snap.visits.length) vt.appendChild(el("tr", {}, [el("td", { text: t("none") })]));
    snap.visits.forEach(function (v) {
      var actions = [];
      if (v.state === "called") {
        actions.push(button(t("start"), function () {
          api("/api/visits/" + v.visit_id + "/start", { inmate_confirmed: true });
        }, "primary"));
        // The cause decides what becomes of the family's ticket: the facility's own trouble
        // puts it first in the queue again (or owes a make-up), the family's absence ends it.
        ["inmate_unavailable", "station_fault", "family_absent"].forEach(function (cause) {
          actions.push(button(t("cancel_" + cause), function () {
            api("/api/visits/" + v.visit_id + "/end", { reason: cause });
          }));
        });
      } else if (v.state === "live") {
        actions.push(button(t("extend"), function () {
          api("/api/visits/" + v.visit_id + "/extend", { seconds: 300 });
        }));
        actions.push(button(t("end"), function () {
          api("/api/visits/" + v.visit_id + "/end", { reason: "officer" });
        }, "danger"));
      }
      // While a line is down the visit's clock stands still at what the server last said.
      var left = v.paused ? v.seconds_left
        : v.ends_at ? Math.max(0, Math.round((v.ends_at - Date.now() - clockOffset) / 1000))
        : v.allotted_seconds;
      var rowClass = (v.legs_lost.length ? "lost" : "") + (v.paused ? " paused" : "");
      vt.appendChild(el("tr", { "data-visit": v.visit_id, "class": rowClass }, [
        el("td", { text: "#" + v.ticket_number + " " + v.visitor_name + " → " + v.inmate_name }),
        el("td", { text: v.station_name }),
        el("td", { "class": "visit-state", text: t(v.paused ? "vs_paused" : "vs_" + v.state) }),
        el("td", { "class": "left", text: fmt(left) }),
        el("td", {}, actions)
      ]));
    });
    $("call-length").textContent = Math.round(snap.call_seconds / 60) + " " + t("minutes");
    $("call-length-source").textContent = "(" + t("cl_" + snap.call_length_source) + ")";
    $("fair-share").textContent = snap.fair_share_seconds
      ? t("fair_share_is", { minutes: Math.round(snap.fair_share_seconds / 60) }) : "";
    $("unserved").hidden = !snap.unserved;
    $("unserved").textContent = snap.unserved ? t("unserved", { n: snap.unserved }) : "";
    var qt = $("queue").tBodies[0]; qt.textContent = "";
    snap.tickets.forEach(function (k) {
      var state = k.state === "waiting"
        ? (k.present ? t("present") : (k.skipped ? t("skipped") : t("absent")))
        : t("ts_" + k.state);
      var notes = [el("span", { text: state })];
      if (k.makeup_seconds) {
        notes.push(el("span", { "class": "badge", text: t("makeup_badge",
          { minutes: Math.round(k.makeup_seconds / 60) }) }));
      } else if (k.first && k.state === "waiting") {
        notes.push(el("span", { "class": "badge", text: t("first_badge") }));
      }
      if (k.makeup_seconds && k.state === "waiting") {
        notes.push(button(t("refuse_makeup"), function () {
          var reason = window.prompt(t("refuse_makeup_reason"));
          if (reason) api("/api/tickets/" + k.ticket_id + "/refuse-makeup", { reason: reason });
        }, "link"));
      }
      qt.appendChild(el("tr", { "data-ticket": k.ticket_id, "class": k.state }, [
        el("td", { text: k.number }), el("td", { text: k.visitor_name }),
        el("td", { text: k.inmate_name }), el("td", {}, notes)
      ]));
    });
  }

  function connect() {
    var proto = location.protocol === "https:" ? "wss://" : "ws://";
    var ws = new WebSocket(proto + location.host + "/ws/console");
    ws.onmessage = function (ev) {
      var msg = JSON.parse(ev.data);
      if (msg.type === "console") {
        snapshot = msg;
        clockOffset = msg.server_now - Date.now();
        render();
      } else if (msg.type === "leg_lost") {
        alertBox(t("leg_lost", { side: t("side_" + msg.side), station: msg.station_name,
                                 number: msg.ticket_number }));
      }
    };
    ws.onclose = function (ev) {
      // The session ended (logout, account off, new role or password): log in again.
      if (ev.code === 4401) { location.href = "/login"; return; }
      setTimeout(connect, 2000);
    };
  }
  connect();
  setInterval(function () { if (snapshot) render(); }, 1000);

  $("call-length-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    api("/api/call-length", { minutes: parseInt(ev.target.minutes.value, 10) });
  });
  $("use-fair-share").addEventListener("click", function () {
    api("/api/call-length", { minutes: null });
  });

  $("ticket-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var form = ev.target;
    api("/api/tickets", {
      visitor_name: form.visitor_name.value, relation: form.relation.value,
      inmate_id: parseInt(form.inmate_id.value, 10)
    }).then(function (data) {
      if (!data.link) return;
      $("ticket-link").textContent = data.link;
      $("ticket-link").href = data.link;
      $("ticket-result").hidden = false;
      form.visitor_name.value = "";
    });
  });
})();
