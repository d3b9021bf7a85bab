// The search page: our small results list over Pagefind's index (pagefind.js, its JS API).
//
// The index is dealt into shards (site_gen/search.py), so that one edit re-indexes one
// shard: the first is loaded and the others merged into it, and one query searches all.
// Pagefind answers a word it does not hold with its longest indexed prefix ("aardvark"
// finds "a"); with shards, each one lacking the word would add such results, so a
// result is shown only if a word it matched begins with a word of the query, or is
// itself most of one (a stem). The form above is what a reader without JavaScript
// gets: it still submits, and its ?q= starts the search here.
(function () {
  "use strict";
  var host = document.getElementById("search");
  if (!host || !host.dataset.bundle) {
    return; // no index (search = false): the plain form stays as it is
  }
  var form = host.querySelector(".search-form");
  var box = form.querySelector("input[type=search]");
  var status = document.getElementById("search-status");
  var list = document.getElementById("search-results");
  var engine = null;
  var latest = 0;

  function load() {
    if (engine === null) {
      engine = import(host.dataset.bundle + "pagefind.js").then(function (pagefind) {
        return pagefind.options({ baseUrl: host.dataset.base || "/" }).then(function () {
          var merged = (host.dataset.merge || "").split(" ").filter(Boolean);
          return Promise.all(merged.map(function (path) { return pagefind.mergeIndex(path); }));
        }).then(function () { return pagefind; });
      });
    }
    return engine;
  }

  function words(text) {
    return text.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter(Boolean);
  }

  function matches(marked, term) {
    return marked.startsWith(term) || (term.startsWith(marked) && marked.length >= Math.max(3, term.length - 3));
  }

  function relevant(data, terms) {
    var html = [data.excerpt].concat((data.sub_results || []).map(function (s) { return s.excerpt; })).join(" ");
    var marked = [];
    html.replace(/<mark>([\s\S]*?)<\/mark>/g, function (_, text) {
      marked = marked.concat(words(text.replace(/<[^>]*>/g, "")));
      return "";
    });
    return marked.some(function (word) {
      return terms.some(function (term) { return matches(word, term); });
    });
  }

  function item(data) {
    var li = document.createElement("li");
    var link = document.createElement("a");
    link.href = data.url;
    link.textContent = (data.meta && data.meta.title) || data.url;
    var excerpt = document.createElement("p");
    excerpt.className = "search-excerpt";
    excerpt.innerHTML = data.excerpt; // Pagefind's excerpt: the page's text, escaped, with <mark>s
    li.append(link, excerpt);
    return li;
  }

  function run(query) {
    var asked = ++latest;
    var terms = words(query);
    if (!terms.length) {
      status.textContent = "";
      list.replaceChildren();
      return;
    }
    status.textContent = "Searching…";
    load().then(function (pagefind) {
      return pagefind.search(query);
    }).then(function (found) {
      return Promise.all(found.results.slice(0, 40).map(function (result) { return result.data(); }));
    }).then(function (all) {
      if (asked !== latest) {
        return; // a newer query is on its way
      }
      var shown = all.filter(function (data) { return relevant(data, terms); }).slice(0, 20);
      list.replaceChildren.apply(list, shown.map(item));
      var count = shown.length === 1 ? "1 result" : shown.length + " results";
      status.textContent = (shown.length ? count : "No results") + " for " + query;
    }).catch(function () {
      status.textContent = "Search could not load its index; browse the tags or the archive instead.";
    });
  }

  var timer = null;
  box.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      history.replaceState(null, "", box.value ? "?q=" + encodeURIComponent(box.value) : location.pathname);
      run(box.value);
    }, 200);
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    run(box.value);
  });
  var query = new URLSearchParams(location.search).get("q") || "";
  if (query) {
    box.value = query;
    run(query);
  }
})();
