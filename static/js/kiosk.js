/* The kiosk's warning before a page goes back to the start by itself (WCAG 2.2.1).
 *
 * A kiosk page goes back to its start after a while without activity, so that a half-answered
 * form is not left for the next person to see. Without JavaScript, a <meta http-equiv="refresh">
 * in <noscript> does it, with no warning. Where this script runs, it does it instead: the time
 * counts from the last key, touch, pointer, scroll or input; for its last seconds a dialog says
 * what will happen, counts down and offers "I need more time", which gives the page its whole
 * time again, as often as asked; then the page goes where the refresh would have gone.
 *
 * The dialog and its words are in the page's <template id="kiosk-timeout">, translated by the
 * server (templates/kiosk/base.html, consult/sealed/kiosk.py): this file holds no words. It asks
 * the server for nothing: more time here needs none there.
 */
(function () {
  "use strict";

  var template = document.getElementById("kiosk-timeout");
  if (!template) {
    return;
  }
  var total = Number(template.getAttribute("data-seconds")) * 1000;
  var warning = Math.min(Number(template.getAttribute("data-warning")) * 1000, total);
  if (!template.content) {
    warning = 0; /* a browser too old for <template> still goes back, unwarned, as without us */
  }
  var start = template.getAttribute("data-url");
  if (!(total > 0) || !(warning >= 0) || !start) {
    return;
  }

  var deadline = Date.now() + total;
  var dialog = null;
  var countdown = null;
  var button = null;
  var before = null;
  var leaving = false;

  function shown() {
    return dialog !== null && dialog.hasAttribute("open");
  }

  /* Someone is there: the page gets its whole time again. Not while the warning shows: there
     only its button (or Escape) does, so that a stray touch does not hide it unread. */
  function active() {
    if (!shown()) {
      deadline = Date.now() + total;
    }
  }

  function more() {
    if (!leaving) {
      deadline = Date.now() + total;
    }
  }

  /* "I need more time" (and Escape, which closes the dialog too). */
  function hide() {
    more(); /* before the dialog closes, so that no tick shows it again meanwhile */
    if (typeof dialog.close === "function") {
      dialog.close();
      return;
    }
    dialog.removeAttribute("open");
    back();
  }

  function back() {
    more();
    if (before && before !== document.body && document.contains(before)) {
      before.focus(); /* back where the person was, as if nothing had come in between */
    }
  }

  function build() {
    var copy = template.content.cloneNode(true);
    dialog = copy.querySelector("dialog");
    countdown = copy.querySelector("[data-countdown]");
    button = copy.querySelector("button");
    button.addEventListener("click", hide);
    dialog.addEventListener("cancel", more);
    dialog.addEventListener("close", back);
    document.body.appendChild(copy);
  }

  function show() {
    before = document.activeElement;
    if (typeof dialog.showModal === "function") {
      dialog.showModal(); /* the rest of the page is inert; focus goes to the button */
    } else {
      dialog.setAttribute("open", "");
    }
    button.focus();
  }

  function tick() {
    if (leaving) {
      return;
    }
    var left = deadline - Date.now();
    if (left <= 0) {
      leaving = true;
      window.location.replace(start); /* and no way back to this page by "Back" */
      return;
    }
    if (left <= warning) {
      if (dialog === null) {
        build();
      }
      countdown.textContent = String(Math.ceil(left / 1000));
      if (!shown()) {
        show();
      }
    }
  }

  ["keydown", "pointerdown", "pointermove", "touchstart", "input", "change", "wheel", "scroll"]
    .forEach(function (type) {
      window.addEventListener(type, active, { capture: true, passive: true });
    });
  window.setInterval(tick, 250);
})();
