// tech-graph network page: vis-network with a legend that filters by type, a time slider and a
// side panel. Everything from the data goes into the DOM through textContent, never innerHTML.
(function () {
  "use strict";
  var DATA = JSON.parse(document.getElementById("graph-data").textContent);
  var nodes = new vis.DataSet(DATA.nodes);
  var edges = new vis.DataSet(DATA.edges);
  var container = document.getElementById("network");
  var network = new vis.Network(container, { nodes: nodes, edges: edges }, DATA.options);
  window.network = network;
  window.graphNodes = nodes;
  window.graphEdges = edges;

  var hiddenTypes = new Set();
  var asOf = null; // ISO day; null shows everything

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  // -- visibility: type filter and time slider ------------------------------------------------
  function nodeHidden(n) {
    if (hiddenTypes.has(n.type)) return true;
    return asOf !== null && n.first !== "" && n.first > asOf;
  }
  function edgeHidden(e) {
    return asOf !== null && e.start !== "" && e.start > asOf;
  }
  function applyVisibility() {
    var nodeChanges = [];
    nodes.forEach(function (n) {
      var hide = nodeHidden(n);
      if (Boolean(n.hidden) !== hide) nodeChanges.push({ id: n.id, hidden: hide });
    });
    if (nodeChanges.length) nodes.update(nodeChanges);
    var edgeChanges = [];
    edges.forEach(function (e) {
      var hide = edgeHidden(e);
      if (Boolean(e.hidden) !== hide) edgeChanges.push({ id: e.id, hidden: hide });
    });
    if (edgeChanges.length) edges.update(edgeChanges);
    var shown = nodes.get({ filter: function (n) { return !n.hidden; } }).length;
    document.getElementById("shown").textContent = shown + " of " + nodes.length + " nodes shown";
  }

  function buildLegend() {
    var list = document.getElementById("legend");
    DATA.legend.forEach(function (entry) {
      var item = el("li", "legend-item");
      var label = el("label");
      var box = document.createElement("input");
      box.type = "checkbox";
      box.checked = true;
      box.dataset.type = entry.type;
      box.addEventListener("change", function () {
        if (box.checked) hiddenTypes.delete(entry.type); else hiddenTypes.add(entry.type);
        applyVisibility();
      });
      var swatch = el("span", "swatch shape-" + entry.shape);
      swatch.style.background = entry.colour;
      swatch.title = entry.shape;
      label.appendChild(box);
      label.appendChild(swatch);
      label.appendChild(el("span", "legend-label", entry.type));
      label.appendChild(el("span", "legend-count", entry.count));
      item.appendChild(label);
      list.appendChild(item);
    });
  }

  // -- colour by type or by community --------------------------------------------------------------
  var communities = new Map(DATA.communities.map(function (c) { return [c.id, c]; }));
  function buildCommunities() {
    var list = document.getElementById("communities");
    DATA.communities.forEach(function (c) {
      if (c.size < 2) return;  // lone nodes are drawn grey and not listed one by one
      var item = el("li", "legend-item");
      var swatch = el("span", "swatch shape-dot");
      swatch.style.background = c.colour;
      item.appendChild(swatch);
      item.appendChild(el("span", "legend-label", c.members.join(", ") + (c.size > c.members.length ? ", \u2026" : "")));
      item.appendChild(el("span", "legend-count", c.size));
      list.appendChild(item);
    });
    var select = document.getElementById("colour-by");
    select.addEventListener("change", function () {
      var byCommunity = select.value === "community";
      document.getElementById("community-box").hidden = !byCommunity;
      nodes.update(nodes.map(function (n) {
        return { id: n.id, color: byCommunity ? communities.get(n.community).colour : n.colour };
      }));
    });
  }

  function buildSlider() {
    var days = DATA.days;
    var box = document.getElementById("time");
    if (!days.length) { box.hidden = true; return; }
    var slider = document.getElementById("time-slider");
    var shown = document.getElementById("time-value");
    slider.min = 0;
    slider.max = days.length;
    slider.value = days.length;
    slider.addEventListener("input", function () {
      var i = Number(slider.value);
      asOf = i >= days.length ? null : days[i];
      shown.textContent = asOf === null ? "all dates" : "as of " + asOf;
      applyVisibility();
    });
  }

  // -- the side panel ---------------------------------------------------------------------------
  function field(parent, name, value) {
    if (value === undefined || value === null || value === "") return;
    var row = el("div", "field");
    row.appendChild(el("span", "field-name", name));
    row.appendChild(el("span", "field-value", value));
    parent.appendChild(row);
  }
  // Every source in the data's order: a quote, then the document it is from (a link where it has a web
  // address); a document cited as a whole; a document that only dates it.
  function sources(parent, list) {
    if (!list || !list.length) return;
    var box = el("div", "sources");
    if (list.length > 1) box.appendChild(el("div", "sources-head", list.length + " sources"));
    list.forEach(function (s) {
      var item = el("div", "source-item");
      var dateOnly = s.used_for.length === 1 && s.used_for[0] === "date";
      if (s.quote) item.appendChild(el("blockquote", "quote", "\u201c" + s.quote + "\u201d"));
      var line = el("div", "source");
      line.appendChild(document.createTextNode(s.quote ? "\u2014 " : dateOnly ? "Date from: " : "Source: "));
      if (/^https?:\/\//i.test(s.url)) {
        var link = el("a", "document", s.document || s.url);
        link.href = s.url;
        link.target = "_blank";
        link.rel = "noopener noreferrer";
        line.appendChild(link);
      } else {
        line.appendChild(el("span", "document", s.document));
      }
      if (s.quote && dateOnly) line.appendChild(document.createTextNode(" (for the date)"));
      item.appendChild(line);
      box.appendChild(item);
    });
    parent.appendChild(box);
  }
  function edgeCard(e, fromId) {
    var card = el("div", "edge-card");
    var other = e.from === fromId ? e.to : e.from;
    var otherNode = nodes.get(other);
    var head = el("div", "edge-head");
    var rel = el("span", "relation", e.relation);
    rel.style.borderColor = e.colour || "#999";
    head.appendChild(rel);
    if (fromId !== undefined && otherNode) {
      var link = el("a", "node-link", otherNode.name);
      link.href = "#";
      link.addEventListener("click", function (ev) { ev.preventDefault(); focusNode(other); });
      head.appendChild(document.createTextNode(" "));
      head.appendChild(link);
    }
    card.appendChild(head);
    field(card, "what", e.event_label);
    field(card, "when", e.date);
    field(card, "roles", e.roles);
    field(card, "status", e.status);
    field(card, "modality", e.modality ? e.modality + ", per the source" : "");
    sources(card, e.sources);
    return card;
  }
  function showNode(id) {
    var n = nodes.get(id);
    if (!n) return;
    var panel = document.getElementById("panel");
    panel.replaceChildren();
    panel.appendChild(el("h2", "panel-title", n.name));
    if (n.alt) panel.appendChild(el("div", "alt", n.alt));
    var type = el("div", "type");
    var swatch = el("span", "swatch shape-" + n.shape);
    swatch.style.background = n.colour;
    type.appendChild(swatch);
    type.appendChild(el("span", null, n.type));
    panel.appendChild(type);
    field(panel, "when", n.date);
    field(panel, "status", n.status);
    field(panel, "modality", n.modality ? n.modality + ", per the source" : "");
    var group = communities.get(n.community);
    if (group && group.size > 1) field(panel, "community", "#" + group.id + ", with " + (group.size - 1) + " other" +
                                     (group.size === 2 ? "" : "s") + ": " + group.members.filter(function (m) {
                                       return m !== n.name; }).join(", ") + (group.size > 3 ? ", \u2026" : ""));
    field(panel, "IRI", n.id);
    sources(panel, n.sources);
    var connected = network.getConnectedEdges(id);
    panel.appendChild(el("h3", null, connected.length + " connection" + (connected.length === 1 ? "" : "s")));
    edges.get(connected)
      .sort(function (a, b) { return (a.start || "9999").localeCompare(b.start || "9999"); })
      .forEach(function (e) { panel.appendChild(edgeCard(e, id)); });
  }
  function showEdge(id) {
    var e = edges.get(id);
    if (!e) return;
    var panel = document.getElementById("panel");
    panel.replaceChildren();
    var a = nodes.get(e.from), b = nodes.get(e.to);
    panel.appendChild(el("h2", "panel-title", (a ? a.name : e.from) + " \u2013 " + (b ? b.name : e.to)));
    panel.appendChild(edgeCard(e));
  }
  function focusNode(id) {
    network.selectNodes([id]);
    network.focus(id, { scale: Math.max(network.getScale(), 1), animation: false });
    showNode(id);
  }

  network.on("click", function (params) {
    if (params.nodes.length) showNode(params.nodes[0]);
    else if (params.edges.length) showEdge(params.edges[0]);
  });

  // -- search ------------------------------------------------------------------------------------
  function buildSearch() {
    var input = document.getElementById("search");
    var list = document.getElementById("search-names");
    var byName = new Map();
    nodes.forEach(function (n) {
      [n.name].concat(n.alt ? n.alt.split("; ") : []).forEach(function (name) {
        if (!byName.has(name.toLowerCase())) {
          byName.set(name.toLowerCase(), n.id);
          if (list.childElementCount < 2000) {
            var option = document.createElement("option");
            option.value = name;
            list.appendChild(option);
          }
        }
      });
    });
    input.addEventListener("change", function () {
      var id = byName.get(input.value.trim().toLowerCase());
      if (id !== undefined) focusNode(id);
    });
  }

  function ready() { document.body.dataset.ready = "true"; }
  if (DATA.options.physics && DATA.options.physics.enabled) {
    // Settle once, then hold still: a graph that keeps moving cannot be read.
    network.once("stabilizationIterationsDone", function () {
      network.setOptions({ physics: { enabled: false } });
      ready();
    });
  } else {
    network.once("afterDrawing", ready);
  }

  buildLegend();
  buildCommunities();
  buildSlider();
  buildSearch();
  applyVisibility();
})();
