// The search page: Pagefind's UI over the index the build wrote into /pagefind/.
// The plain form above it is what a reader without JavaScript gets; here it is
// replaced by the live search box, started with the ?q= the form submitted.
(function () {
  "use strict";
  function start() {
    var host = document.getElementById("search");
    if (!host || typeof PagefindUI === "undefined") {
      return; // no index (search = false) or the script failed: the plain form stays
    }
    var query = new URLSearchParams(window.location.search).get("q") || "";
    host.querySelector(".search-form").hidden = true;
    var ui = new PagefindUI({
      element: "#search-results",
      bundlePath: host.dataset.bundle,
      showSubResults: true,
      showImages: false,
      resetStyles: false,
      autofocus: true,
    });
    // Pagefind names its box by a title alone (axe: label-title-only); give it the plain form's label.
    var box = host.querySelector(".pagefind-ui__search-input");
    if (box) {
      box.setAttribute("aria-label", host.querySelector(".search-form label").textContent);
    }
    if (query) {
      ui.triggerSearch(query);
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
