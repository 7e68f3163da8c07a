// The review page of a tech-graph draft: every value from the data goes in with textContent.
(function () {
  const data = JSON.parse(document.getElementById("data").textContent);
  const decisions = data.decisions;
  const article = document.getElementById("article");
  const list = document.getElementById("candidates");
  const bySentence = {};
  data.items.forEach(function (item) { (bySentence[item.sentence] = bySentence[item.sentence] || []).push(item.id); });
  let last = 0;
  data.sentences.forEach(function (s) {
    article.appendChild(document.createTextNode(data.text.slice(last, s.start)));
    const span = document.createElement("span");
    span.className = "s" + (bySentence[s.index] ? " cited" : "");
    span.id = "s" + s.index;
    span.textContent = data.text.slice(s.start, s.end);
    if (bySentence[s.index]) {
      span.title = "candidates: " + bySentence[s.index].join(", ");
      span.addEventListener("click", function () { show(bySentence[s.index][0]); });
    }
    article.appendChild(span);
    last = s.end;
  });
  article.appendChild(document.createTextNode(data.text.slice(last)));
  function el(tag, text, cls) { const e = document.createElement(tag); if (text) e.textContent = text; if (cls) e.className = cls; return e; }
  function show(id) {
    const card = document.getElementById("c-" + id);
    if (card) card.scrollIntoView({block: "nearest"});
    document.querySelectorAll("#article .current").forEach(function (e) { e.classList.remove("current"); });
    const item = data.items.find(function (i) { return i.id === id; });
    const span = item && document.getElementById("s" + item.sentence);
    if (span) { span.classList.add("current"); span.scrollIntoView({block: "nearest"}); }
  }
  function refresh() {
    let a = 0, r = 0;
    data.items.forEach(function (item) {
      const d = (decisions[item.id] || {}).decision;
      document.getElementById("c-" + item.id).className = "cand" + (d ? " " + d : "");
      if (d === "accept") a++; else if (d === "reject") r++;
    });
    document.getElementById("counts").textContent = a + " accepted, " + r + " rejected, " + (data.items.length - a - r) + " undecided";
  }
  data.items.forEach(function (item) {
    const card = el("div", "", "cand"); card.id = "c-" + item.id;
    card.appendChild(el("h3", item.id + " · " + item.kind + " · " + item.label));
    card.appendChild(el("div", "confidence " + item.confidence + " — " + item.reason, "meta"));
    const quote = el("blockquote", "“" + item.quote + "”"); quote.addEventListener("click", function () { show(item.id); });
    card.appendChild(quote);
    const facts = el("ul", "", "facts");
    item.facts.forEach(function (f) { facts.appendChild(el("li", f[0] + " " + f[1])); });
    card.appendChild(facts);
    ["accept", "reject"].forEach(function (choice) {
      const lab = el("label"); const radio = el("input"); radio.type = "radio"; radio.name = "d-" + item.id; radio.value = choice;
      radio.checked = (decisions[item.id] || {}).decision === choice;
      radio.addEventListener("change", function () { (decisions[item.id] = decisions[item.id] || {}).decision = choice; refresh(); });
      lab.appendChild(radio); lab.appendChild(document.createTextNode(" " + choice)); card.appendChild(lab);
    });
    if (item.kind !== "corroboration") {
      data.editable.filter(function (k) { return k !== "roles"; }).forEach(function (key) {
        const lab = el("label", key + " "); const input = el("input"); input.type = "text"; input.name = key + "-" + item.id;
        input.value = (decisions[item.id] || {})[key] || (key === "label" ? item.label : item.date || "");
        input.addEventListener("change", function () { const d = (decisions[item.id] = decisions[item.id] || {decision: "accept"}); d[key] = input.value; if (!d.decision) d.decision = "accept"; refresh(); });
        lab.appendChild(input); card.appendChild(lab);
      });
    }
    list.appendChild(card);
  });
  document.getElementById("save").addEventListener("click", function () {
    const blob = new Blob([JSON.stringify({draft: data.draft, decisions: decisions}, null, 1) + "\n"], {type: "application/json"});
    const a = document.createElement("a"); a.href = URL.createObjectURL(blob); a.download = data.decisionsFile; a.click();
  });
  refresh();
})();
