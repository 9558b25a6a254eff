// The live problem queue: the server says "changed" (server-sent events) and the rows are
// fetched again with the page's filters. No manual refresh; ages refresh every minute.
(function () {
  "use strict";
  var rows = document.getElementById("queue-rows");
  var live = document.getElementById("live");
  if (!rows || !window.EventSource) { return; }
  var pending = false;
  function refresh() {
    if (pending) { return; }
    pending = true;
    fetch("/problems/rows" + window.location.search, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) { rows.innerHTML = html; })
      .catch(function () {})
      .then(function () { pending = false; });
  }
  function state(name, text) { live.dataset.state = name; live.textContent = text; }
  var source = new EventSource("/problems/stream");
  source.addEventListener("ready", function () { state("live", live.dataset.labelLive || "● Live"); });
  source.addEventListener("changed", refresh);
  source.onerror = function () { state("reconnecting", live.dataset.labelRetry || "Reconnecting…"); };
  window.setInterval(refresh, 60000);
})();
