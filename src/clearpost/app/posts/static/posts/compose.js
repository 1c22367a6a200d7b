// Compose page: caption templates, one-click fixes from the caption check, and the
// before/after timeframe. The check itself is htmx (debounced on the textarea).
(function () {
  "use strict";
  var caption = document.getElementById("caption");
  if (!caption) { return; }

  function changed() {
    caption.dispatchEvent(new Event("input", { bubbles: true }));
    caption.focus();
  }

  var template = document.getElementById("template");
  if (template) {
    template.addEventListener("change", function () {
      var opt = template.options[template.selectedIndex];
      var text = opt && opt.getAttribute("data-text");
      if (!text) { return; }
      caption.value = caption.value.trim() ? caption.value.trimEnd() + "\n" + text : text;
      var type = document.getElementById("post_type");
      if (type && !type.value) { type.value = opt.getAttribute("data-type") || ""; }
      changed();
    });
  }

  var check = document.getElementById("caption-check");
  if (!check) { return; }
  check.addEventListener("click", function (event) {
    var button = event.target.closest("button");
    if (!button) { return; }
    if (button.classList.contains("use-suggestion")) {
      caption.value = button.getAttribute("data-text") || caption.value;
      changed();
    } else if (button.classList.contains("insert-timeframe")) {
      var words = button.getAttribute("data-timeframe") || "";
      caption.value = caption.value.trim() ? caption.value.trimEnd() + " (" + words + ")" : words;
      changed();
    }
  });
})();
