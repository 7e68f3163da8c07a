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
    if (cell.datatype && !DATE_TYPES[dt]) return null;
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

  function queryPage() {
    var textarea = document.getElementById("query");
    var editor = window.CodeMirror.fromTextArea(textarea, {
      mode: "application/sparql-query", lineNumbers: true, matchBrackets: true, indentUnit: 2,
      extraKeys: { "Ctrl-Enter": run, "Cmd-Enter": run }
    });
    var status = document.getElementById("status");
    var views = document.querySelectorAll("#views button");
    var panes = document.querySelectorAll(".result");
    var last = null, network = null, timeline = null;

    function setStatus(text, bad) { status.textContent = text; status.className = bad ? "bad" : ""; }

    function show(view) {
      panes.forEach(function (p) { p.hidden = p.getAttribute("data-view") !== view; });
      views.forEach(function (b) { b.setAttribute("aria-selected", b.getAttribute("data-view") === view ? "true" : "false"); });
      if (!last) return;
      if (view === "graph") drawGraph(last);
      if (view === "timeline") drawTimeline(last);
    }

    views.forEach(function (b) {
      b.addEventListener("click", function () { if (!b.disabled) show(b.getAttribute("data-view")); });
    });

    function run() {
      var text = editor.getValue();
      history.replaceState(null, "", "#" + encodeURIComponent(text));
      setStatus("running…");
      var started = performance.now();
      fetch("/sparql", {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded",
                   "Accept": "application/sparql-results+json, text/turtle;q=0.9" },
        body: "query=" + encodeURIComponent(text)
      }).then(function (response) {
        return response.text().then(function (body) {
          var ms = Math.round(performance.now() - started);
          if (!response.ok) { fail(body.replace(/^error: /, "").trim() || response.statusText); return; }
          if ((response.headers.get("Content-Type") || "").indexOf("json") < 0) { showText(body, ms); return; }
          render(JSON.parse(body), text, ms);
        });
      }).catch(function (err) { fail(String(err)); });
    }

    function fail(message) {
      last = null;
      setStatus(message, true);
      document.getElementById("result-table").replaceChildren(el("p", { "class": "error" }, message));
      enable({ table: true });
      show("table");
    }

    function showText(body, ms) {
      last = null;
      setStatus("graph result in " + ms + " ms");
      enable({});
      panes.forEach(function (p) { p.hidden = p.id !== "result-text"; });
      document.getElementById("result-text").textContent = body;
    }

    function enable(ok) {
      views.forEach(function (b) { b.disabled = !ok[b.getAttribute("data-view")]; });
    }

    function render(json, text, ms) {
      if (json.boolean !== undefined) {
        last = null;
        setStatus("ASK in " + ms + " ms");
        document.getElementById("result-table").replaceChildren(el("p", { "class": "boolean" }, String(json.boolean)));
        enable({ table: true }); show("table");
        return;
      }
      var vars = json.head.vars, rows = json.results.bindings;
      last = { vars: vars, rows: rows };
      setStatus(rows.length + " row" + (rows.length === 1 ? "" : "s") + " in " + ms + " ms");
      drawTable(last);
      var shape = shapeOf(last);
      enable({ table: true, graph: shape.graph, timeline: shape.timeline });
      var wanted = /#\s*defaultView\s*:\s*(\w+)/i.exec(text);
      var view = wanted ? wanted[1].toLowerCase() : "table";
      show(shape[view] ? view : "table");
    }

    /* Which views fit, the way the Wikidata Query Service decides: by the columns' values. */
    function shapeOf(result) {
      var iriCols = result.vars.filter(function (v) {
        return result.rows.some(function (r) { return r[v] && r[v].type === "uri"; });
      });
      var dateCols = dateColumns(result);
      return { table: true, graph: iriCols.length >= 2, timeline: dateCols.length >= 1 };
    }

    function dateColumns(result) {
      return result.vars.filter(function (v) {
        var seen = 0;
        var all = result.rows.every(function (r) { if (!r[v]) return true; seen += 1; return when(r[v]) !== null; });
        return all && seen > 0;
      });
    }

    function cellNode(cell) {
      if (!cell) return document.createTextNode("");
      if (cell.type === "uri") return el("a", { href: linkFor(cell.value), title: cell.value }, compact(cell.value));
      var span = el("span", {}, cell.value);
      if (cell["xml:lang"] || cell.datatype) {
        span.appendChild(el("span", { "class": "tag" }, " " + (cell["xml:lang"] ? "@" + cell["xml:lang"] : compact(cell.datatype))));
      }
      return span;
    }

    function drawTable(result) {
      var table = el("table", { "class": "grid results" });
      var head = el("tr");
      result.vars.forEach(function (v) { head.appendChild(el("th", {}, "?" + v)); });
      table.appendChild(el("thead")).appendChild(head);
      var body = el("tbody");
      result.rows.forEach(function (r) {
        var tr = el("tr");
        result.vars.forEach(function (v) { tr.appendChild(el("td")).appendChild(cellNode(r[v])); });
        body.appendChild(tr);
      });
      table.appendChild(body);
      document.getElementById("result-table").replaceChildren(table);
    }

    function labelOf(row, v) {
      var l = row[v + "Label"] || row[v + "_label"];
      return l ? l.value : null;
    }

    function drawGraph(result) {
      var nodes = new Map(), edges = [];
      var iriVars = result.vars.filter(function (v) { return result.rows.some(function (r) { return r[v] && r[v].type === "uri"; }); });
      result.rows.forEach(function (r) {
        var present = iriVars.filter(function (v) { return r[v] && r[v].type === "uri"; });
        present.forEach(function (v) {
          var iri = r[v].value;
          if (!nodes.has(iri)) nodes.set(iri, { id: iri, label: labelOf(r, v) || compact(iri), group: v });
        });
        for (var i = 1; i < present.length; i++) {
          edges.push({ from: r[present[0]].value, to: r[present[i]].value, label: present[i], arrows: "to" });
        }
      });
      var container = document.getElementById("result-graph");
      if (network) network.destroy();
      network = new window.vis.Network(container,
        { nodes: new window.vis.DataSet(Array.from(nodes.values())), edges: new window.vis.DataSet(edges) },
        { physics: { stabilization: { iterations: 150 } }, edges: { font: { size: 10 }, smooth: false },
          nodes: { shape: "dot", size: 12 }, interaction: { hover: true } });
      network.on("doubleClick", function (params) {
        if (params.nodes.length) window.location.href = linkFor(params.nodes[0]);
      });
      container.setAttribute("data-nodes", String(nodes.size));
    }

    function drawTimeline(result) {
      var cols = dateColumns(result);
      var labelVar = result.vars.filter(function (v) {
        return cols.indexOf(v) < 0 && result.rows.some(function (r) { return r[v] && r[v].type === "literal"; });
      })[0];
      var iriVar = result.vars.filter(function (v) { return result.rows.some(function (r) { return r[v] && r[v].type === "uri"; }); })[0];
      var items = [];
      result.rows.forEach(function (r, i) {
        var w = when(r[cols[0]]);
        if (!w) return;
        if (cols.length > 1 && when(r[cols[1]])) { var e = when(r[cols[1]]); w = { start: w.start, end: e.end, point: false, label: w.label + " – " + e.label }; }
        var text = (labelVar && r[labelVar] && r[labelVar].value) || (iriVar && r[iriVar] && compact(r[iriVar].value)) || w.label;
        var content = el("span", {}, text);
        var item = { id: i, content: content, start: w.start, title: w.label };
        if (!w.point) { item.end = dayAfter(w.end); item.type = "range"; } else { item.type = "point"; }
        if (iriVar && r[iriVar]) item.href = linkFor(r[iriVar].value);
        items.push(item);
      });
      var container = document.getElementById("result-timeline");
      if (timeline) timeline.destroy();
      timeline = new window.vis.Timeline(container, new window.vis.DataSet(items), { stack: true, maxHeight: 560, zoomMin: 86400000 * 7 });
      timeline.on("doubleClick", function (props) {
        var item = items.filter(function (it) { return it.id === props.item; })[0];
        if (item && item.href) window.location.href = item.href;
      });
      container.setAttribute("data-items", String(items.length));
    }

    document.querySelectorAll("#examples a.example").forEach(function (a) {
      a.addEventListener("click", function (ev) {
        ev.preventDefault();
        editor.setValue(decodeURIComponent(a.getAttribute("href").slice(1)));
        run();
      });
    });
    document.getElementById("query-form").addEventListener("submit", function (ev) { ev.preventDefault(); run(); });

    if (location.hash.length > 1) {
      try { editor.setValue(decodeURIComponent(location.hash.slice(1))); } catch (e) { /* keep the default */ }
      run();
    } else {
      enable({ table: true });
      show("table");
    }
    window.techGraph = { editor: editor, run: run };
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
