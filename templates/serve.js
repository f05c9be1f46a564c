// tracedesk serve: live updates over Server-Sent Events, and counts the server left for later.
// Every page works without this file; with it, an open runs list and an open run that is still
// going follow the history as it grows.
(function () {
  "use strict";
  var body = document.body;
  var watched = body.getAttribute("data-live");
  var state = document.querySelector(".serve-bar .live");
  if (!window.fetch) return;
  // Counts by status that took the server longer than its budget: asked of /api/counts.
  function fillCounts() {
    var line = document.querySelector("p.counts[data-counts]");
    if (!line) return;
    fetch(line.getAttribute("data-counts"), { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (answer) { return answer.ok ? answer.json() : Promise.reject(answer.status); })
      .then(function (counts) {
        var format = new Intl.NumberFormat("en-US");
        line.querySelectorAll("[data-status]").forEach(function (item) {
          var count = item.querySelector(".count");
          if (count) count.textContent = " " + format.format(counts.byStatus[item.getAttribute("data-status")] || 0);
        });
        var link = line.querySelector("a.count-all");
        if (link) link.remove();
        line.removeAttribute("data-counts");
        line.setAttribute("data-counted", String(counts.total));
      })
      .catch(function () {});
  }
  fillCounts();
  if (!watched || !window.EventSource || !window.DOMParser) return;
  var busy = false, again = false;
  function swap(fresh, selector) {
    var next = fresh.querySelector(selector), current = document.querySelector(selector);
    if (next && current) current.replaceWith(document.importNode(next, true));
  }
  function refresh() {
    if (busy) { again = true; return; }
    busy = true;
    fetch(location.href, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (answer) { return answer.ok ? answer.text() : Promise.reject(answer.status); })
      .then(function (text) {
        var fresh = new DOMParser().parseFromString(text, "text/html");
        swap(fresh, "header.report-header");
        swap(fresh, "main");
        fillCounts();
        watched = fresh.body.getAttribute("data-live");
        body.setAttribute("data-live", watched || "");
        body.setAttribute("data-refreshed", String(Number(body.getAttribute("data-refreshed") || "0") + 1));
      })
      .catch(function () {})
      .then(function () { busy = false; if (again) { again = false; refresh(); } });
  }
  var source = new EventSource("/api/events");
  source.addEventListener("run", function (event) {
    var data = {};
    try { data = JSON.parse(event.data); } catch (error) { return; }
    if (watched === "runs" || watched === "run:" + data.jobId) refresh();
  });
  source.addEventListener("open", function () { if (state) state.textContent = "live"; });
  source.addEventListener("error", function () { if (state) state.textContent = "reconnecting"; });
})();
