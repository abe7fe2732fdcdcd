// The coding view's keyboard: number keys tick the categories of the answer shown (or of the
// answer the focus is in), S saves, J/N and K/P move to the next and previous answer, U to the
// next answer not coded yet. Keys typed into a text box are left alone. The page works the
// same without this script: every key has a button or a link.
(function () {
  "use strict";
  var form = document.querySelector(".coding-form");
  var select = document.querySelector("[data-navigate]");
  if (select) {
    select.addEventListener("change", function () {
      window.location.assign(select.value);
    });
  }
  if (!form) {
    return;
  }
  var help = form.querySelector(".keyboard-help");
  if (help) {
    help.hidden = false;
  }
  function currentItem() {
    var active = document.activeElement;
    var item = active && active.closest ? active.closest(".coding-item") : null;
    return item || form.querySelector(".coding-item");
  }
  function shortcut(key) {
    return document.querySelector('[data-shortcut~="' + key + '"]');
  }
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.ctrlKey || event.metaKey || event.altKey) {
      return;
    }
    if (target.tagName === "TEXTAREA" || target.tagName === "SELECT" ||
        (target.tagName === "INPUT" && target.type !== "checkbox")) {
      return;
    }
    var key = event.key.toLowerCase();
    if (/^[1-9]$/.test(key)) {
      var box = currentItem().querySelector('input[data-key="' + key + '"]');
      if (box && !box.disabled) {
        box.click();
        event.preventDefault();
      }
      return;
    }
    var control = shortcut(key);
    if (control) {
      event.preventDefault();
      control.click();
    }
  });
})();
