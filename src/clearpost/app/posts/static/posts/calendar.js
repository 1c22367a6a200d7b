// Calendar: drag a post chip to another day to move it. Keeps the time of day; the
// server re-runs the checks. Keyboard users open the post and use its "Move" form.
(function () {
  "use strict";
  var status = document.getElementById("cal-status");
  var dragged = null;
  function csrf() {
    try { return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"]; }
    catch (e) { return ""; }
  }
  document.querySelectorAll(".chip[draggable=true]").forEach(function (chip) {
    chip.addEventListener("dragstart", function (event) {
      dragged = chip;
      event.dataTransfer.setData("text/plain", chip.getAttribute("data-post"));
      event.dataTransfer.effectAllowed = "move";
    });
  });
  document.querySelectorAll(".cal .day").forEach(function (day) {
    day.addEventListener("dragover", function (event) {
      if (dragged) { event.preventDefault(); day.classList.add("drop"); }
    });
    day.addEventListener("dragleave", function () { day.classList.remove("drop"); });
    day.addEventListener("drop", function (event) {
      event.preventDefault();
      day.classList.remove("drop");
      if (!dragged) { return; }
      var chip = dragged;
      dragged = null;
      var body = new URLSearchParams();
      body.set("date", day.getAttribute("data-date"));
      status.textContent = "Moving…";
      fetch(chip.getAttribute("data-reschedule-url"), {
        method: "POST",
        headers: { "X-CSRFToken": csrf(), "X-Requested-With": "fetch" },
        body: body,
        credentials: "same-origin"
      }).then(function (response) {
        if (response.status === 204) {
          status.textContent = response.headers.get("X-ClearPost-Message") || "Moved.";
          window.location.reload();
        } else {
          return response.text().then(function (text) {
            status.textContent = "Not moved: " + (text || response.status);
          });
        }
      }).catch(function () { status.textContent = "Not moved: the connection failed."; });
    });
  });
})();
