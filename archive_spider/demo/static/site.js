// Toggles the main menu on narrow screens. The site works without it.
document.addEventListener("DOMContentLoaded", function () {
  var button = document.querySelector(".menu-toggle");
  var nav = document.getElementById("site-navigation");
  if (!button || !nav) return;
  button.addEventListener("click", function () {
    var open = nav.classList.toggle("toggled");
    button.setAttribute("aria-expanded", open ? "true" : "false");
  });
});

// Hides the cookie notice once accepted (for this page view only: the demo keeps no state).
document.addEventListener("click", function (event) {
  if (event.target.classList && event.target.classList.contains("cookie-accept")) {
    document.getElementById("cookie-notice").classList.add("dismissed");
  }
});
