// Live results: poll the cheap version endpoint and, when it changes, fetch the dashboard's
// body again with the same filters and swap it in. No state lives in the server process, so
// this works with any number of workers. Without JavaScript the page has a Refresh link.
(function () {
  "use strict";

  var POLL_MS = 2000;
  var body = document.getElementById("results-body");
  if (!body || !window.fetch || !window.URL) return;
  var versionUrl = body.getAttribute("data-version-url");
  var status = document.getElementById("live-status");
  var busy = false;
  var stopped = false;

  document.querySelectorAll("[data-js-only]").forEach(function (element) {
    element.hidden = false;
  });

  function content() {
    return body.querySelector(".results-content");
  }

  function fragmentUrl() {
    var url = new URL(window.location.href);
    url.hash = "";
    url.searchParams.set("fragment", "1");
    var current = content();
    url.searchParams.set("previous", current ? current.getAttribute("data-total") || "" : "");
    return url.toString();
  }

  function openDetails() {
    var open = [];
    body.querySelectorAll("details[id]").forEach(function (details) {
      if (details.open) open.push(details.id);
    });
    return open;
  }

  function swap(html) {
    var template = document.createElement("template");
    template.innerHTML = html;
    var fresh = template.content.querySelector(".results-content");
    if (!fresh) return;
    var wasOpen = openDetails();
    body.replaceChildren(template.content);
    wasOpen.forEach(function (id) {
      var details = document.getElementById(id);
      if (details) details.open = true;
    });
    body.setAttribute("data-version", fresh.getAttribute("data-version") || "");
    var message = fresh.getAttribute("data-announce");
    if (status && message) {
      status.textContent = "";
      // A fresh text node after clearing makes screen readers announce it again.
      window.setTimeout(function () { status.textContent = message; }, 50);
    }
  }

  function check() {
    if (busy || stopped || document.hidden) return;
    busy = true;
    fetch(versionUrl, {
      credentials: "same-origin",
      cache: "no-store",
      headers: { Accept: "application/json" }
    })
      .then(function (response) {
        if (response.status === 401 || response.status === 403) {
          stopped = true;
          throw new Error("signed out");
        }
        if (!response.ok) throw new Error("version " + response.status);
        return response.json();
      })
      .then(function (data) {
        if (String(data.version) === body.getAttribute("data-version")) return null;
        return fetch(fragmentUrl(), { credentials: "same-origin", cache: "no-store" }).then(
          function (response) {
            // 400 still carries the page (a filter message above unfiltered results).
            if (!response.ok && response.status !== 400) throw new Error("body " + response.status);
            return response.text().then(swap);
          }
        );
      })
      .catch(function () { /* try again at the next tick; the Refresh link always works */ })
      .then(function () { busy = false; });
  }

  window.setInterval(check, POLL_MS);
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) check();
  });
})();
