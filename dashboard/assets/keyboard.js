// Keyboard access to the charts' own controls (WCAG 2.1.1 Keyboard): plotly.js draws its
// mode bar buttons as <a> without href and its range-selector buttons as SVG groups,
// neither of which takes focus. Each one is given tabindex, the button role and an
// accessible name, and Enter or Space acts as a click. Charts are redrawn by callbacks,
// so new ones are patched as they appear.
(function () {
  "use strict";
  var SELECTOR = ".modebar-btn, .rangeselector .button";

  function activate(event) {
    if (event.key !== "Enter" && event.key !== " ") {
      return;
    }
    event.preventDefault();
    var target = event.currentTarget;
    var options = { bubbles: true, cancelable: true, view: window };
    // Range buttons listen for mousedown/click on the group; mode bar buttons for click.
    target.dispatchEvent(new MouseEvent("mousedown", options));
    target.dispatchEvent(new MouseEvent("mouseup", options));
    target.dispatchEvent(new MouseEvent("click", options));
  }

  function patch(root) {
    var buttons = root.querySelectorAll ? root.querySelectorAll(SELECTOR) : [];
    for (var i = 0; i < buttons.length; i += 1) {
      var button = buttons[i];
      if (button.getAttribute("data-keyboard") === "1") {
        continue;
      }
      button.setAttribute("data-keyboard", "1");
      button.setAttribute("tabindex", "0");
      button.setAttribute("role", "button");
      var name = button.getAttribute("data-title") || button.textContent || "";
      if (name) {
        button.setAttribute("aria-label", name.trim());
      }
      button.addEventListener("keydown", activate);
    }
  }

  var pending = false;
  new MutationObserver(function () {
    if (pending) {
      return;
    }
    pending = true;
    window.requestAnimationFrame(function () {
      pending = false;
      patch(document);
    });
  }).observe(document.documentElement, { childList: true, subtree: true });
})();
