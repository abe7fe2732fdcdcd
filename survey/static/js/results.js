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

  showJsOnly(document);

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
    showJsOnly(body);
    markScrollableTables(body);
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

// What only works with JavaScript is hidden until this runs.
function showJsOnly(root) {
  "use strict";
  root.querySelectorAll("[data-js-only]").forEach(function (element) {
    element.hidden = false;
  });
}

// A wide table scrolls in its own box; on a phone a hint above it says so, only when it
// does not fit.
function markScrollableTables(root) {
  "use strict";
  root.querySelectorAll(".table-scroll").forEach(function (box) {
    var hint = box.previousElementSibling;
    var wide = box.scrollWidth > box.clientWidth + 1;
    box.classList.toggle("is-scrollable", wide);
    if (hint && hint.classList.contains("scroll-hint")) hint.hidden = !wide;
  });
}

(function () {
  "use strict";

  var WIDE = window.matchMedia ? window.matchMedia("(min-width: 64rem)") : null;
  var menu = document.getElementById("contents-menu");

  // The contents: always open beside the results on a wide screen; on a phone a menu that
  // closes once a question is chosen.
  function placeContents() {
    if (menu && WIDE) menu.open = WIDE.matches;
  }
  placeContents();
  if (WIDE && WIDE.addEventListener) WIDE.addEventListener("change", placeContents);
  if (menu) {
    menu.addEventListener("click", function (event) {
      if (event.target.closest("a") && WIDE && !WIDE.matches) menu.open = false;
    });
  }

  markScrollableTables(document);
  window.addEventListener("resize", function () { markScrollableTables(document); });

  function fileName(url, extension) {
    var path = new URL(url, window.location.href).pathname;
    var stem = path.split("/").pop().replace(/\.[a-z]+$/, "");
    return "survey-" + (path.indexOf("/charts/") >= 0 ? "chart-" : "") + stem + "." + extension;
  }

  function save(blob, name) {
    var link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = name;
    document.body.appendChild(link);
    link.click();
    window.setTimeout(function () {
      URL.revokeObjectURL(link.href);
      link.remove();
    }, 1000);
  }

  // PNG: the chart's own SVG drawn on a canvas at twice its size.
  function downloadPng(url) {
    var image = new Image();
    image.onload = function () {
      var scale = 2;
      var canvas = document.createElement("canvas");
      canvas.width = image.naturalWidth * scale;
      canvas.height = image.naturalHeight * scale;
      var context = canvas.getContext("2d");
      context.fillStyle = "#ffffff";
      context.fillRect(0, 0, canvas.width, canvas.height);
      context.drawImage(image, 0, 0, canvas.width, canvas.height);
      canvas.toBlob(function (blob) {
        if (blob) save(blob, fileName(url, "png"));
      }, "image/png");
    };
    image.src = url;
  }

  function copyTable(button) {
    var status = button.parentElement.querySelector(".copy-status");
    function say(text) { if (status) status.textContent = text; }
    if (!navigator.clipboard) {
      say(button.getAttribute("data-copy-unavailable") || "");
      return;
    }
    fetch(button.getAttribute("data-copy-table"), { credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (!response.ok) throw new Error("table " + response.status);
        return response.text();
      })
      .then(function (text) { return navigator.clipboard.writeText(text); })
      .then(function () { say(button.getAttribute("data-copied") || ""); })
      .catch(function () { say(button.getAttribute("data-copy-unavailable") || ""); });
  }

  document.addEventListener("click", function (event) {
    var png = event.target.closest("[data-chart-png]");
    if (png) {
      event.preventDefault();
      downloadPng(png.getAttribute("data-chart-png"));
      return;
    }
    var copy = event.target.closest("[data-copy-table]");
    if (copy) {
      event.preventDefault();
      copyTable(copy);
    }
  });
})();
