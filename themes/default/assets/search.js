/* search.js: the search box of every page (partials/search.html), and the theme toggle
 * beside it.
 *
 * The index (lineage_report/search.py) is a script file: on the box's first focus a
 * <script> element loads it, which works from file:// (unlike a network request), and keeps
 * big projects from slowing every page. Results are built with DOM APIs and textContent
 * only: every string in the index came from an untrusted manifest.
 */
/* The theme: light or dark as the system says, unless the reader picks one with the toggle
   beside the search box. The choice is kept in localStorage (one store for every page of the
   site, from file:// too) and set as data-theme on <html>, which style.css and
   lineage-graph.css follow; the graph redraws its canvas on the "lineage-report:theme" event. */
(function () {
  "use strict";

  const KEY = "lineage-report.theme";
  const root = document.documentElement;
  const system = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;

  function stored() {
    try {
      return localStorage.getItem(KEY);
    } catch {
      return null; // storage refused (a privacy setting): the system's theme
    }
  }

  function keep(theme) {
    try {
      localStorage.setItem(KEY, theme);
    } catch {
      // storage refused: the choice holds for this page only
    }
  }

  function current() {
    return root.dataset.theme || (system && system.matches ? "dark" : "light");
  }

  function apply(theme) {
    if (theme === "dark" || theme === "light") {
      root.dataset.theme = theme;
    }
    if (button) {
      button.setAttribute("aria-pressed", current() === "dark" ? "true" : "false");
    }
    document.dispatchEvent(new CustomEvent("lineage-report:theme"));
  }

  // A toggle button: "Dark" pressed or not; its place is after the search box.
  function makeButton() {
    const header = document.querySelector(".site-header");
    if (!header) {
      return null;
    }
    const made = document.createElement("button");
    made.type = "button";
    made.className = "theme-toggle";
    made.textContent = "\u263e Dark";
    made.title = "Dark theme, kept on every page";
    made.setAttribute("aria-label", "Dark theme");
    const search = header.querySelector("[data-lineage-search]");
    header.insertBefore(made, search ? search.nextSibling : null);
    made.addEventListener("click", function () {
      const theme = current() === "dark" ? "light" : "dark";
      keep(theme);
      apply(theme);
    });
    return made;
  }

  const button = makeButton();
  apply(stored());
  if (system && system.addEventListener) {
    system.addEventListener("change", function () {
      apply(null);
    });
  }
  window.addEventListener("storage", function (event) {
    if (event.key === KEY) {
      apply(event.newValue);
    }
  });
})();

