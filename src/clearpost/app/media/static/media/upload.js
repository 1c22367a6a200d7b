// Uploader: drag and drop, several files at once, or the camera. Each file goes up in
// chunks with its own progress bar; a dropped connection resumes from the last byte
// the server has (it asks), not from the start. Refused files are listed with why.
(function () {
  "use strict";
  var form = document.getElementById("upload-form");
  if (!form || !window.fetch) { return; }
  var list = document.getElementById("upload-list");
  var zone = document.getElementById("dropzone");
  var chunkBytes = Number(form.dataset.chunkBytes) || 4194304;
  var startUrl = form.dataset.startUrl;
  var queue = [], busy = false;

  function csrf() {
    try { return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"]; } catch (e) { return ""; }
  }
  function row(file) {
    var li = document.createElement("li");
    var name = document.createElement("span"); name.className = "name"; name.textContent = file.name;
    var bar = document.createElement("progress"); bar.max = 100; bar.value = 0;
    bar.setAttribute("aria-label", "Upload of " + file.name);
    var note = document.createElement("span"); note.className = "note"; note.textContent = "waiting";
    li.appendChild(name); li.appendChild(bar); li.appendChild(note);
    list.appendChild(li);
    return { li: li, bar: bar, note: note };
  }
  function json(r) { return r.json().then(function (b) { return { status: r.status, body: b }; }, function () { return { status: r.status, body: {} }; }); }
  function wait(ms) { return new Promise(function (ok) { setTimeout(ok, ms); }); }
  function send(file, ui, id, offset, tries) {
    if (offset >= file.size) {
      ui.note.textContent = "checking";
      return fetch(form.action.replace(/upload\/$/, "uploads/") + id + "/finish/", {
        method: "POST", credentials: "same-origin", headers: { "X-CSRFToken": csrf() }
      }).then(json).then(function (res) {
        if (res.status === 201) {
          ui.li.className = "ok";
          ui.note.textContent = "";
          var a = document.createElement("a"); a.href = res.body.url; a.textContent = "kept: de-identifying, see progress";
          a.setAttribute("data-testid", "upload-done");
          ui.note.appendChild(a);
        } else {
          refused(ui, res.body);
        }
      });
    }
    var piece = file.slice(offset, Math.min(file.size, offset + chunkBytes));
    return fetch(form.action.replace(/upload\/$/, "uploads/") + id + "/?offset=" + offset, {
      method: "PUT", credentials: "same-origin", headers: { "X-CSRFToken": csrf(), "Content-Type": "application/octet-stream" }, body: piece
    }).then(json).then(function (res) {
      if (res.status === 200) {
        ui.bar.value = Math.round(100 * res.body.received / file.size);
        ui.note.textContent = ui.bar.value + "%";
        return send(file, ui, id, res.body.received, 0);
      }
      if (res.status === 409 && typeof res.body.received === "number") { return send(file, ui, id, res.body.received, tries); }
      if (res.status === 422) { refused(ui, res.body); return null; }
      throw new Error("server " + res.status);
    }).catch(function () {
      if (tries >= 20) { ui.note.textContent = "connection lost; upload again to resume"; ui.li.className = "bad"; return null; }
      ui.note.textContent = "connection lost, resuming…";
      return wait(Math.min(10000, 500 * Math.pow(2, tries))).then(function () {
        return fetch(form.action.replace(/upload\/$/, "uploads/") + id + "/", { credentials: "same-origin" })
          .then(json).then(function (res) { return send(file, ui, id, res.body.received || 0, tries + 1); },
            function () { return send(file, ui, id, offset, tries + 1); });
      });
    });
  }
  function refused(ui, body) {
    ui.li.className = "bad";
    ui.li.setAttribute("data-testid", "upload-refused");
    ui.note.textContent = "refused: " + (body.detail || "not accepted") + (body.reason ? " (" + body.reason + ")" : "");
  }
  function upload(file) {
    var ui = row(file);
    return fetch(startUrl, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
      body: JSON.stringify({ name: file.name, size: file.size })
    }).then(json).then(function (res) {
      if (res.status !== 201) { refused(ui, res.body); return null; }
      return send(file, ui, res.body.id, 0, 0);
    });
  }
  function pump() {
    if (busy || !queue.length) { return; }
    busy = true;
    upload(queue.shift()).catch(function () { return null; }).then(function () { busy = false; pump(); });
  }
  function add(files) { for (var i = 0; i < files.length; i++) { queue.push(files[i]); } pump(); }
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    add(document.getElementById("files").files);
    add(document.getElementById("camera").files);
    form.reset();
  });
  ["files", "camera"].forEach(function (id) {
    document.getElementById(id).addEventListener("change", function () { add(this.files); this.value = ""; });
  });
  zone.addEventListener("dragover", function (ev) { ev.preventDefault(); zone.classList.add("over"); });
  zone.addEventListener("dragleave", function () { zone.classList.remove("over"); });
  zone.addEventListener("drop", function (ev) { ev.preventDefault(); zone.classList.remove("over"); add(ev.dataTransfer.files); });
}());
