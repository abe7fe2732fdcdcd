// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  // Follow-up questions (q2_role, q5_budget) are shown only when their condition holds.
  // The server ignores them otherwise, so hiding is purely a convenience.
  function updateFollowUps(form) {
    form.querySelectorAll("[data-show-when]").forEach(function (block) {
      var name = block.getAttribute("data-show-when");
      var value = block.getAttribute("data-show-value");
      var chosen = form.querySelector('input[name="' + name + '"]:checked');
      block.hidden = !(chosen && chosen.value === value);
    });
  }

  document.querySelectorAll("form").forEach(function (form) {
    if (!form.querySelector("[data-show-when]")) return;
    updateFollowUps(form);
    form.addEventListener("change", function () { updateFollowUps(form); });
  });

  // After a failed submit the error summary takes the focus (autofocus does too, where the
  // browser honours it on any element), so screen readers read it first.
  var summary = document.getElementById("error-summary");
  if (summary && document.activeElement !== summary) summary.focus();

  // Times are stored in UTC and shown in the viewer's time zone: the server reads it from
  // this cookie (from the next page on), and this page's times are rewritten here.
  var zone = "";
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { zone = ""; }
  if (zone && document.cookie.indexOf("tz=" + encodeURIComponent(zone)) === -1) {
    document.cookie = "tz=" + encodeURIComponent(zone) + "; path=/; max-age=31536000; SameSite=Lax" +
      (location.protocol === "https:" ? "; Secure" : "");
  }
  document.querySelectorAll("time[data-local]").forEach(function (element) {
    var moment = new Date(element.getAttribute("datetime"));
    if (isNaN(moment.getTime())) return;
    element.textContent = new Intl.DateTimeFormat(document.documentElement.lang || undefined, {
      year: "numeric", month: "long", day: "numeric", hour: "2-digit", minute: "2-digit",
      timeZoneName: "short"
    }).format(moment);
  });

  // Typing in an "other" box ticks its option, as respondents expect.
  document.querySelectorAll("input.other-text").forEach(function (input) {
    input.addEventListener("input", function () {
      var option = input.parentElement.querySelector('input[value="other"]');
      if (option && input.value.trim() !== "" && !option.checked) {
        option.checked = true;
        option.dispatchEvent(new Event("change", { bubbles: true }));
      }
    });
  });
})();
