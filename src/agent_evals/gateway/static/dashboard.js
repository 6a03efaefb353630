/* The live dashboard: polls /dashboard/state, swaps in the server-rendered (escaped) sections,
   redraws the lane plots, and sends admin actions with the token the person typed. */
(function () {
  "use strict";
  var POLL_MS = 1000;
  var COLORS = { incumbent: "#0969da", candidate: "#bc4c00" };
  var ACTIONS = {
    promote: "Promote the release to its next stage?",
    freeze: "Freeze the release? Every task goes to the incumbent and the controller stops.",
    unfreeze: "Unfreeze the release? Routing and the controller resume.",
    rollback: "Roll the release back? Every task goes to the incumbent now."
  };
  var state = JSON.parse(document.getElementById("dashboard-data").textContent);
  var charts = {};

  function byId(id) { return document.getElementById(id); }

  function laneChart(id, metric, scale) {
    return new Chart(byId(id), {
      type: "line",
      data: { labels: [], datasets: ["incumbent", "candidate"].map(function (lane) {
        return { label: lane, data: [], borderColor: COLORS[lane], backgroundColor: COLORS[lane], pointRadius: 2, spanGaps: true, metric: metric, lane: lane };
      }) },
      options: {
        animation: false, responsive: true, maintainAspectRatio: false,
        plugins: { legend: { position: "bottom" } },
        scales: { y: scale }
      }
    });
  }

  function drawLanes(lanes) {
    Object.keys(charts).forEach(function (key) {
      var chart = charts[key];
      chart.data.labels = lanes.at;
      chart.data.datasets.forEach(function (d) { d.data = lanes[d.lane][d.metric]; });
      chart.update();
    });
  }

  function apply(next) {
    Object.keys(next.sections).forEach(function (name) {
      var box = document.querySelector('[data-section="' + name + '"]');
      // Sections are rendered and escaped by the server's templates.
      if (box && box.innerHTML !== next.sections[name]) { box.innerHTML = next.sections[name]; }
    });
    drawLanes(next.lanes);
    state = next;
    document.body.dataset.version = String(next.version);
  }

  function poll() {
    fetch("/dashboard/state", { cache: "no-store" })
      .then(function (r) { if (!r.ok) { throw new Error("status " + r.status); } return r.json(); })
      .then(function (next) { apply(next); byId("connection").textContent = "live: refreshes every second"; })
      .catch(function (e) { byId("connection").textContent = "connection lost (" + e.message + "); retrying"; })
      .then(function () { window.setTimeout(poll, POLL_MS); });
  }

  function say(text, isError) {
    var box = byId("action-message");
    box.textContent = text;
    box.className = isError ? "error" : "";
  }

  function act(event) {
    var action = event.currentTarget.dataset.action;
    var token = byId("token").value;
    var actor = byId("actor").value.trim();
    var reason = byId("reason").value.trim();
    if (!token) { say("Enter the admin token: every action needs it.", true); return; }
    if (!actor) { say("Enter your name: it is recorded with the action.", true); return; }
    if (!window.confirm(ACTIONS[action] + "\nRelease: " + byId("release").textContent)) { say("Cancelled.", false); return; }
    var body = { actor: actor, reason: reason };
    if (action === "promote") { body.expected_stage = state.stage; }
    fetch("/admin/" + action, {
      method: "POST",
      headers: { "authorization": "Bearer " + token, "content-type": "application/json" },
      body: JSON.stringify(body)
    }).then(function (r) {
      return r.json().then(function (answer) {
        if (r.ok) { say(answer.action + ": " + (answer.reason || "done"), false); }
        else { say("Refused (" + r.status + "): " + (answer.error || "unknown error"), true); }
      });
    }).catch(function (e) { say("Could not reach the gateway: " + e.message, true); });
  }

  function explain(event) {
    event.preventDefault();
    var task = byId("explain-task").value;
    fetch("/dashboard/explain?task_id=" + encodeURIComponent(task), { cache: "no-store" })
      .then(function (r) { return r.json(); })
      .then(function (answer) {
        var box = byId("explain-result");
        if (answer.html) { box.innerHTML = answer.html; } else { box.textContent = answer.error || "no answer"; }
      });
  }

  charts.success = laneChart("chart-live-success", "success", { min: 0, max: 1 });
  charts.tokens = laneChart("chart-live-tokens", "tokens", { beginAtZero: true });
  drawLanes(state.lanes);
  document.querySelectorAll("button[data-action]").forEach(function (b) { b.addEventListener("click", act); });
  byId("explain-form").addEventListener("submit", explain);
  window.setTimeout(poll, POLL_MS);
}());
