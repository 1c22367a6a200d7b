// SEC-AUTO-LOGOFF on shared tablets: leave the page once the idle time has passed,
// even if nobody touches it again (the server also enforces it on the next request).
(function () {
  var limit = parseInt(document.body.dataset.idleSeconds || "0", 10);
  if (!limit) return;
  var last = Date.now();
  ["click", "keydown", "pointerdown", "scroll", "touchstart"].forEach(function (e) {
    window.addEventListener(e, function () { last = Date.now(); }, { passive: true });
  });
  setInterval(function () {
    if (Date.now() - last > limit * 1000) { window.location.href = document.body.dataset.idleUrl; }
  }, 15000);
})();
