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
