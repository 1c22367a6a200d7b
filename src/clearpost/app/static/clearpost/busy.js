// Forms whose check takes a few seconds say so: on submit the button is disabled (no
// double submission) and the form's data-busy text appears in its status line.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-busy")) return;
    form.classList.add("is-busy");
    var note = form.querySelector(".busy-note");
    if (note) note.textContent = form.getAttribute("data-busy");
    form.querySelectorAll("button[type=submit]").forEach(function (b) {
      b.setAttribute("aria-disabled", "true");
      window.setTimeout(function () { b.disabled = true; }, 0);
    });
  });
})();
