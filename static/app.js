// SynapseAI: small progressive enhancements. Every page works without this file.
(function () {
  "use strict";

  // "/" focuses the search box (unless the user is already typing somewhere).
  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
    var target = event.target;
    var tag = target && target.tagName;
    var box = document.querySelector("[data-search-box]");
    // The home page's box has autofocus: "/" there must not type a slash into an empty query.
    if (box && target === box && !box.value) {
      event.preventDefault();
      return;
    }
    if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable)) return;
    if (!box) return;
    event.preventDefault();
    box.focus();
    box.select();
  });

  // Copy buttons: shown only when the clipboard API is there; without it the code stays selectable.
  if (navigator.clipboard && window.isSecureContext) {
    document.querySelectorAll("button.copy[data-copy]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        var block = document.getElementById(button.getAttribute("data-copy"));
        var code = block && block.querySelector("code");
        if (!code) return;
        navigator.clipboard.writeText(code.textContent).then(
          function () { flash(button, "Copied", true); },
          function () { flash(button, "Select and copy", false); }
        );
      });
    });
  }

  function flash(button, text, ok) {
    var original = "Copy";
    button.textContent = text;
    button.classList.toggle("done", ok);
    setTimeout(function () { button.textContent = original; button.classList.remove("done"); }, 1600);
  }

  function setStats(stats) {
    Object.keys(stats || {}).forEach(function (name) {
      var el = document.querySelector('[data-stat="' + name + '"]');
      if (el) el.textContent = Number(stats[name]).toLocaleString("en-US");
    });
  }

  function status(text) {
    var el = document.querySelector("[data-feedback-status]");
    if (el) el.textContent = text;
  }

  // "This worked / didn't": one fetch to the JSON API instead of a page reload.
  document.querySelectorAll("form[data-feedback]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      var button = event.submitter;
      if (!button || !window.fetch) return; // let the form post normally
      event.preventDefault();
      var slug = form.getAttribute("data-slug");
      var requestId = form.querySelector('input[name="request_id"]').value;
      fetch("/api/solutions/" + encodeURIComponent(slug) + "/feedback", {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json" },
        body: JSON.stringify({ worked: button.value === "1", request_id: requestId }),
        credentials: "same-origin",
      })
        .then(function (response) {
          if (!response.ok) throw new Error("HTTP " + response.status);
          return response.json();
        })
        .then(function (body) {
          setStats(body.stats);
          status("Thanks: your answer was counted.");
          form.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
        })
        .catch(function () {
          var choice = document.createElement("input"); // form.submit() drops the clicked button's value
          choice.type = "hidden";
          choice.name = "worked";
          choice.value = button.value;
          form.appendChild(choice);
          form.submit();
        });
    });
  });

  // Star: the same form post, answered with JSON.
  document.querySelectorAll("form[data-star]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.fetch) return;
      event.preventDefault();
      fetch(form.action, {
        method: "POST",
        headers: { accept: "application/json" },
        body: new URLSearchParams(new FormData(form)),
        credentials: "same-origin",
      })
        .then(function (response) {
          if (!response.ok) throw new Error("HTTP " + response.status);
          return response.json();
        })
        .then(function (body) {
          setStats({ stars: body.stars });
          status("Starred.");
          form.querySelector("button").disabled = true;
        })
        .catch(function () { form.submit(); });
    });
  });
})();
