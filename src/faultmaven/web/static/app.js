// FaultMaven pages: small improvements over forms that work without JavaScript.
// Each feature starts from a data attribute; a page without it is untouched.
"use strict";
(function () {
  // Copy buttons on every code block inside [data-copy-code] (a "Copied" state for 2 s).
  function addCopyButtons(root) {
    root.querySelectorAll("[data-copy-code] pre").forEach(function (pre) {
      if (pre.querySelector(".copy-button")) return;
      var button = document.createElement("button");
      button.type = "button";
      button.className = "copy-button secondary";
      button.textContent = "Copy";
      button.setAttribute("aria-label", "Copy this code");
      button.addEventListener("click", function () {
        var code = pre.querySelector("code") || pre;
        var text = code.textContent;
        var done = function () {
          button.textContent = "Copied";
          setTimeout(function () { button.textContent = "Copy"; }, 2000);
        };
        if (navigator.clipboard && navigator.clipboard.writeText) {
          navigator.clipboard.writeText(text).then(done, function () { button.textContent = "Copy failed"; });
        } else {
          button.textContent = "Copy failed";
        }
      });
      pre.appendChild(button);
    });
  }

  // A form with [data-live="<url>"] fetches a server-rendered fragment of its fields into the
  // element [data-live-target] as the user types (debounced), keeping the page's height.
  function liveForm(form) {
    var target = document.querySelector(form.getAttribute("data-live-target"));
    var status = document.querySelector(form.getAttribute("data-live-status"));
    var url = form.getAttribute("data-live");
    var method = (form.getAttribute("data-live-method") || "GET").toUpperCase();
    var timer = null, pending = null, seq = 0;
    if (!target || !url) return;
    function run() {
      var data = new FormData(form);
      var mine = ++seq;
      if (pending) pending.abort();
      pending = new AbortController();
      if (status) status.textContent = "Loading…";
      target.setAttribute("aria-busy", "true");
      target.style.minHeight = target.offsetHeight + "px";
      var request;
      if (method === "GET") {
        var query = new URLSearchParams(data).toString();
        request = fetch(url + "?" + query, { signal: pending.signal, credentials: "same-origin" });
        if (form.hasAttribute("data-live-history")) {
          history.replaceState(null, "", location.pathname + "?" + query);
        }
      } else {
        request = fetch(url, { method: method, body: data, signal: pending.signal, credentials: "same-origin" });
      }
      request.then(function (response) { return response.text(); }).then(function (html) {
        if (mine !== seq) return;
        target.innerHTML = html;  // server-rendered, sanitised fragment
        target.removeAttribute("aria-busy");
        target.style.minHeight = "";
        if (status) status.textContent = "";
        addCopyButtons(target);
      }).catch(function (error) {
        if (error && error.name === "AbortError") return;
        target.removeAttribute("aria-busy");
        if (status) status.textContent = "Could not load; press Enter to search.";
      });
    }
    form.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(run, 250);
    });
    form.addEventListener("change", function (event) {
      if (event.target.tagName === "SELECT") { clearTimeout(timer); run(); }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    addCopyButtons(document);
    document.querySelectorAll("form[data-live]").forEach(liveForm);
  });
})();
