// The progress page of a background job: polls its status and offers the file when ready.
(function () {
  "use strict";
  var box = document.getElementById("job");
  if (!box) return;
  var bar = document.getElementById("job-progress");
  var text = document.getElementById("job-status");
  var download = document.getElementById("job-download");
  var link = document.getElementById("job-download-link");
  var url = box.getAttribute("data-status-url");

  function say(status, body) {
    var message = box.getAttribute("data-text-" + status) || "";
    message = message.replace("{done}", body.done.toLocaleString()).replace("{total}", body.total.toLocaleString());
    if (status === "failed" && body.error) message += " " + body.error;
    if (text.textContent !== message) text.textContent = message;
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (body) {
        bar.value = body.percent;
        bar.textContent = body.percent + " %";
        box.setAttribute("data-status", body.status);
        if (body.status === "done" && body.download_url) {
          link.href = body.download_url;
          download.hidden = false;
          say("done", body);
          return;
        }
        say(body.status, body);
        if (body.status === "queued" || body.status === "running") setTimeout(poll, 1000);
      })
      .catch(function () {
        text.textContent = box.getAttribute("data-text-lost");
      });
  }

  var status = box.getAttribute("data-status");
  if (status === "queued" || status === "running") poll();
})();
