// The admin page: each form goes to the JSON API with the session's CSRF token; what the API
// says (an error in the user's language, a new kiosk link, an import report) is shown in place.
"use strict";
(function () {
  var strings = JSON.parse(document.getElementById("strings").textContent);
  var csrf = document.body.dataset.csrf;
  var $ = function (id) { return document.getElementById(id); };

  function say(text, ok) {
    var box = document.createElement("p");
    box.className = ok ? "notice" : "alert";
    box.textContent = text;
    $("alerts").appendChild(box);
    box.scrollIntoView({ block: "nearest" });
    setTimeout(function () { box.remove(); }, 12000);
  }

  function send(path, body, type) {
    return fetch(path, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": type || "application/json", "X-CSRF-Token": csrf },
      body: type ? body : JSON.stringify(body)
    }).then(function (r) {
      return r.json().then(function (data) { return { ok: r.ok, data: data }; });
    });
  }

  document.querySelectorAll("form[data-api]").forEach(function (form) {
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var body = {};
      Array.prototype.forEach.call(form.elements, function (f) {
        if (!f.name) return;
        if (f.type === "checkbox") body[f.name] = f.checked;
        else if (f.hasAttribute("data-keep-empty") && !f.value) return;  // keep the old secret
        else body[f.name] = f.value;
      });
      send(form.dataset.api, body).then(function (res) {
        if (!res.ok) { say(res.data.error.message, false); return; }
        if (form.dataset.show) {
          $("kiosk-link").hidden = false;
          $("kiosk-link").textContent = strings.kiosk_link_once + " " + res.data[form.dataset.show];
          return;
        }
        say(strings.saved, true);
        if (form.id === "staff-form") location.reload();
      });
    });
  });

  document.querySelectorAll("[data-link]").forEach(function (b) {
    b.addEventListener("click", function () {
      send("/api/admin/stations/" + b.dataset.link + "/link", {}).then(function (res) {
        if (!res.ok) { say(res.data.error.message, false); return; }
        $("kiosk-link").hidden = false;
        $("kiosk-link").textContent = strings.kiosk_link_once + " " + res.data.kiosk_link;
      });
    });
  });

  document.querySelectorAll("[data-role]").forEach(function (sel) {
    sel.addEventListener("change", function () {
      send("/api/admin/staff/" + sel.dataset.role, { role: sel.value }).then(function (res) {
        say(res.ok ? strings.saved : res.data.error.message, res.ok);
      });
    });
  });

  document.querySelectorAll("[data-active]").forEach(function (b) {
    b.addEventListener("click", function () {
      send("/api/admin/staff/" + b.dataset.active, { active: b.dataset.value === "true" })
        .then(function (res) {
          if (res.ok) location.reload(); else say(res.data.error.message, false);
        });
    });
  });

  $("register-upload").addEventListener("click", function () {
    var file = $("register-file").files[0];
    if (!file) return;
    send("/api/admin/inmates", file, "text/csv").then(function (res) {
      var report = $("register-report");
      report.textContent = "";
      var head = document.createElement("p");
      head.textContent = res.ok
        ? strings.import_done.replace("{added}", res.data.added).replace("{updated}", res.data.updated)
            .replace("{gone}", res.data.no_longer_visitable)
        : (res.data.error ? res.data.error.message : strings.import_refused);
      report.appendChild(head);
      var list = document.createElement("ul");
      (res.data.rejected || []).forEach(function (r) {
        var li = document.createElement("li");
        li.textContent = strings.line + " " + r.line + ": " + r.reason;
        list.appendChild(li);
      });
      report.appendChild(list);
    });
  });

  // Photos: the native file picker names its button in the browser's language, so it is hidden
  // behind a label in ours, and the chosen file's name is shown beside it.
  function upload(path, field, file) {
    var form = new FormData();
    form.append(field, file);
    return fetch(path, { method: "POST", credentials: "same-origin",
                         headers: { "X-CSRF-Token": csrf }, body: form })
      .then(function (r) { return r.json().then(function (data) { return { ok: r.ok, data: data }; }); });
  }

  $("zip-file").addEventListener("change", function () {
    var file = $("zip-file").files[0];
    document.querySelector("[data-for='zip-file']").textContent = file ? file.name : strings.no_file;
  });
  $("zip-upload").addEventListener("click", function () {
    var file = $("zip-file").files[0];
    if (!file) { say(strings.no_file, false); return; }
    upload("/api/admin/inmates/photos", "zip", file).then(function (res) {
      var report = $("zip-report");
      report.textContent = "";
      var head = document.createElement("p");
      head.className = res.ok ? "notice" : "alert";
      head.textContent = res.ok ? strings.photos_stored.replace("{n}", res.data.stored)
        : (res.data.error ? res.data.error.message : strings.photos_refused);
      report.appendChild(head);
      var list = document.createElement("ul");
      (res.data.rejected || []).forEach(function (r) {
        var li = document.createElement("li");
        li.textContent = (r.entry ? r.entry + ": " : "") + r.reason;
        list.appendChild(li);
      });
      report.appendChild(list);
      if (res.ok) setTimeout(function () { location.reload(); }, 1500);
    });
  });

  document.querySelectorAll("[data-photo]").forEach(function (input) {
    input.addEventListener("change", function () {
      var file = input.files[0], id = input.dataset.photo;
      if (!file) return;
      document.querySelector("[data-for-photo='" + id + "']").textContent = file.name;
      upload("/api/admin/inmates/" + id + "/photo", "foto", file).then(function (res) {
        if (!res.ok) { say(res.data.error.message, false); return; }
        say(strings.saved, true);
        var cell = document.querySelector("tr[data-inmate='" + id + "'] td");
        cell.textContent = "";
        var img = document.createElement("img");
        img.className = "thumb";
        img.alt = "";
        img.src = res.data.photo + "?t=" + Date.now();
        cell.appendChild(img);
      });
    });
  });
})();
