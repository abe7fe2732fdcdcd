// Translations and coding pages: warn before leaving with changes typed but not saved.
(function () {
  "use strict";
  var form = document.querySelector(".translation-form");
  if (!form) {
    return;
  }
  var dirty = false;
  form.addEventListener("input", function (event) {
    if (event.target.tagName === "TEXTAREA" || event.target.type === "checkbox") {
      dirty = true;
    }
  });
  form.addEventListener("submit", function () {
    dirty = false;
  });
  window.addEventListener("beforeunload", function (event) {
    if (dirty) {
      event.preventDefault();
      event.returnValue = form.getAttribute("data-unsaved-warning") || "";
    }
  });
  var summary = document.getElementById("error-summary");
  if (summary) {
    summary.focus();
  }
})();
