/* runs-table.js: a job type's runs as one table, W&B's way (jobs.html).
 *
 * The rows come from the job type's data file (lineage_report/runtable.py), a script beside
 * the page that sets window.LineageRunTable: file:// forbids fetch. Each row holds the
 * `fixed` cells (name, link, state, start, duration in seconds and as text), then one cell a
 * column. The table sorts by any column (numbers numerically, empty cells last, ties in the
 * list's order), filters by state and by name, and shows PAGE_SIZE rows at a time; the
 * sort, filters and page live in the URL fragment, so a link or a reload keeps them.
 * Without the data file (or JavaScript) the page's own paged list stays. Everything is
 * built with DOM APIs and textContent: every string came from an untrusted manifest.
 */
(function () {
  "use strict";

  const PAGE_SIZE = 50;
  const LONG_CHARS = 40; // cells with longer text are cut to the column's width (CSS)
  const NUMBER_CHARS = 10; // longer numbers show 6 significant digits (the tooltip has all)
  const data = window.LineageRunTable;
  const section = document.getElementById("runs-table");
  const list = document.getElementById("runs-list");
  if (!data || !section || !list) {
    return; // no data file: the paged list is the view
  }

  const fixed = {};
  data.fixed.forEach(function (name, index) {
    fixed[name] = index;
  });
  const first = data.fixed.length;
  const rows = data.rows;
  const names = rows.map(function (row) {
    return String(row[fixed.name]).toLowerCase();
  });
  const collator = new Intl.Collator("en", { numeric: true });

  // The columns: id (as the fragment names it), header prefix and label, cell index.
  const columns = [
    { id: "name", prefix: "", label: "Name", at: fixed.name, link: true },
    { id: "state", prefix: "", label: "State", at: fixed.state },
    { id: "started", prefix: "", label: "Started", at: fixed.started },
    { id: "duration", prefix: "", label: "Duration", at: fixed.duration_s, text: fixed.duration },
  ].concat(
    data.columns.map(function (key, index) {
      const dot = key.indexOf(".");
      const prefix = key.slice(0, dot + 1);
      return { id: key, prefix: prefix, label: key.slice(dot + 1), at: first + index };
    })
  );
  const byId = {};
  columns.forEach(function (column) {
    byId[column.id] = column;
  });

  const $ = function (id) {
    return document.getElementById(id);
  };

  function element(tag, attributes, children) {
    const made = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) {
      made.setAttribute(name, attributes[name]);
    });
    (children || []).forEach(function (child) {
      made.append(child);
    });
    return made;
  }

  function pagerButton(id, text) {
    return element("button", { type: "button", id: id }, [text]);
  }

  // The table and its controls, made here: the page holds only the empty section, so a
  // copy of it read without this script (the single-file report) shows nothing of it.
  function makeSkeleton() {
    const searchBox = element("input", {
      type: "search",
      id: "rt-filter",
      placeholder: "Run name",
      autocomplete: "off",
    });
    section.replaceChildren(
      element("div", { class: "rt-controls" }, [
        element("label", {}, ["Filter ", searchBox]),
        element("label", {}, ["State ", element("select", { id: "rt-state" })]),
      ]),
      element("p", { id: "rt-status", class: "rt-status", "aria-live": "polite" }),
      element("div", { class: "rt-scroll" }, [
        element("table", { id: "rt-table", class: "rt-table" }, [
          element("thead", {}, [element("tr")]),
          element("tbody"),
        ]),
      ]),
      element("p", { id: "rt-note", class: "rt-note" }),
      element("nav", { class: "rt-pager", "aria-label": "Table pages" }, [
        pagerButton("rt-first", "\u00ab First"),
        pagerButton("rt-prev", "\u2039 Previous"),
        element("span", { id: "rt-range", class: "rt-range" }),
        pagerButton("rt-next", "Next \u203a"),
        pagerButton("rt-last", "Last \u00bb"),
      ])
    );
  }

  makeSkeleton();
  const table = $("rt-table");
  const head = table.tHead.rows[0];
  const body = table.tBodies[0];
  const filter = $("rt-filter");
  const stateBox = $("rt-state");
  const view = { sort: "", dir: "asc", state: "", q: "", page: 1 };

  function commas(n) {
    return n.toLocaleString("en-US");
  }

  function plural(n, noun) {
    return commas(n) + " " + noun + (n === 1 ? "" : "s");
  }

  function isEmpty(value) {
    return value === null || value === undefined || value === "";
  }

  // Numbers before text, numbers by value, text as people sort it ("run-2" before "run-10").
  function compare(a, b) {
    const numA = typeof a === "number";
    const numB = typeof b === "number";
    if (numA && numB) {
      return a - b;
    }
    if (numA !== numB) {
      return numA ? -1 : 1;
    }
    return collator.compare(String(a), String(b));
  }

  // The indexes of the rows that pass the filters, sorted; ties keep the list's order.
  function visible() {
    const q = view.q.toLowerCase();
    const shown = [];
    for (let i = 0; i < rows.length; i += 1) {
      if ((!view.state || rows[i][fixed.state] === view.state) && (!q || names[i].includes(q))) {
        shown.push(i);
      }
    }
    const column = byId[view.sort];
    if (column) {
      const sign = view.dir === "desc" ? -1 : 1;
      shown.sort(function (i, j) {
        const a = rows[i][column.at];
        const b = rows[j][column.at];
        const emptyA = isEmpty(a);
        const emptyB = isEmpty(b);
        if (emptyA || emptyB) {
          return emptyA === emptyB ? i - j : emptyA ? 1 : -1; // empty last either way
        }
        return sign * compare(a, b) || i - j;
      });
    }
    return shown;
  }

  function showValue(value) {
    if (typeof value === "number") {
      const text = String(value);
      return text.length > NUMBER_CHARS ? String(Number(value.toPrecision(6))) : text;
    }
    return isEmpty(value) ? "" : String(value);
  }

  // Cells do not wrap (no word broken mid-way); a long one is cut, whole in its tooltip.
  function long(td, text) {
    if (text.length > LONG_CHARS) {
      td.classList.add("rt-long");
      td.title = text;
    }
  }

  function makeCell(row, column) {
    const td = document.createElement("td");
    const value = row[column.at];
    if (column.link) {
      const a = document.createElement("a");
      a.href = row[fixed.href];
      a.textContent = value;
      td.appendChild(a);
      long(td, String(value));
      return td;
    }
    const own = column.text === undefined;
    const text = own ? showValue(value) : row[column.text];
    td.textContent = text;
    if (typeof value === "number") {
      td.className = "rt-number";
      if (own && text !== String(value)) {
        td.title = String(value); // the number to its last digit
      }
    } else {
      long(td, text);
    }
    return td;
  }

  function drawHead() {
    head.replaceChildren();
    columns.forEach(function (column) {
      const th = document.createElement("th");
      th.scope = "col";
      const sorted = view.sort === column.id;
      const way = view.dir === "desc" ? "descending" : "ascending";
      th.setAttribute("aria-sort", sorted ? way : "none");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "rt-sort";
      button.dataset.column = column.id;
      if (column.prefix) {
        const prefix = document.createElement("span");
        prefix.className = "rt-prefix";
        prefix.textContent = column.prefix;
        button.appendChild(prefix);
      }
      button.appendChild(document.createTextNode(column.label));
      const arrow = document.createElement("span");
      arrow.className = "rt-arrow";
      arrow.setAttribute("aria-hidden", "true");
      arrow.textContent = sorted ? (view.dir === "desc" ? " \u25bc" : " \u25b2") : "";
      button.appendChild(arrow);
      th.appendChild(button);
      head.appendChild(th);
    });
  }

  const counts = {}; // runs by state, for the state filter
  function drawStates() {
    rows.forEach(function (row) {
      const state = row[fixed.state];
      counts[state] = (counts[state] || 0) + 1;
    });
    const states = Object.keys(counts).sort(function (a, b) {
      return counts[b] - counts[a] || collator.compare(a, b);
    });
    const options = [["", "All states (" + commas(rows.length) + ")"]].concat(
      states.map(function (state) {
        return [state, (state || "no state") + " (" + commas(counts[state]) + ")"];
      })
    );
    stateBox.replaceChildren();
    options.forEach(function (pair) {
      const option = document.createElement("option");
      option.value = pair[0];
      option.textContent = pair[1];
      stateBox.appendChild(option);
    });
  }

  function drawNote() {
    const parts = [];
    if (data.constant) {
      parts.push(plural(data.constant, "column") + " with one value on every run not shown");
    }
    if (data.omitted) {
      const what = plural(data.omitted, "more column");
      parts.push(what + " left out (the table keeps the most varied)");
    }
    const all = ". Each run's page shows all its config and summary.";
    $("rt-note").textContent = parts.length ? parts.join("; ") + all : "";
  }

  function draw() {
    const shown = visible();
    const pages = Math.max(1, Math.ceil(shown.length / PAGE_SIZE));
    view.page = Math.min(Math.max(1, view.page), pages);
    const start = (view.page - 1) * PAGE_SIZE;
    const slice = shown.slice(start, start + PAGE_SIZE);
    const fragment = document.createDocumentFragment();
    slice.forEach(function (index) {
      const tr = document.createElement("tr");
      columns.forEach(function (column) {
        tr.appendChild(makeCell(rows[index], column));
      });
      fragment.appendChild(tr);
    });
    body.replaceChildren(fragment);
    drawHead();
    const last = commas(start + slice.length);
    let range = shown.length
      ? commas(start + 1) + "\u2013" + last + " of " + commas(shown.length)
      : "No runs match";
    if (shown.length !== rows.length) {
      range += " (" + plural(rows.length, "run") + " in all)";
    }
    $("rt-range").textContent = range;
    $("rt-status").textContent = range;
    $("rt-first").disabled = $("rt-prev").disabled = view.page <= 1;
    $("rt-next").disabled = $("rt-last").disabled = view.page >= pages;
    filter.value = view.q;
    stateBox.value = view.state;
  }

  // The view in the fragment: #sort=config.lr&dir=desc&state=failed&q=abc&page=3.
  function readFragment() {
    const params = new URLSearchParams(location.hash.slice(1));
    view.sort = byId[params.get("sort")] ? params.get("sort") : "";
    view.dir = params.get("dir") === "desc" ? "desc" : "asc";
    const state = params.get("state") || "";
    view.state = Object.prototype.hasOwnProperty.call(counts, state) ? state : "";
    view.q = params.get("q") || "";
    view.page = parseInt(params.get("page"), 10) || 1;
  }

  function writeFragment() {
    const params = new URLSearchParams();
    if (view.sort) {
      params.set("sort", view.sort);
      params.set("dir", view.dir);
    }
    if (view.state) {
      params.set("state", view.state);
    }
    if (view.q) {
      params.set("q", view.q);
    }
    if (view.page > 1) {
      params.set("page", String(view.page));
    }
    const text = params.toString();
    history.replaceState(null, "", text ? "#" + text : location.pathname + location.search);
  }

  function change(what) {
    Object.assign(view, what);
    draw();
    writeFragment();
  }

  head.addEventListener("click", function (event) {
    const button = event.target.closest("button.rt-sort");
    if (!button) {
      return;
    }
    const id = button.dataset.column;
    const dir = view.sort === id && view.dir === "asc" ? "desc" : "asc";
    change({ sort: id, dir: dir, page: 1 });
    const again = head.querySelector('button[data-column="' + CSS.escape(id) + '"]');
    if (again) {
      again.focus(); // the header was redrawn: keep the keyboard where it was
    }
  });
  filter.addEventListener("input", function () {
    change({ q: filter.value, page: 1 });
  });
  stateBox.addEventListener("change", function () {
    change({ state: stateBox.value, page: 1 });
  });
  $("rt-first").addEventListener("click", function () {
    change({ page: 1 });
  });
  $("rt-prev").addEventListener("click", function () {
    change({ page: view.page - 1 });
  });
  $("rt-next").addEventListener("click", function () {
    change({ page: view.page + 1 });
  });
  $("rt-last").addEventListener("click", function () {
    change({ page: Infinity });
  });
  window.addEventListener("hashchange", function () {
    readFragment();
    draw();
  });

  drawStates();
  drawNote();
  readFragment();
  draw();
  list.hidden = true;
  section.hidden = false;
})();
