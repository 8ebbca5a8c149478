// Polls a generation job's status while it runs and reloads the page when it ends.
// Without JavaScript the page refreshes itself (<noscript> meta refresh) instead.
(function () {
  "use strict";
  var box = document.querySelector("[data-job-status]");
  if (!box) return;
  var url = box.getAttribute("data-job-status");
  var text = box.querySelector("[data-job-text]");
  var bar = box.querySelector("progress");
  var delay = 1000;
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) {
        if (r.status === 401 || r.redirected) { window.location.reload(); return null; }
        return r.ok ? r.json() : null;
      })
      .then(function (job) {
        if (!job) { setTimeout(poll, delay = Math.min(delay * 2, 10000)); return; }
        if (text) text.textContent = job.message;
        if (bar && job.progress !== null && job.progress !== undefined) bar.value = job.progress;
        if (job.finished) { window.location.reload(); return; }
        setTimeout(poll, delay = Math.min(delay * 1.5, 5000));
      })
      .catch(function () { setTimeout(poll, delay = Math.min(delay * 2, 10000)); });
  }
  setTimeout(poll, delay);
})();
