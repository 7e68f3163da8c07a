/* tech-graph serve: the query page (editor, table/graph/timeline views) and entity-page timelines.
   Every data string reaches the page through textContent or a DOM node, never as HTML. */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("page-data").textContent || "{}");
  var XSD = "http://www.w3.org/2001/XMLSchema#";
  var DATE_TYPES = { date: "day", dateTime: "day", gYear: "year", gYearMonth: "month" };
  var ISO = /^(-?\d{4})(?:-(\d\d))?(?:-(\d\d))?(?:T[\d:.]+)?(?:Z|[+-]\d\d:\d\d)?$/;

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function compact(iri) {
    var best = "", ns = "";
    Object.keys(data.prefixes || {}).forEach(function (p) {
      var n = data.prefixes[p];
      if (iri.indexOf(n) === 0 && n.length > ns.length && /^[\w.\-]+$/.test(iri.slice(n.length))) { best = p; ns = n; }
    });
    return best ? best + ":" + iri.slice(ns.length) : "<" + iri + ">";
  }

  function linkFor(iri) {
    if (data.idBase && iri.indexOf(data.idBase) === 0) {
      return "/id/" + iri.slice(data.idBase.length).split("/").map(encodeURIComponent).join("/");
    }
    return "/resource?iri=" + encodeURIComponent(iri);
  }

  /* A date cell as {start, end, precision, label}, or null: typed xsd dates, or ISO text such as 2020-11 or a/b. */
  function when(cell) {
    if (!cell || cell.type !== "literal") return null;
    var dt = cell.datatype ? cell.datatype.replace(XSD, "") : "";
    if (dt && dt !== "string" && !DATE_TYPES[dt]) return null;
    var parts = cell.value.split("/");
    var first = parseWhen(parts[0]);
    if (!first) return null;
    var last = parts.length === 2 ? parseWhen(parts[1]) : first;
    if (!last) return null;
    return { start: first.start, end: last.end, point: parts.length === 1 && first.precision === "day", label: cell.value };
  }

  function parseWhen(text) {
    var m = ISO.exec(text.trim());
    if (!m) return null;
    var y = +m[1];
    if (m[3]) { var d = new Date(Date.UTC(y, +m[2] - 1, +m[3])); return { start: d, end: d, precision: "day" }; }
    if (m[2]) return { start: new Date(Date.UTC(y, +m[2] - 1, 1)), end: new Date(Date.UTC(y, +m[2], 0)), precision: "month" };
    return { start: new Date(Date.UTC(y, 0, 1)), end: new Date(Date.UTC(y, 11, 31)), precision: "year" };
  }

  function dayAfter(d) { return new Date(d.getTime() + 86400000); }

  /* ---------- the query page ---------- */

  var NUMBER_TYPES = ["integer", "decimal", "double", "float", "int", "long", "short", "byte",
    "nonNegativeInteger", "positiveInteger", "negativeInteger", "nonPositiveInteger",
    "unsignedInt", "unsignedLong", "unsignedShort", "unsignedByte"];
  /* Columns that name the link between a row's resources rather than a resource of their own. */
  var EDGE_COLUMNS = /^(link|relation|role|property|predicate|p)$/i;
  var VIEW_NAMES = { table: "table", graph: "graph", timeline: "timeline", bar: "bar", barchart: "bar" };
  var MAX_BARS = 200;
  /* One colour per node column, in column order (Okabe-Ito, readable by colour-blind readers). */
  var PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#999999"];

  function isNumber(cell) {
    return cell.type === "literal" && !!cell.datatype && cell.datatype.indexOf(XSD) === 0 &&
      NUMBER_TYPES.indexOf(cell.datatype.slice(XSD.length)) >= 0 && isFinite(+cell.value);
  }

  /* What the columns hold, the way WDQS and YASGUI decide on views: by the values, and the
     `?x` / `?xLabel` naming convention. */
  function shapeOf(result) {
    var vars = result.vars, rows = result.rows;
    function some(v, test) { return rows.some(function (r) { return r[v] && test(r[v]); }); }
    function all(v, test) {
      var seen = 0;
      var ok = rows.every(function (r) { if (!r[v]) return true; seen += 1; return test(r[v]); });
      return ok && seen > 0;
    }
    var labelFor = {}, labelCols = {};
    vars.forEach(function (v) {
      [v + "Label", v + "_label"].forEach(function (l) {
        if (!labelFor[v] && vars.indexOf(l) >= 0 && some(v, function (c) { return c.type === "uri"; })) {
          labelFor[v] = l; labelCols[l] = true;
        }
      });
    });
    var iriCols = vars.filter(function (v) { return !labelCols[v] && some(v, function (c) { return c.type === "uri"; }); });
    var edgeCols = vars.filter(function (v) { return EDGE_COLUMNS.test(v) && !labelCols[v]; });
    var nodeCols = iriCols.filter(function (v) { return edgeCols.indexOf(v) < 0; });
    var numberCols = vars.filter(function (v) { return !labelCols[v] && all(v, isNumber); });
    var dateCols = vars.filter(function (v) {
      return !labelCols[v] && numberCols.indexOf(v) < 0 && all(v, function (c) { return when(c) !== null; });
    });
    var distinct = function (v) {
      var seen = new Set();
      rows.forEach(function (r) { if (r[v]) seen.add(r[v].value); });
      return seen.size;
    };
    // The row's key: the column that determines most of the varying others (one value of each
    // per key value), as ?event determines its date and type but not its several regulators;
    // on a tie, the earlier column.
    var varying = vars.filter(function (v) { return distinct(v) > 1; });
    var determines = function (k) {
      return varying.filter(function (v) {
        if (v === k || v === labelFor[k]) return false;
        var seen = new Map();
        return rows.every(function (r) {
          if (!r[k]) return true;
          var value = r[v] ? r[v].value : "";
          if (!seen.has(r[k].value)) { seen.set(r[k].value, value); return true; }
          return seen.get(r[k].value) === value;
        });
      }).length;
    };
    var pick = function (cols) {
      var found = null, rank = null;
      cols.forEach(function (v) {
        var mine = determines(v);
        if (rank === null || mine > rank) { found = v; rank = mine; }
      });
      return found;
    };
    var key = pick(nodeCols);
    var textCols = vars.filter(function (v) {
      return !labelCols[v] && iriCols.indexOf(v) < 0 && numberCols.indexOf(v) < 0 && dateCols.indexOf(v) < 0 &&
        edgeCols.indexOf(v) < 0 && some(v, function (c) { return c.type === "literal"; });
    });
    // `?label` or `?name` names the row's key resource when that has no `?keyLabel` of its own.
    if (key && !labelFor[key]) {
      var generic = textCols.filter(function (v) { return /^(label|name)$/i.test(v); })[0];
      if (generic) { labelFor[key] = generic; labelCols[generic] = true; textCols.splice(textCols.indexOf(generic), 1); }
    }
    // Without IRIs, a text column stands for the row's thing, chosen the same way.
    if (!key) key = pick(textCols);
    var linked = rows.some(function (r) {
      return nodeCols.filter(function (v) { return r[v] && r[v].type === "uri"; }).length >= 2;
    });
    var endCol = dateCols.filter(function (v) { return /^(end|until|to)$/i.test(v); })[0] || dateCols[1] || null;
    var startCol = dateCols.filter(function (v) { return v !== endCol; })[0] || null;
    // Bars are named by the key, else by any other column that is not a number (a year, say).
    var barLabel = key || vars.filter(function (v) { return !labelCols[v] && numberCols.indexOf(v) < 0; })[0] || null;
    return {
      vars: vars, rows: rows, labelFor: labelFor, labelCols: labelCols, nodeCols: nodeCols, edgeCols: edgeCols,
      numberCols: numberCols, dateCols: dateCols, textCols: textCols, key: key, barKey: barLabel,
      start: startCol, end: endCol,
      views: { table: true, graph: linked, timeline: !!startCol, bar: numberCols.length > 0 && !!barLabel }
    };
  }

  /* The text that names a cell: its label column, else the compact IRI, else the value. */
  function nameOf(shape, row, v) {
    var cell = row[v];
    if (!cell) return "";
    var l = shape.labelFor[v] && row[shape.labelFor[v]];
    if (l) return l.value;
    return cell.type === "uri" ? compact(cell.value) : cell.value;
  }

  /* How well a row names a cell: an English or untagged label (the page is in English) 2,
     a label in another language 1, none (the compact IRI) 0. */
  function labelRank(shape, row, v) {
    var l = shape.labelFor[v] && row[shape.labelFor[v]];
    if (!l) return 0;
    var lang = (l["xml:lang"] || "").toLowerCase();
    return lang === "" || lang === "en" || lang.indexOf("en-") === 0 ? 2 : 1;
  }

  function queryPage() {
    var textarea = document.getElementById("query");
    var editor = window.CodeMirror.fromTextArea(textarea, {
      mode: "application/sparql-query", lineNumbers: true, matchBrackets: true, indentUnit: 2,
      extraKeys: { "Ctrl-Enter": function () { run(); }, "Cmd-Enter": function () { run(); } }
    });
    var status = document.getElementById("status");
    var views = document.querySelectorAll("#views button[data-view]");
    var panes = document.querySelectorAll(".result");
    var detail = document.getElementById("detail"), area = document.querySelector(".result-area");
    var shape = null, network = null, timeline = null, groups = {};  // groups: per view, its selectable items
    var state = { query: "", view: "table", item: "" };  // what the URL's hash holds
    var ranQuery = null, pending = false, drawn = {}, networkEdges = [];

    function setStatus(text, bad) { status.textContent = text; status.className = bad ? "bad" : ""; }

    /* ----- the state in the URL: #query=...&view=...&item=... (a bare #QUERY still opens) ----- */

    function readHash() {
      var hash = location.hash.slice(1);
      if (!hash) return null;
      if (!/^(query|view|item)=/.test(hash)) {
        try { return { query: decodeURIComponent(hash), view: "", item: "" }; } catch (e) { return null; }
      }
      var params = new URLSearchParams(hash);
      return { query: params.get("query") || "", view: params.get("view") || "", item: params.get("item") || "" };
    }

    function hashOf(s) {
      var parts = ["query=" + encodeURIComponent(s.query)];
      if (s.view) parts.push("view=" + encodeURIComponent(s.view));
      if (s.item) parts.push("item=" + encodeURIComponent(s.item));
      return "#" + parts.join("&");
    }

    function writeHash(push) {
      var hash = hashOf(state);
      if (hash === location.hash) return;
      if (push) history.pushState(null, "", hash); else history.replaceState(null, "", hash);
    }

    function fromHash() {
      var s = readHash();
      if (!s) return;
      // The same query with a view: only the view or the selection changed (or it still runs).
      // Without a view the link came from outside (an example, a shared link): run it afresh.
      if (s.query === ranQuery && s.view) {
        if (pending) { state.view = s.view; state.item = s.item; return; }
        if (shape && (s.view !== state.view || s.item !== state.item)) { state.item = s.item; show(s.view, true); }
        return;
      }
      editor.setValue(s.query);
      execute(s.query, s.view, s.item);
    }

    /* ----- running ----- */

    function run() {
      var text = editor.getValue();
      var changed = text !== state.query;
      state = { query: text, view: "", item: "" };
      writeHash(changed);
      execute(text, "", "");
    }

    function execute(text, view, item) {
      state = { query: text, view: view, item: item };
      ranQuery = text;
      pending = true;
      setStatus("running…");
      var started = performance.now();
      fetch("/sparql", {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded",
                   "Accept": "application/sparql-results+json, text/turtle;q=0.9" },
        body: "query=" + encodeURIComponent(text)
      }).then(function (response) {
        return response.text().then(function (body) {
          if (text !== ranQuery) return;  // a newer query was started meanwhile
          pending = false;
          var ms = Math.round(performance.now() - started);
          if (!response.ok) { fail(body.replace(/^error: /, "").trim() || response.statusText); return; }
          if ((response.headers.get("Content-Type") || "").indexOf("json") < 0) { showText(body, ms); return; }
          render(JSON.parse(body), text, ms);
        });
      }).catch(function (err) { pending = false; fail(String(err)); });
    }

    function fail(message) {
      shape = null;
      setStatus(message, true);
      document.getElementById("result-table").replaceChildren(el("p", { "class": "error" }, message));
      enable({ table: true });
      show("table");
    }

    function showText(body, ms) {
      shape = null;
      setStatus("graph result in " + ms + " ms");
      enable({});
      panes.forEach(function (p) { p.hidden = p.id !== "result-text"; });
      document.getElementById("graph-legend").hidden = true;
      showPanel(false);
      document.getElementById("result-text").textContent = body;
    }

    function enable(ok) {
      views.forEach(function (b) {
        var on = !!ok[b.getAttribute("data-view")];
        b.disabled = !on;
        b.title = on ? "" : b.getAttribute("data-why");
      });
    }

    function render(json, text, ms) {
      if (json.boolean !== undefined) {
        shape = null;
        setStatus("ASK in " + ms + " ms");
        document.getElementById("result-table").replaceChildren(el("p", { "class": "boolean" }, String(json.boolean)));
        enable({ table: true }); show("table");
        return;
      }
      shape = shapeOf({ vars: json.head.vars, rows: json.results.bindings });
      drawn = {}; groups = {};
      var n = shape.rows.length;
      setStatus(n + " row" + (n === 1 ? "" : "s") + " in " + ms + " ms");
      drawTable(shape);
      enable(shape.views);
      var wanted = /#\s*defaultView\s*:\s*(\w+)/i.exec(text);
      var view = VIEW_NAMES[(state.view || (wanted ? wanted[1] : "table")).toLowerCase()] || "table";
      show(shape.views[view] ? view : "table", true);
    }

    /* ----- views ----- */

    function show(view, restoring) {
      if (!shape || !shape.views[view]) view = "table";
      panes.forEach(function (p) { p.hidden = p.getAttribute("data-view") !== view; });
      document.getElementById("graph-legend").hidden = view !== "graph";
      views.forEach(function (b) { b.setAttribute("aria-selected", b.getAttribute("data-view") === view ? "true" : "false"); });
      var item = restoring ? state.item : "";
      state.view = view; state.item = item;
      writeHash(false);
      fitHeight();
      showPanel(false);
      if (!shape) return;
      if (!drawn[view]) {
        drawn[view] = true;
        if (view === "graph") drawGraph(shape);
        if (view === "timeline") drawTimeline(shape);
        if (view === "bar") drawBar(shape);
      }
      if (item) select(view, item);
    }

    views.forEach(function (b) {
      b.addEventListener("click", function () { if (!b.disabled) show(b.getAttribute("data-view")); });
    });

    /* The chosen view fills the window below its top, so it is seen without scrolling. */
    function fitHeight() {
      panes.forEach(function (p) {
        if (p.hidden) return;
        var top = p.getBoundingClientRect().top + window.scrollY;
        var room = Math.max(280, Math.floor(window.innerHeight - top - 12));
        p.style.height = p.id === "result-graph" || p.id === "result-timeline" ? room + "px" : "";
        p.style.maxHeight = room + "px";
        if (p.id === "result-graph" && network) network.setSize("100%", room + "px");
      });
    }
    var resizing = null;
    window.addEventListener("resize", function () { clearTimeout(resizing); resizing = setTimeout(fitHeight, 100); });

    /* The panel sits beside the view on a wide screen and over it on a narrow one. */
    function showPanel(on) {
      if (detail.hidden === !on) return;
      detail.hidden = !on;
      area.classList.toggle("with-detail", on);
      if (network && state.view === "graph") network.redraw();
      if (timeline && state.view === "timeline") timeline.tgRefit();
    }

    /* Select an item of a view (a graph node, a timeline event, a bar) and show its rows. */
    function select(view, id) {
      var group = (groups[view] || []).filter(function (g) { return g.id === id; })[0];
      if (!group) return;
      if (view === "graph" && network) network.selectNodes([id]);
      if (view === "timeline" && timeline) timeline.setSelection([id]);
      if (view === "bar") {
        document.querySelectorAll("#result-bar .bar").forEach(function (b) {
          b.classList.toggle("selected", b.getAttribute("data-id") === id);
        });
      }
      state.item = id;
      writeHash(false);
      showDetail(group);
    }

    function unselect() {
      state.item = "";
      writeHash(false);
      showPanel(false);
    }

    /* ----- the table ----- */

    /* A column's literals carry their language or datatype only when the column mixes them. */
    function mixedColumns(s) {
      var mixed = {};
      s.vars.forEach(function (v) {
        var kinds = new Set();
        s.rows.forEach(function (r) {
          var c = r[v];
          if (c && c.type !== "uri" && c.type !== "bnode") {
            kinds.add(c["xml:lang"] ? "@" + c["xml:lang"] : (c.datatype === XSD + "string" ? "" : c.datatype || ""));
          }
        });
        mixed[v] = kinds.size > 1;
      });
      return mixed;
    }

    function cellNode(cell, tagged) {
      if (!cell) return document.createTextNode("");
      if (cell.type === "uri") return el("a", { href: linkFor(cell.value), title: cell.value }, compact(cell.value));
      if (cell.type === "bnode") return el("span", { "class": "bnode" }, "_:" + cell.value);
      var span = el("span", {}, cell.value);
      if (tagged && (cell["xml:lang"] || cell.datatype)) {
        span.appendChild(el("span", { "class": "tag" }, " " + (cell["xml:lang"] ? "@" + cell["xml:lang"] : compact(cell.datatype))));
      }
      return span;
    }

    function drawTable(s) {
      var mixed = mixedColumns(s);
      var table = el("table", { "class": "grid results" });
      var head = el("tr");
      s.vars.forEach(function (v) { head.appendChild(el("th", {}, "?" + v)); });
      table.appendChild(el("thead")).appendChild(head);
      var body = el("tbody");
      s.rows.forEach(function (r) {
        var tr = el("tr");
        s.vars.forEach(function (v) {
          var td = tr.appendChild(el("td", s.numberCols.indexOf(v) >= 0 ? { "class": "num" } : {}));
          td.appendChild(cellNode(r[v], mixed[v]));
        });
        body.appendChild(tr);
      });
      table.appendChild(body);
      document.getElementById("result-table").replaceChildren(table);
    }

    /* ----- groups: one per resource (or text) of the key column ----- */

    function groupRows(s, key) {
      var byId = new Map(), list = [];
      s.rows.forEach(function (r, i) {
        var id = key && r[key] ? r[key].value : "row-" + i;
        var g = byId.get(id);
        if (!g) {
          g = { id: id, rows: [], iri: key && r[key] && r[key].type === "uri" ? r[key].value : null,
                label: key && r[key] ? nameOf(s, r, key) : "row " + (i + 1), rank: key ? labelRank(s, r, key) : 0 };
          byId.set(id, g); list.push(g);
        } else if (labelRank(s, r, key) > g.rank) {
          g.label = nameOf(s, r, key); g.rank = labelRank(s, r, key);
        }
        g.rows.push(r);
      });
      return list;
    }

    /* The panel: the selected item's name, and every other column's distinct values over its rows. */
    function showDetail(group) {
      var s = shape;
      var title = el("h3", {});
      if (group.iri) title.appendChild(el("a", { href: linkFor(group.iri), title: group.iri }, group.label));
      else title.textContent = group.label;
      var close = el("button", { type: "button", "class": "close", "aria-label": "close" }, "×");
      close.addEventListener("click", unselect);
      var list = el("dl", {});
      s.vars.forEach(function (v) {
        if (s.labelCols[v]) return;
        var seen = new Map();
        group.rows.forEach(function (r) {
          if (!r[v] || r[v].value === group.id) return;
          var had = seen.get(r[v].value);
          if (!had || labelRank(s, r, v) > labelRank(s, had, v)) seen.set(r[v].value, r);
        });
        if (!seen.size) return;
        list.appendChild(el("dt", {}, "?" + v));
        var dd = list.appendChild(el("dd", {}));
        seen.forEach(function (r) {
          var cell = r[v];
          var line = dd.appendChild(el("div", {}));
          if (cell.type === "uri") line.appendChild(el("a", { href: linkFor(cell.value), title: cell.value }, nameOf(s, r, v)));
          else line.textContent = cell.value;
        });
      });
      detail.replaceChildren(close, title, list);
      showPanel(true);
    }

    /* ----- the graph ----- */

    function drawGraph(s) {
      var nodes = new Map(), edges = new Map();
      function node(r, v) {
        var iri = r[v].value;
        var known = nodes.get(iri), name = nameOf(s, r, v), rank = labelRank(s, r, v);
        if (!known) nodes.set(iri, { id: iri, label: name, name: name, group: v, links: 0, rank: rank });
        else if (rank > known.rank) { known.label = name; known.name = name; known.rank = rank; }
      }
      // An edge column (?link ...) labels the link between the node columns on either side of it.
      var linkEnds = {};
      s.edgeCols.forEach(function (e) {
        var at = s.vars.indexOf(e);
        var before = s.nodeCols.filter(function (v) { return s.vars.indexOf(v) < at; });
        var after = s.nodeCols.filter(function (v) { return s.vars.indexOf(v) > at; });
        linkEnds[e] = [before[before.length - 1], after[0]];
      });
      s.rows.forEach(function (r) {
        var present = s.nodeCols.filter(function (v) { return r[v] && r[v].type === "uri"; });
        if (!present.length) return;
        present.forEach(function (v) { node(r, v); });
        var hub = present.indexOf(s.key) >= 0 ? s.key : present[0];
        // The row's links: its key to each other resource, and the two ends of each edge column.
        var pairs = present.filter(function (v) { return v !== hub; }).map(function (v) { return [hub, v]; });
        s.edgeCols.forEach(function (e) {
          var ends = linkEnds[e];
          if (r[e] && ends[0] && ends[1] && present.indexOf(ends[0]) >= 0 && present.indexOf(ends[1]) >= 0 &&
              ends.indexOf(hub) < 0) pairs.push(ends);
        });
        pairs.forEach(function (pair) {
          var a = pair[0], v = pair[1];
          if (r[v].value === r[a].value) return;
          var forward = s.vars.indexOf(a) < s.vars.indexOf(v);
          var from = forward ? r[a].value : r[v].value, to = forward ? r[v].value : r[a].value;
          var between = s.edgeCols.filter(function (e) {
            return r[e] && linkEnds[e].indexOf(a) >= 0 && linkEnds[e].indexOf(v) >= 0;
          });
          var label = between.length ? between.map(function (e) { return nameOf(s, r, e); }).join(", ") : (forward ? v : a);
          var id = from + " " + to + " " + label;
          if (!edges.has(id)) {
            edges.set(id, { id: id, from: from, to: to, label: label, arrows: "to", named: between.length > 0 });
            nodes.get(from).links += 1; nodes.get(to).links += 1;
          }
        });
      });
      // Each node's panel: every row it appears in.
      var found = Array.from(nodes.values()).map(function (n) {
        var rows = s.rows.filter(function (r) { return s.nodeCols.some(function (v) { return r[v] && r[v].value === n.id; }); });
        return { id: n.id, iri: n.id, label: n.name, rows: rows };
      });
      groups.graph = found;
      var list = Array.from(nodes.values());
      list.forEach(function (n) { n.value = n.links; n.title = el("span", {}, n.name + "\n" + n.id); });
      // Edge labels only where they tell edges apart and do not crowd the picture; all have a tooltip.
      var kinds = new Set(Array.from(edges.values()).map(function (e) { return e.label; }));
      var quiet = edges.size > 40 || kinds.size < 2;
      // Where an edge column names the links, a column name on the other arrows would only crowd them.
      var anyNamed = Array.from(edges.values()).some(function (e) { return e.named; });
      edges.forEach(function (e) {
        e.text = e.label; e.title = el("span", {}, e.label);
        if (quiet || (anyNamed && !e.named)) e.label = undefined;
        delete e.named;
      });
      networkEdges = Array.from(edges.values());
      // The legend: which column each colour stands for.
      var colours = {}, legend = document.getElementById("graph-legend");
      legend.replaceChildren();
      s.nodeCols.forEach(function (v, i) {
        var colour = PALETTE[i % PALETTE.length];
        colours[v] = { color: { background: colour, border: colour, highlight: { background: colour, border: "#1d2330" } } };
        if (!list.some(function (n) { return n.group === v; })) return;
        var entry = legend.appendChild(el("span", { "class": "entry" }));
        var dot = entry.appendChild(el("span", { "class": "dot" }));
        dot.style.background = colour;
        entry.appendChild(document.createTextNode("?" + v));
      });
      var container = document.getElementById("result-graph");
      if (network) network.destroy();
      network = new window.vis.Network(container,
        { nodes: new window.vis.DataSet(list), edges: new window.vis.DataSet(Array.from(edges.values())) },
        {
          autoResize: true,
          physics: { solver: "forceAtlas2Based", stabilization: { iterations: 250, fit: true },
                     forceAtlas2Based: { gravitationalConstant: -90, springLength: 120, avoidOverlap: 0.8 } },
          layout: { randomSeed: 7 },
          edges: { smooth: false, color: { color: "#9aa3b5", highlight: "#1f5fbf" },
                   font: { size: 11, color: "#5b6477", strokeWidth: 3 } },
          groups: colours,
          nodes: { shape: "dot", scaling: { min: 8, max: 26, label: { enabled: false } },
                   font: { size: 14, color: "#1d2330", strokeWidth: 4, strokeColor: "#ffffff" } },
          interaction: { hover: true, tooltipDelay: 150 }
        });
      network.once("stabilizationIterationsDone", function () {
        network.setOptions({ physics: false });
        network.fit({ animation: false });
        legible();
        container.setAttribute("data-ready", "true");
        if (state.view === "graph" && state.item) select("graph", state.item);
      });
      network.on("click", function (params) {
        if (params.nodes.length) select("graph", params.nodes[0]); else unselect();
      });
      network.on("doubleClick", function (params) {
        if (params.nodes.length) window.location.href = linkFor(params.nodes[0]);
      });
      var settling = null;
      var later = function () { clearTimeout(settling); settling = setTimeout(legible, 120); };
      network.on("zoom", later);
      network.on("dragEnd", later);
      network.tgNodes = list;
      container.setAttribute("data-nodes", String(nodes.size));
      container.setAttribute("data-edges", String(edges.size));
    }

    /* Labels keep at least 12 px on screen whatever the zoom. Where they would overlap, the
       nodes with the most links keep theirs; the others show it on hover, in the panel, and
       once zoomed in far enough. */
    var measure = document.createElement("canvas").getContext("2d");
    function legible() {
      var scale = network.getScale();
      var size = Math.min(400, Math.max(14, Math.ceil(12 / scale)));
      if (size !== network.tgFont) {
        network.tgFont = size;
        network.setOptions({ nodes: { font: { size: size } }, edges: { font: { size: Math.round(size * 0.8) } } });
      }
      var px = size * scale;
      measure.font = px + "px system-ui, sans-serif";
      var at = network.getPositions();
      var view = network.body.container.getBoundingClientRect();
      var taken = [], changes = [];
      var order = network.tgNodes.slice().sort(function (a, b) { return b.links - a.links; });
      // Best-connected first: each node's label must miss the labels and dots placed before it
      // and lie inside the view; then its dot is placed.
      order.forEach(function (n) {
        var p = network.canvasToDOM(at[n.id]);
        var r = (8 + 18 * Math.min(1, n.links / 12)) * scale;
        var text = n.name.length > 48 ? n.name.slice(0, 46) + "…" : n.name;
        var w = measure.measureText(text).width / 2 + 3;
        var box = { x1: p.x - w, x2: p.x + w, y1: p.y + r, y2: p.y + r + px * 1.25 };
        var inside = box.x1 >= 0 && box.x2 <= view.width && box.y1 >= 0 && box.y2 <= view.height;
        var free = inside && !taken.some(function (t) {
          return box.x1 < t.x2 && t.x1 < box.x2 && box.y1 < t.y2 && t.y1 < box.y2;
        });
        if (free) taken.push(box);
        taken.push({ x1: p.x - r, x2: p.x + r, y1: p.y - r, y2: p.y + r });
        var label = free ? text : "";
        if (label !== n.label) { n.label = label; changes.push({ id: n.id, label: label }); }
      });
      if (changes.length) network.body.data.nodes.update(changes);
      network.tgShown = order.filter(function (n) { return n.label; }).length;
    }

    /* ----- the timeline ----- */

    function drawTimeline(s) {
      var found = groups.timeline = [];
      var items = [], undated = 0;
      groupRows(s, s.key).forEach(function (g) {
        var start = null, end = null, texts = [];
        g.rows.forEach(function (r) {
          var w = when(r[s.start]);
          if (!w) return;
          if (!start || w.start < start.start) start = w;
          var e = s.end ? when(r[s.end]) : null;
          var last = e || w;
          if (!end || last.end > end.end) end = last;
          if (texts.indexOf(w.label) < 0) texts.push(w.label);
        });
        if (!start) { undated += 1; return; }
        g.when = end && end !== start ? start.label + " – " + end.label : start.label;
        found.push(g);
        items.push({ id: g.id, label: g.label, start: start.start, end: end.end,
                     point: start === end && start.point, title: g.label + " (" + g.when + ")" });
      });
      var container = document.getElementById("result-timeline");
      var first = Math.min.apply(null, items.map(function (it) { return +it.start; }));
      var last = Math.max.apply(null, items.map(function (it) { return +it.end; }));
      var extent = Math.max(last - first, 86400000 * 30);
      var width = container.clientWidth || 800;
      // The whole period, and room on the right for every point's label: the smallest scale
      // (ms per px) at which each label, starting at its item, still ends inside the window.
      measure.font = "13px system-ui, sans-serif";
      items.forEach(function (it) { it.px = measure.measureText(it.label).width + 28; });
      var span = function (w) {
        var from = first - extent * 0.03, per = (last - from) / w;
        items.forEach(function (it) {
          if (it.px < w * 0.8) per = Math.max(per, (+it.start - from) / (w - it.px));
        });
        per = Math.min(per, (last - from) / (w * 0.6));  // history keeps at least 60% of the width
        return { start: new Date(from), end: new Date(from + per * w) };
      };
      var shown = items.map(function (it) {
        var item = { id: it.id, content: el("span", {}, it.label), start: it.start, title: el("span", {}, it.title) };
        // A span too short to hold its label is drawn as a point, so the label is never cut.
        var px = (it.end - it.start) / extent * width;
        if (!it.point && px > it.px) { item.end = dayAfter(it.end); item.type = "range"; }
        else { item.type = "point"; if (!it.point) item.className = "span"; }
        return item;
      });
      if (timeline) timeline.destroy();
      var room = parseInt(container.style.height, 10) || 420;
      timeline = new window.vis.Timeline(container, new window.vis.DataSet(shown),
        { stack: true, height: room + "px", zoomMin: 86400000 * 7, orientation: { axis: "top" },
          verticalScroll: true, zoomKey: "ctrlKey", margin: { item: { horizontal: 4, vertical: 4 } }, showCurrentTime: false,
          start: span(width).start, end: span(width).end });
      timeline.tgRefit = function () {
        if (!container.clientWidth) return;
        timeline.redraw();
        var w = span(container.clientWidth);
        timeline.setWindow(w.start, w.end, { animation: false });
      };
      timeline.on("select", function (props) {
        if (props.items.length) select("timeline", props.items[0]); else unselect();
      });
      timeline.on("doubleClick", function (props) {
        var g = found.filter(function (x) { return x.id === props.item; })[0];
        if (g && g.iri) window.location.href = linkFor(g.iri);
      });
      container.setAttribute("data-items", String(items.length));
      if (undated) setStatus(status.textContent + " · " + undated + " without a date, not on the timeline");
      container.setAttribute("data-ready", "true");
    }

    /* ----- the bar chart (GROUP BY results: a label column and a number column) ----- */

    function drawBar(s) {
      var container = document.getElementById("result-bar");
      var pick = el("select", { id: "bar-measure", "aria-label": "number column" });
      s.numberCols.forEach(function (v) { pick.appendChild(el("option", { value: v }, "?" + v)); });
      var chart = el("ol", { "class": "bars" });
      function draw(measure) {
        groups.bar = groupRows(s, s.barKey);
        var bars = [];
        groups.bar.forEach(function (g) {
          g.rows.forEach(function (r, i) {
            if (!r[measure]) return;
            bars.push({ group: g, row: r, value: +r[measure].value, text: r[measure].value, first: i === 0 });
          });
        });
        var top = Math.max.apply(null, bars.map(function (b) { return Math.abs(b.value); }).concat([0])) || 1;
        chart.replaceChildren();
        bars.slice(0, MAX_BARS).forEach(function (b) {
          var li = el("li", { "class": "bar" + (b.value < 0 ? " neg" : ""), "data-id": b.group.id, tabindex: "0" });
          var name = el("span", { "class": "bar-label", title: b.group.label }, b.group.label);
          var track = el("span", { "class": "bar-track" });
          var fill = track.appendChild(el("span", { "class": "bar-fill" }));
          fill.style.width = (Math.abs(b.value) / top * 100).toFixed(2) + "%";
          track.appendChild(el("span", { "class": "bar-value" }, b.text));
          li.appendChild(name); li.appendChild(track);
          li.addEventListener("click", function () { select("bar", b.group.id); });
          li.addEventListener("keydown", function (ev) { if (ev.key === "Enter") select("bar", b.group.id); });
          chart.appendChild(li);
        });
        container.setAttribute("data-bars", String(Math.min(bars.length, MAX_BARS)));
        if (bars.length > MAX_BARS) setStatus(status.textContent + " · the bar chart shows the first " + MAX_BARS);
      }
      pick.addEventListener("change", function () { draw(pick.value); });
      if (s.numberCols.length > 1) {
        var label = el("label", { "class": "bar-pick" }, "bar length: ");
        label.appendChild(pick);
        container.replaceChildren(label, chart);
      } else {
        container.replaceChildren(chart);
      }
      draw(s.numberCols[0]);
    }

    /* ----- links ----- */

    document.getElementById("copy-link").addEventListener("click", function () {
      var url = location.href;
      var done = function () { setStatus("link copied: it opens this query, view and selection"); };
      var fallback = function () {
        var box = el("input", { value: url, readonly: "", "aria-label": "link" });
        document.body.appendChild(box);
        box.select();
        var ok = false;
        try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
        box.remove();
        if (ok) done(); else window.prompt("Copy this link:", url);
      };
      if (navigator.clipboard && navigator.clipboard.writeText) navigator.clipboard.writeText(url).then(done, fallback);
      else fallback();
    });

    document.querySelectorAll("#examples a.example").forEach(function (a) {
      a.addEventListener("click", function (ev) {
        // The link sets the hash and `hashchange` runs it; the same link again runs it again.
        if (a.getAttribute("href") === location.hash) { ev.preventDefault(); fromHash(); }
      });
    });
    document.getElementById("query-form").addEventListener("submit", function (ev) { ev.preventDefault(); run(); });
    window.addEventListener("hashchange", fromHash);
    window.addEventListener("popstate", fromHash);  // Back/Forward between entries this page pushed

    if (readHash()) fromHash();
    else { enable({ table: true }); show("table"); }
    // An edit not yet run survives a reload of the same URL (this tab only).
    var DRAFT = "tech-graph-draft";
    try {
      var draft = JSON.parse(sessionStorage.getItem(DRAFT) || "null");
      var opened = readHash();
      if (draft && draft.query === (opened ? opened.query : null) && draft.text !== editor.getValue()) {
        editor.setValue(draft.text);
      }
    } catch (e) { /* storage off: nothing to restore */ }
    editor.on("change", function () {
      try { sessionStorage.setItem(DRAFT, JSON.stringify({ query: ranQuery, text: editor.getValue() })); } catch (e) { /* off */ }
    });
    window.techGraph = {
      editor: editor, run: run, select: select,
      graphEdges: function () {
        return networkEdges.map(function (e) { return { from: e.from, to: e.to, label: e.text, shown: !!e.label }; });
      },
      graphFontPx: function () { return network ? network.tgFont * network.getScale() : 0; },
      graphLabelsShown: function () { return network ? network.tgShown : 0; },
      graphNodes: function () {
        return network ? network.tgNodes.map(function (n) { return { id: n.id, name: n.name, column: n.group }; }) : [];
      }
    };
  }

  /* ---------- an entity page's timeline ---------- */

  function entityPage() {
    var container = document.getElementById("entity-timeline");
    if (!container || !data.timeline || !data.timeline.length) return;
    var items = data.timeline.map(function (t, i) {
      var start = new Date(t.start + "T00:00:00Z"), end = new Date(t.end + "T00:00:00Z");
      var item = { id: i, content: el("span", {}, t.label), start: start, title: t.when };
      if (!t.point) { item.end = dayAfter(end); item.type = "range"; } else { item.type = "point"; }
      return item;
    });
    var timeline = new window.vis.Timeline(container, new window.vis.DataSet(items), { stack: true, maxHeight: 420 });
    timeline.on("doubleClick", function (props) {
      if (props.item !== null && props.item !== undefined) window.location.href = data.timeline[props.item].href;
    });
  }

  var page = document.body.getAttribute("data-page");
  if (page === "query") queryPage();
  if (page === "entity") entityPage();
})();
