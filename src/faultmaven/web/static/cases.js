// Case workspace: after a form post answered with the assistant's buttons (the runbook offer,
// the duplicate choices...), put the keyboard focus on the first one, so Tab/Enter continues
// there; a runbook opened beside the case gets the focus instead. No other behaviour: every
// form works without this script.
"use strict";
(function () {
  document.addEventListener("DOMContentLoaded", function () {
    var panel = document.getElementById("runbook-panel");
    var turn = document.querySelector("#assistant-turn[role=status]");
    if (panel && location.hash === "#runbook-panel") {
      panel.focus();
    } else if (turn) {
      var first = turn.querySelector("button");
      (first || turn).focus();
    }
  });
})();
