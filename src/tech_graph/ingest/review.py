"""Reviewing a draft: read it back, record decisions (accept, reject, edit a label, a date or a role).

Decisions live in a small JSON file next to the draft, written by `tech-graph review --accept ...`
on the command line or downloaded from the review page; `tech-graph accept` reads it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from ..errors import InputError
from ..load import Source, load_source
from ..namespaces import PROV, RDF, RDFS, TG
from ..output import write_output


@dataclass
class Item:
    """A candidate as the draft holds it."""

    id: str
    iri: str
    kind: str
    types: list[str]
    label: str
    confidence: float
    reason: str
    excerpt: str
    quote: str
    corroborates: str = ""
    facts: list[tuple[str, str]] = field(default_factory=list)  # (predicate, object) for display


@dataclass
class Draft:
    path: Path
    base: str
    document: str
    digest: str
    local_file: str
    items: list[Item]
    graph: ox.Store

    @property
    def decisions_path(self) -> Path:
        return self.path.with_suffix(".decisions.json")


def read_draft(path: Path) -> Draft:
    """A draft file, or one InputError with its file, line and column when it is not valid Turtle."""
    graph = ox.Store()
    load_source(graph, Source(path, TG + "draft"))  # the graph name is ours; only parse errors matter here
    def one(query: str) -> list[tuple[Any, ...]]:
        return [tuple(row) for row in graph.query(query, use_default_graph_as_union=True)]  # type: ignore[union-attr]

    heads = one(f"SELECT ?d ?doc ?digest ?file WHERE {{ ?d a <{TG}Draft> ; <{TG}draftOf> ?doc ; "
                f"<{TG}graphDigest> ?digest . ?doc <{TG}localFile> ?file }}")
    if len(heads) != 1:
        raise InputError(f"{path}: not a tech-graph draft (it needs one tg:Draft with tg:draftOf, tg:graphDigest and "
                         "a document with tg:localFile); make drafts with `tech-graph ingest`")
    draft, document, digest, local_file = heads[0]
    items: dict[str, Item] = {}
    rows = one(f"""SELECT ?c ?type ?label ?conf ?reason ?excerpt ?quote ?corr WHERE {{
        ?c a <{TG}Candidate> ; a ?type ; <{TG}confidence> ?conf ; <{TG}reason> ?reason ;
           <{PROV}wasDerivedFrom> ?excerpt .
        OPTIONAL {{ ?excerpt <{PROV}value> ?quote }}
        OPTIONAL {{ ?c <{RDFS}label> ?label }}
        OPTIONAL {{ ?c <{TG}corroborates> ?corr }}
    }}""")
    for c, kind, label, conf, reason, excerpt, quote, corr in rows:
        ident = c.value.removeprefix(draft.value)
        item = items.get(ident)
        if item is None:
            try:
                confidence = float(conf.value)
            except ValueError:
                raise InputError(f"{path}: {ident} has the confidence {conf.value!r}, not a number") from None
            item = items[ident] = Item(ident, c.value, "", [], label.value if label else "", confidence, reason.value,
                                       excerpt.value, quote.value if quote else "", corr.value if corr else "")
        if kind.value != TG + "Candidate" and kind.value not in item.types:
            item.types.append(kind.value)
    for item in items.values():
        item.kind = ("corroboration" if item.corroborates else "actor" if item.id.startswith("a")
                     else "figure" if item.id.startswith("f") else "event")
        skip = {RDF + "type", TG + "confidence", TG + "reason", TG + "corroborates", RDFS + "label"}
        for q in graph.quads_for_pattern(ox.NamedNode(item.iri), None, None):
            if q.predicate.value not in skip and not isinstance(q.object, ox.Triple):
                item.facts.append((q.predicate.value, q.object.value))
        item.facts.sort()
    return Draft(path, draft.value, document.value, digest.value, local_file.value, sorted(items.values(), key=_order),
                 graph)


def _order(item: Item) -> tuple[int, str]:
    digits = "".join(ch for ch in item.id if ch.isdigit())
    return (int(digits or 0), item.id)


# --- decisions ---------------------------------------------------------------------------------

EDITABLE = ("label", "date", "roles", "places")


def read_decisions(path: Path, draft: Draft) -> dict[str, dict[str, Any]]:
    """{candidate id: {"decision": "accept" | "reject", "label"?, "date"?, "roles"?}}; {} if there is no file."""
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{path}: cannot read the decisions: {exc}; fix or delete the file") from None
    decisions = data.get("decisions") if isinstance(data, dict) else None
    if not isinstance(decisions, dict):
        raise InputError(f"{path}: no \"decisions\" object; write it with `tech-graph review` or the review page")
    known = {item.id for item in draft.items}
    for ident, decision in decisions.items():
        if ident not in known:
            raise InputError(f"{path}: {ident!r} is not a candidate of {draft.path}; known: {', '.join(sorted(known))}")
        if not isinstance(decision, dict) or decision.get("decision") not in ("accept", "reject"):
            raise InputError(f"{path}: {ident}: give \"decision\": \"accept\" or \"reject\"")
    return decisions


def decide(draft: Draft, accept: list[str], reject: list[str], edits: list[str]) -> tuple[Path, str]:
    """Record decisions from the command line into the draft's decisions file; returns it and a summary."""
    decisions = read_decisions(draft.decisions_path, draft)
    ids = {item.id for item in draft.items}

    def expand(names: list[str]) -> list[str]:
        out = []
        for name in names:
            for part in filter(None, (p.strip() for p in name.split(","))):
                if part == "all":
                    out += sorted(ids, key=lambda i: _order(next(x for x in draft.items if x.id == i)))
                elif part not in ids:
                    raise InputError(f"{part!r} is not a candidate of {draft.path}; "
                                     f"see `tech-graph review {draft.path}`")
                else:
                    out.append(part)
        return out

    for ident in expand(accept):
        decisions.setdefault(ident, {})["decision"] = "accept"
    for ident in expand(reject):
        decisions.setdefault(ident, {})["decision"] = "reject"
    for edit in edits:
        target, sep, value = edit.partition("=")
        ident, dot, key = target.partition(".")
        if not sep or not dot or key not in EDITABLE:
            raise InputError(f"--set {edit!r}: write ID.label=TEXT, ID.date=YYYY[-MM[-DD]], "
                             "ID.roles=ROLE ACTOR[; ROLE ACTOR] or ID.places=PLACE[; PLACE] (empty for none)")
        expand([ident])
        entry = decisions.setdefault(ident, {"decision": "accept"})
        if key == "roles":
            pairs = [p.split() for p in value.split(";") if p.strip()]
            if any(len(p) != 2 for p in pairs):
                raise InputError(f"--set {edit!r}: each role is 'ROLE ACTOR', e.g. tg:hasRegulator tgr:samr")
            entry["roles"] = pairs
        elif key == "places":
            entry["places"] = [p.strip() for p in value.split(";") if p.strip()]
        else:
            entry[key] = value
        entry.setdefault("decision", "accept")
    write_output(draft.decisions_path, json.dumps({"draft": draft.path.name, "decisions": decisions}, indent=1,
                                                  ensure_ascii=False, sort_keys=True) + "\n")
    taken = sum(1 for d in decisions.values() if d.get("decision") == "accept")
    refused = sum(1 for d in decisions.values() if d.get("decision") == "reject")
    summary = (f"{draft.decisions_path}: {taken} accepted, {refused} rejected, "
               f"{len(draft.items) - taken - refused} undecided of {len(draft.items)}")
    return draft.decisions_path, summary