(function () {
  "use strict";

  const LIMIT = 20; // results shown
  // Kinds, as search.py numbers them. A version's items 7-9 are its metadata keys,
  // description excerpt and aliases; a run's item 6 is its id.
  const TYPE = 0;
  const JOB_TYPE = 1;
  const VERSION = 3;
  const RUN = 4;

  const box = document.querySelector("[data-lineage-search]");
  if (!box) {
    return;
  }
  if (!box.querySelector("input[type=search]")) {
    buildBox(box);
  }
  const input = box.querySelector("input[type=search]");
  const list = box.querySelector("[role=listbox]");
  const status = box.querySelector("[role=status]");
  const root = box.dataset.root || "";

  let index = null; // decoded index, once loaded
  let loading = false;
  let results = [];
  let active = -1; // highlighted result, -1 for none

  /* The box ----------------------------------------------------------------- */

  // The label, input, result list and status of the box: only the script can search, so
  // only the script shows them.
  function buildBox(into) {
    const label = document.createElement("label");
    label.className = "search-label";
    label.htmlFor = "lr-search";
    label.textContent = "Search";
    const field = document.createElement("input");
    field.id = "lr-search";
    field.type = "search";
    field.placeholder = "Search (press /)";
    field.autocomplete = "off";
    field.spellcheck = false;
    const attrs = {
      "aria-keyshortcuts": "/",
      role: "combobox",
      "aria-autocomplete": "list",
      "aria-expanded": "false",
      "aria-controls": "lr-search-results",
    };
    Object.keys(attrs).forEach(function (name) {
      field.setAttribute(name, attrs[name]);
    });
    const results = document.createElement("ul");
    results.id = "lr-search-results";
    results.setAttribute("role", "listbox");
    results.setAttribute("aria-label", "Search results");
    results.hidden = true;
    const said = document.createElement("p");
    said.className = "search-status";
    said.setAttribute("role", "status");
    said.setAttribute("aria-live", "polite");
    into.append(label, field, results, said);
  }

  /* Loading ----------------------------------------------------------------- */

  function load() {
    if (index || loading) {
      return;
    }
    loading = true;
    say("Loading the search index…");
    const script = document.createElement("script");
    // A theme may name the index (data-index); the site's own is in its assets folder.
    script.src = box.dataset.index || root + "assets/search-index.js";
    script.onload = function () {
      const data = window.LINEAGE_SEARCH;
      if (!data || data.v !== 1) {
        return failed();
      }
      index = decode(data);
      window.LINEAGE_SEARCH = undefined; // decoded once; nothing else needs the global
      update();
    };
    script.onerror = failed;
    document.head.appendChild(script);
  }

  function failed() {
    loading = false;
    say("The search index could not be loaded.");
  }

  /* Turn the compact index (see search.py) into entries ready to match: each keeps its
     raw array for display, and lower-cased names and fields for matching. */
  function decode(data) {
    const lower = data.s.map((v) => v.toLowerCase());
    const entries = new Array(data.e.length);
    let title = "";
    let path = "";
    for (let i = 0; i < data.e.length; i++) {
      const e = data.e[i];
      title = title.slice(0, e[1]) + e[2];
      path = path.slice(0, e[3]) + e[4];
      let hay = ""; // group, alt and fields, each value after a newline
      for (let j = 5; j < e.length; j++) {
        hay += "\n" + (typeof e[j] === "number" ? lower[e[j]] : e[j].toLowerCase());
      }
      const entry = { e: e, title: title, path: path, name: title.toLowerCase(), hay: hay };
      entry.alt = text(data, e[6]).toLowerCase();
      entry.aliases = e[0] === VERSION && e[9] !== undefined ? aliasNames(data, entry) : null;
      entries[i] = entry;
    }
    return { entries: entries, data: data };
  }

  /* "model:latest" names the version that holds the alias. */
  function aliasNames(data, entry) {
    return text(data, entry.e[9])
      .toLowerCase()
      .split("\n")
      .map((alias) => entry.alt + ":" + alias);
  }

  function text(data, value) {
    return typeof value === "number" ? data.s[value] : value || "";
  }

  /* What a result shows under its title: a version's aliases and description, a run's id. */
  function detail(entry) {
    const e = entry.e;
    if (e[0] === VERSION) {
      const aliases = text(index.data, e[9]).split("\n").join(", ");
      return [aliases, text(index.data, e[8])].filter(Boolean).join(" · ");
    }
    return e[0] === RUN && e[6] ? "id " + text(index.data, e[6]) : "";
  }

  /* Matching ---------------------------------------------------------------- */

  /* Rank: 0 exact name, 1 name prefix, 2 name substring, 3 a field starts with the
     query, 4 a field contains it; -1 no match. `worst` skips the ranks not needed. */
  function rank(entry, query, worst) {
    const name = entry.name;
    const alt = entry.alt;
    if (name === query || alt === query || (entry.aliases && entry.aliases.includes(query))) {
      return 0;
    }
    if (worst < 1) {
      return -1;
    }
    if (name.startsWith(query) || (alt && alt.startsWith(query))) {
      return 1;
    }
    if (worst < 2) {
      return -1;
    }
    if (name.includes(query) || (alt && alt.includes(query))) {
      return 2;
    }
    if (worst < 3) {
      return -1;
    }
    if (entry.hay.includes("\n" + query)) {
      return 3;
    }
    return worst > 3 && entry.hay.includes(query) ? 4 : -1;
  }

  function search(value) {
    const query = value.trim().toLowerCase();
    if (!query) {
      return [];
    }
    // One list per rank, each in index order: types, artifacts, versions newest first, runs.
    const found = [[], [], [], [], []];
    let worst = 4; // the worst rank that can still show
    const entries = index.entries;
    for (let i = 0; i < entries.length && found[0].length < LIMIT; i++) {
      const r = rank(entries[i], query, worst);
      if (r < 0) {
        continue;
      }
      found[r].push(entries[i]);
      // Once LIMIT results rank better than `worst`, nothing ranked `worst` can show.
      let better = 0;
      for (let k = 0; k < worst; k++) {
        better += found[k].length;
      }
      while (worst > 0 && better >= LIMIT) {
        worst--;
        better -= found[worst].length;
      }
    }
    return [].concat(...found).slice(0, LIMIT);
  }

  /* The page's graph ------------------------------------------------------- */

  /* The graph node of a version or run result when this page's graph holds it (drawn or in a
     cluster), else null: Shift+Enter or Shift+click lights its lineage there (dbt docs'
     `+name+`, lineage-graph/highlight.js) instead of opening its page. */
  function graphNode(entry) {
    const graph = window.lineageView;
    const kind = entry.e[0];
    if (!graph || !graph.has || (kind !== VERSION && kind !== RUN)) {
      return null;
    }
    const id = kind === VERSION ? "artifact:" + entry.title
      : "run:" + (text(index.data, entry.e[6]) || entry.title);
    return graph.has(id) ? id : null;
  }

  function highlightOnGraph(id) {
    show(false);
    input.blur();
    window.lineageView.highlightNode(id);
    const section = document.getElementById("lineage-graph");
    if (section) {
      section.scrollIntoView({ block: "nearest" });
    }
  }

  /* Showing ----------------------------------------------------------------- */

  function update() {
    if (!index) {
      load();
      return;
    }
    results = search(input.value);
    active = -1;
    render();
    if (!input.value.trim()) {
      say("");
    } else {
      say(resultCount(results.length));
    }
  }

  /* "1 result", "12 results": a count with its noun, as lineage_report/formats.plural words it
     (at most LIMIT, so no thousands separator is ever needed). */
  function resultCount(n) {
    return n ? n + (n === 1 ? " result" : " results") : "No results";
  }

  function render() {
    list.textContent = "";
    results.forEach(function (entry, i) {
      const item = document.createElement("li");
      item.id = "lr-search-result-" + i;
      item.setAttribute("role", "option");
      item.setAttribute("aria-selected", "false");
      const link = document.createElement("a");
      link.href = root + entry.path;
      link.tabIndex = -1;
      const kind = entry.e[0];
      const group = text(index.data, entry.e[5]);
      link.append(span("search-title", entry.title), span("badge kind", index.data.k[kind]));
      if (group && kind !== TYPE && kind !== JOB_TYPE) {
        link.append(span("badge group", group));
      }
      const failing = kind === VERSION ? text(index.data, entry.e[10]) : "";
      if (failing) {
        link.append(span("badge check-badge", failing)); // a version's failing checks
      }
      const more = detail(entry);
      if (more) {
        link.append(span("search-detail", more));
      }
      const node = graphNode(entry);
      if (node !== null) {
        link.append(span("search-detail", "On this page's graph: Shift+Enter highlights it"));
        link.addEventListener("click", function (event) {
          if (event.shiftKey) {
            event.preventDefault();
            highlightOnGraph(node);
          }
        });
      }
      item.append(link);
      list.append(item);
    });
    show(results.length > 0);
  }

  function span(className, text) {
    const element = document.createElement("span");
    element.className = className;
    element.textContent = text;
    return element;
  }

  function show(open) {
    list.hidden = !open;
    input.setAttribute("aria-expanded", open ? "true" : "false");
    if (!open) {
      highlight(-1);
    }
  }

  function highlight(index) {
    const items = list.children;
    if (active >= 0 && items[active]) {
      items[active].setAttribute("aria-selected", "false");
    }
    active = index;
    if (active >= 0 && items[active]) {
      items[active].setAttribute("aria-selected", "true");
      input.setAttribute("aria-activedescendant", items[active].id);
      items[active].scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function say(message) {
    if (status) {
      status.textContent = message;
    }
  }

  /* Keyboard ---------------------------------------------------------------- */

  function onKey(event) {
    if (event.isComposing) {
      return; // the key belongs to an input method (Enter picks a character)
    }
    const count = list.hidden ? 0 : results.length;
    if (event.key === "ArrowDown" && count) {
      event.preventDefault();
      highlight(active + 1 < count ? active + 1 : 0);
    } else if (event.key === "ArrowUp" && count) {
      event.preventDefault();
      highlight(active > 0 ? active - 1 : count - 1);
    } else if (event.key === "Enter" && count) {
      event.preventDefault();
      const chosen = Math.max(active, 0);
      const node = event.shiftKey ? graphNode(results[chosen]) : null;
      if (node !== null) {
        highlightOnGraph(node);
      } else {
        window.location.href = list.children[chosen].firstChild.href;
      }
    } else if (event.key === "Escape" && !list.hidden) {
      event.preventDefault(); // close the list, keep the query
      show(false);
    } else if (event.key === "Escape") {
      input.blur();
    }
  }

  function typing(target) {
    return Boolean(
      target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))
    );
  }

  function onPageKey(event) {
    const modified = event.ctrlKey || event.metaKey || event.altKey;
    if (event.key !== "/" || modified || event.defaultPrevented) {
      return;
    }
    if (!typing(event.target)) {
      event.preventDefault(); // "/" focuses the box instead of being typed into it
      input.focus();
      input.select();
    }
  }

  input.addEventListener("focus", function () {
    load();
    if (results.length) {
      show(true);
    }
  });
  input.addEventListener("input", update);
  input.addEventListener("keydown", onKey);
  box.addEventListener("focusout", function (event) {
    if (!box.contains(event.relatedTarget)) {
      show(false);
    }
  });
  document.addEventListener("keydown", onPageKey);
})();
