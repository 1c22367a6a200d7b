// Region editor: rectangle, ellipse and free polygon over the picture, in the picture's
// own pixels (the SVG viewBox is the image size), with undo and zoom. Pointer events
// cover mouse, pen and touch alike. Saved in the engine's regions format.
// Video: with "Follow the picture" on, each box drawn adds a keyframe {t, box} at the
// player's current time to the same region; the engine interpolates between them.
(function () {
  "use strict";
  var editor = document.getElementById("editor");
  if (!editor) { return; }
  var NS = "http://www.w3.org/2000/svg";
  var svg = document.getElementById("drawing");
  var canvas = document.getElementById("canvas");
  var picture = document.getElementById("picture");
  var isVideo = editor.dataset.kind === "video";
  var width = Number(editor.dataset.width), height = Number(editor.dataset.height);
  var regions = [];
  try { regions = JSON.parse(document.getElementById("regions-data").textContent) || []; } catch (e) { regions = []; }
  var drag = null, poly = [], zoom = 1, track = null;
  var stroke = Math.max(2, Math.round(Math.max(width, height) / 300));

  function tool() { return document.querySelector("input[name=tool]:checked").value; }
  function label() { return document.getElementById("region-label").value.trim().slice(0, 200); }
  function point(ev) {
    var p = svg.createSVGPoint(); p.x = ev.clientX; p.y = ev.clientY;
    var q = p.matrixTransform(svg.getScreenCTM().inverse());
    return [Math.max(0, Math.min(width, Math.round(q.x))), Math.max(0, Math.min(height, Math.round(q.y)))];
  }
  function el(name, attrs) {
    var e = document.createElementNS(NS, name);
    Object.keys(attrs).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    return e;
  }
  function shapeFor(r, cls) {
    var g;
    if (r.polygon) {
      g = el("polygon", { points: r.polygon.map(function (p) { return p.join(","); }).join(" ") });
    } else if (r.shape === "ellipse") {
      g = el("ellipse", { cx: r.box[0] + r.box[2] / 2, cy: r.box[1] + r.box[3] / 2, rx: r.box[2] / 2, ry: r.box[3] / 2 });
    } else {
      g = el("rect", { x: r.box[0], y: r.box[1], width: r.box[2], height: r.box[3] });
    }
    g.setAttribute("class", cls);
    g.setAttribute("stroke-width", stroke);
    return g;
  }
  function timeOf(id) { var v = Number(document.getElementById(id).value); return isFinite(v) && v >= 0 ? v : 0; }
  function withTime(r) {
    if (isVideo) {
      var a = timeOf("t-start"), b = timeOf("t-end");
      if (b <= a) { b = a + 1; }
      r.time = [a, b];
    }
    return r;
  }
  function now() { return isVideo ? Math.round(picture.currentTime * 10) / 10 : 0; }
  function boxAt(kfs, t) {  // the engine's rule: linear between keyframes, held at the ends
    if (t <= kfs[0].t) { return kfs[0].box; }
    for (var i = 1; i < kfs.length; i++) {
      if (t <= kfs[i].t) {
        var a = kfs[i - 1], b = kfs[i], f = (t - a.t) / (b.t - a.t);
        return a.box.map(function (v, k) { return Math.round(v + (b.box[k] - v) * f); });
      }
    }
    return kfs[kfs.length - 1].box;
  }
  function following() { var f = document.getElementById("follow"); return isVideo && f && f.checked; }
  function addKeyframe(box, shape) {
    var kf = { t: now(), box: box };
    var r = track === null ? null : regions[track];
    if (!r || !r.keyframes) {
      r = withTime({ keyframes: [], label: label() });
      if (shape === "ellipse") { r.shape = "ellipse"; }
      regions.push(r); track = regions.length - 1;
    }
    r.keyframes = r.keyframes.filter(function (k) { return k.t !== kf.t; }).concat([kf]);
    r.keyframes.sort(function (a, b) { return a.t - b.t; });
  }
  function render() {
    while (svg.firstChild) { svg.removeChild(svg.firstChild); }
    regions.forEach(function (r, i) {
      if (!r.keyframes) { svg.appendChild(shapeFor(r, "region")); return; }
      svg.appendChild(shapeFor({ box: boxAt(r.keyframes, now()), shape: r.shape }, i === track ? "region moving drawing-now" : "region moving"));
    });
    if (drag && drag.box) { svg.appendChild(shapeFor({ box: drag.box, shape: drag.shape }, "region drawing-now")); }
    if (poly.length) {
      var line = el("polyline", { points: poly.map(function (p) { return p.join(","); }).join(" "), "class": "region drawing-now", "stroke-width": stroke });
      svg.appendChild(line);
      poly.forEach(function (p) { svg.appendChild(el("circle", { cx: p[0], cy: p[1], r: stroke * 2, "class": "vertex" })); });
    }
    var text = regions.length + (regions.length === 1 ? " region" : " regions") + " marked.";
    if (track !== null && regions[track] && regions[track].keyframes) {
      text += " Moving region: " + regions[track].keyframes.length + " keyframe(s) at " +
        regions[track].keyframes.map(function (k) { return k.t.toFixed(1) + " s"; }).join(", ") + ".";
    }
    document.getElementById("region-count").textContent = text;
  }
  svg.addEventListener("pointerdown", function (ev) {
    ev.preventDefault();
    var p = point(ev);
    if (tool() === "polygon") {
      if (poly.length >= 3 && Math.hypot(p[0] - poly[0][0], p[1] - poly[0][1]) < stroke * 6) { closePolygon(); return; }
      poly.push(p); render(); return;
    }
    svg.setPointerCapture(ev.pointerId);
    drag = { start: p, shape: tool(), box: null };
  });
  svg.addEventListener("pointermove", function (ev) {
    if (!drag) { return; }
    var p = point(ev);
    var x = Math.min(p[0], drag.start[0]), y = Math.min(p[1], drag.start[1]);
    drag.box = [x, y, Math.abs(p[0] - drag.start[0]), Math.abs(p[1] - drag.start[1])];
    render();
  });
  function endDrag() {
    if (drag && drag.box && drag.box[2] >= 3 && drag.box[3] >= 3 && following()) {
      addKeyframe(drag.box, drag.shape);
    } else if (drag && drag.box && drag.box[2] >= 3 && drag.box[3] >= 3) {
      var r = { box: drag.box, label: label() };
      if (drag.shape === "ellipse") { r.shape = "ellipse"; }
      regions.push(withTime(r));
    }
    drag = null; render();
  }
  svg.addEventListener("pointerup", endDrag);
  svg.addEventListener("pointercancel", function () { drag = null; render(); });
  function closePolygon() {
    if (poly.length >= 3) { regions.push(withTime({ polygon: poly.slice(), label: label() })); }
    poly = []; render();
  }
  document.getElementById("close-shape").addEventListener("click", closePolygon);
  document.getElementById("undo").addEventListener("click", function () {
    var last = regions[regions.length - 1];
    if (poly.length) { poly.pop(); }
    else if (track === regions.length - 1 && last && last.keyframes && last.keyframes.length > 1) { last.keyframes.pop(); }
    else { regions.pop(); track = null; }
    render();
  });
  function setZoom(z) {
    zoom = Math.max(1, Math.min(4, z));
    canvas.dataset.zoom = String(zoom);
    canvas.className = "canvas zoom-" + String(zoom).replace(".", "-");
  }
  document.getElementById("zoom-in").addEventListener("click", function () { setZoom(zoom + 0.5); });
  document.getElementById("zoom-out").addEventListener("click", function () { setZoom(zoom - 0.5); });
  if (isVideo) {
    var seek = document.getElementById("seek"), shown = document.getElementById("now");
    var onMeta = function () {
      seek.max = String(picture.duration || 0);
      var end = document.getElementById("t-end");
      if (Number(end.value) === 0 && picture.duration) { end.value = picture.duration.toFixed(1); }  // whole video unless narrowed
    };
    picture.addEventListener("loadedmetadata", onMeta);
    if (picture.readyState >= 1) { onMeta(); }  // the metadata may have loaded before this script ran
    picture.addEventListener("timeupdate", function () { seek.value = String(picture.currentTime); shown.textContent = picture.currentTime.toFixed(1); render(); });
    picture.addEventListener("seeked", render);
    seek.addEventListener("input", function () { picture.currentTime = Number(seek.value); });
    document.getElementById("new-track").addEventListener("click", function () { track = null; document.getElementById("follow").checked = true; render(); });
    document.getElementById("play").addEventListener("click", function () { if (picture.paused) { picture.play(); } else { picture.pause(); } });
    document.getElementById("t-now-start").addEventListener("click", function () { document.getElementById("t-start").value = picture.currentTime.toFixed(1); });
    document.getElementById("t-now-end").addEventListener("click", function () { document.getElementById("t-end").value = picture.currentTime.toFixed(1); });
  }
  document.addEventListener("keydown", function (ev) {
    if ((ev.ctrlKey || ev.metaKey) && ev.key === "z") { ev.preventDefault(); document.getElementById("undo").click(); }
    if (ev.key === "Enter" && poly.length >= 3) { closePolygon(); }
  });
  function csrf() {
    try { return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"]; } catch (e) { return ""; }
  }
  document.getElementById("save").addEventListener("click", function () {
    var button = this;
    button.disabled = true;
    document.getElementById("save-error").textContent = "";
    fetch(editor.dataset.saveUrl, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
      body: JSON.stringify({ regions: regions })
    }).then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); })
      .then(function (res) {
        if (res.ok) { window.location.assign(res.body.url); return; }
        document.getElementById("save-error").textContent = res.body.detail || "The regions could not be saved.";
        button.disabled = false;
      })
      .catch(function () { document.getElementById("save-error").textContent = "No connection: nothing was saved. Try again."; button.disabled = false; });
  });
  render();
}());
