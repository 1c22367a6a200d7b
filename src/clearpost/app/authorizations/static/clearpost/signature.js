// Drawn signature on a <canvas>: pointer events cover touch, pen and mouse alike.
// Strokes are kept so "Undo" removes the last one; the PNG goes into a hidden field.
(function () {
  var canvas = document.getElementById("signature-pad");
  var form = document.getElementById("sign-form");
  if (!canvas || !form) { return; }
  var ctx = canvas.getContext("2d");
  var strokes = [];
  var current = null;

  function point(ev) {
    var box = canvas.getBoundingClientRect();
    return [(ev.clientX - box.left) * canvas.width / box.width,
            (ev.clientY - box.top) * canvas.height / box.height];
  }
  function redraw() {
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    ctx.lineWidth = 4; ctx.lineCap = "round"; ctx.lineJoin = "round"; ctx.strokeStyle = "#111";
    strokes.forEach(function (s) {
      ctx.beginPath();
      ctx.moveTo(s[0][0], s[0][1]);
      if (s.length === 1) { ctx.lineTo(s[0][0] + 0.1, s[0][1] + 0.1); }
      for (var i = 1; i < s.length; i++) { ctx.lineTo(s[i][0], s[i][1]); }
      ctx.stroke();
    });
  }
  canvas.addEventListener("pointerdown", function (ev) {
    ev.preventDefault();
    canvas.setPointerCapture(ev.pointerId);
    current = [point(ev)];
    strokes.push(current);
    redraw();
  });
  canvas.addEventListener("pointermove", function (ev) {
    if (!current) { return; }
    ev.preventDefault();
    current.push(point(ev));
    redraw();
  });
  function end() { current = null; }
  canvas.addEventListener("pointerup", end);
  canvas.addEventListener("pointercancel", end);
  canvas.addEventListener("pointerleave", end);
  document.getElementById("sig-undo").addEventListener("click", function () { strokes.pop(); redraw(); });
  document.getElementById("sig-clear").addEventListener("click", function () { strokes = []; redraw(); });

  var relationship = document.getElementById("id_relationship");
  var authority = document.getElementById("authority-field");
  function toggleAuthority() {
    if (relationship && authority) { authority.style.display = relationship.value === "self" ? "none" : ""; }
  }
  if (relationship) { relationship.addEventListener("change", toggleAuthority); toggleAuthority(); }

  form.addEventListener("submit", function () {
    form.querySelector("input[name=signature]").value = strokes.length ? canvas.toDataURL("image/png") : "";
  });
})();
