"""`tech-graph accept`: merge a draft's accepted candidates into the graph, or change nothing.

Accepted candidates get stable IRIs (`tgr:` and a slug of their label), lose their candidate
metadata, and go with the source document and the excerpts they cite into `graph/<slug>.ttl`;
a corroboration adds the new excerpt to the existing fact's `prov:wasDerivedFrom`. The result must
pass `validate` with the rest of the graph before the file is moved into place.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from ..articles import slug
from ..dates import parse_user_date
from ..errors import InputError, TechGraphError
from ..load import Source, bundled_sources
from ..namespaces import GRAPH_DATA, PREFIXES, PROV, RDF, RDFS, SCHEMA, SEM, TG, TGR
from ..store import Select, Store
from .draft import graph_digest
from .review import Draft, read_decisions

DROPPED = {TG + "confidence", TG + "reason", TG + "corroborates"}
TIMES = {SEM + "hasTimeStamp", SEM + "hasBeginTimeStamp", SEM + "hasEndTimeStamp", TG + "scheduledFor"}


@dataclass(frozen=True)
class Accepted:
    path: Path
    new: list[tuple[str, str]]  # (IRI, label) of new facts
    corroborated: list[str]  # IRIs of facts given a second source


class NotValid(TechGraphError):
    """The merged graph would not validate: one line per problem, nothing written."""

    exit_code = 1

    def __init__(self, lines: list[str]) -> None:
        super().__init__("\n".join(lines) + f"\n{len(lines)} problem(s): the draft was not merged; "
                         "fix the decisions (or the draft) and run accept again")
        self.lines = lines


def _expand(name: str) -> str:
    if name.startswith("<") and name.endswith(">"):
        return name[1:-1]
    prefix, sep, local = name.partition(":")
    if sep and prefix in PREFIXES:
        return PREFIXES[prefix] + local
    raise InputError(f"{name!r} is not an IRI; write tg:hasRegulator, tgr:samr or <https://...>")


def accept(draft: Draft, root: Path, decisions_file: Path | None = None) -> Accepted:
    from ..output import write_output
    from ..rdfformats import serialize_triples
    from ..store import memory_store
    from ..validate import validate

    decisions = read_decisions(decisions_file or draft.decisions_path, draft)
    if not any(d.get("decision") == "accept" for d in decisions.values()):
        raise InputError(f"nothing to accept in {draft.path}: record decisions first with "
                         f"`tech-graph review {draft.path} --accept ID` or the review page")
    target = root / "graph" / f"{draft.path.stem}.ttl"
    if target.exists():
        raise InputError(f"{target} exists: this draft was accepted before; nothing was changed")
    if graph_digest(root) != draft.digest:
        raise InputError(f"the graph changed since {draft.path} was drafted; ingest the article again "
                         "(delete the draft and its text first) so that its candidates match the graph")

    taken = {d for d, v in decisions.items() if v.get("decision") == "accept"}
    roles = role_properties(memory_store())
    items = {item.id: item for item in draft.items}
    store = memory_store()
    subjects = store.query("SELECT DISTINCT ?s WHERE { ?s ?p ?o FILTER isIRI(?s) }")
    assert isinstance(subjects, Select)
    used = {row[0].value for row in subjects.rows if isinstance(row[0], ox.NamedNode)}
    names: dict[str, str] = {}
    new: list[tuple[str, str]] = []
    for ident in sorted(taken, key=lambda i: (items[i].kind != "actor", i)):
        item = items[ident]
        if item.kind == "corroboration":
            continue
        label = str(decisions[ident].get("label") or item.label)
        base = TGR + slug(label)
        iri, n = base, 1
        while iri in used:
            n += 1
            iri = f"{base}-{n}"
        used.add(iri)
        names[item.iri] = iri
        new.append((iri, label))

    def rename(term: Any) -> Any:
        if isinstance(term, ox.NamedNode):
            if term.value in names:
                return ox.NamedNode(names[term.value])
            for old, fresh in names.items():  # figure values: <candidate>-f1
                if term.value.startswith(old + "-"):
                    return ox.NamedNode(fresh + term.value[len(old):])
        return term

    triples: list[ox.Triple] = []
    cited: set[str] = set()
    corroborated = []
    graph = draft.graph
    for ident in sorted(taken):
        item = items[ident]
        decision = decisions[ident]
        cited.add(item.excerpt)
        if item.kind == "corroboration":
            existing = ox.NamedNode(item.corroborates)
            triples.append(ox.Triple(existing, ox.NamedNode(PROV + "wasDerivedFrom"), ox.NamedNode(item.excerpt)))
            triples += second_values(store, graph, item.iri, existing, draft.path.stem)
            corroborated.append(item.corroborates)
            continue
        node = ox.NamedNode(item.iri)
        edits_roles = "roles" in decision
        for q in graph.quads_for_pattern(node, None, None):
            p = q.predicate.value
            if p in DROPPED or (p == RDF + "type" and q.object == ox.NamedNode(TG + "Candidate")):
                continue
            if p == RDFS + "label" and "label" in decision:
                continue
            if "date" in decision and (p in TIMES or p == TG + "approximateTime"):
                continue
            if edits_roles and p in roles:
                continue
            if "places" in decision and p in (SEM + "hasPlace", TG + "market"):
                continue
            obj = q.object
            if isinstance(obj, ox.NamedNode) and obj.value.startswith(draft.base) and obj.value not in names \
                    and not obj.value.startswith(item.iri + "-"):
                continue  # a role held by a new actor the curator rejected
            triples.append(ox.Triple(rename(node), q.predicate, rename(obj)))
        for value in graph.quads_for_pattern(None, None, None):
            if isinstance(value.subject, ox.NamedNode) and value.subject.value.startswith(item.iri + "-"):
                triples.append(ox.Triple(rename(value.subject), value.predicate, rename(value.object)))
        if "label" in decision:
            triples.append(ox.Triple(rename(node), ox.NamedNode(RDFS + "label"), ox.Literal(str(decision["label"]),
                                                                                         language="en")))
        if "date" in decision:
            when = parse_user_date(str(decision["date"]), f"the date of {ident}")
            triples.append(ox.Triple(rename(node), ox.NamedNode(SEM + "hasTimeStamp"),
                                     ox.Literal(when.iso, datatype=ox.NamedNode(when.datatype))))
            triples.append(ox.Triple(rename(node), ox.NamedNode(TG + "dateDerivedFrom"), ox.NamedNode(draft.document)))
        where = TG + "market" if item.kind == "figure" else SEM + "hasPlace"  # a figure's place is its market
        for place in decision.get("places", []):
            triples.append(ox.Triple(rename(node), ox.NamedNode(where), ox.NamedNode(_expand(place))))
        for role, actor in decision.get("roles", []):
            triples.append(ox.Triple(rename(node), ox.NamedNode(_expand(role)), rename(ox.NamedNode(_expand(actor)))))
    document = ox.NamedNode(draft.document)
    triples += [q.triple for q in graph.quads_for_pattern(document, None, None)]
    for excerpt in sorted(cited):
        triples += [q.triple for q in graph.quads_for_pattern(ox.NamedNode(excerpt), None, None)]

    header = (f"# tech-graph data accepted from {draft.path.name} by `tech-graph accept`: the source document, "
              "the excerpts cited and the facts a curator accepted.\n")
    body = header + serialize_triples(triples, "turtle").decode("utf-8")
    # Staged beside the drafts, where `graph/*.ttl` does not see it, then moved into place.
    staged = draft.path.parent / f".{target.stem}.{os.getpid()}.ttl"
    write_output(staged, body)
    try:
        sources = [*bundled_sources(), Source(staged, GRAPH_DATA)]
        check = memory_store([Source(staged, GRAPH_DATA)])
        problems = validate(check, sources)
        if problems:
            raise NotValid([str(p).replace(str(staged), str(target)) for p in problems])
        staged.replace(target)
    finally:
        staged.unlink(missing_ok=True)
    return Accepted(target, new, corroborated)


def second_values(store: Store, draft: ox.Store, candidate: str, existing: ox.NamedNode, source: str) -> list[
        ox.Triple]:
    """The candidate's figures that differ from the event's own, as further values, each with its source.

    Where two sources disagree (how much value Alibaba lost), both values stay; `disagreements` lists them.
    """
    out: list[ox.Triple] = []
    known = store.query(f"SELECT ?p ?v ?u WHERE {{ {existing} ?p ?q . ?q schema:value ?v . "
                        "OPTIONAL { ?q schema:currency|schema:unitCode ?u } }")
    assert isinstance(known, Select)
    have = {(p.value, _number(v), _number(u)) for p, v, u in known.rows
            if isinstance(p, ox.NamedNode) and v is not None}
    for n, q in enumerate(draft.quads_for_pattern(ox.NamedNode(candidate), None, None), 1):
        value = q.object
        if not isinstance(value, ox.NamedNode) or not value.value.startswith(candidate + "-"):
            continue
        facts = {f.predicate.value: f.object for f in draft.quads_for_pattern(value, None, None)}
        number = facts.get(SCHEMA + "value")
        unit = facts.get(SCHEMA + "currency") or facts.get(SCHEMA + "unitCode")
        if number is None or (q.predicate.value, _number(number), _number(unit)) in have:
            continue  # the same figure: the excerpt is already a second source for it
        fresh = ox.NamedNode(f"{existing.value}-{source}-{n}")
        out.append(ox.Triple(existing, q.predicate, fresh))
        out += [ox.Triple(fresh, f.predicate, f.object) for f in draft.quads_for_pattern(value, None, None)]
    return out


def _number(term: object) -> str:
    from decimal import Decimal, InvalidOperation

    text = getattr(term, "value", "")
    try:
        return str(Decimal(text).normalize())
    except InvalidOperation:
        return text


def role_properties(store: Store) -> set[str]:
    """sem:hasActor and its sub-properties, and tg:measuredActor: what `ID.roles=` replaces."""
    result = store.query("SELECT ?p WHERE { ?p rdfs:subPropertyOf* sem:hasActor }")
    assert isinstance(result, Select)
    return {row[0].value for row in result.rows if isinstance(row[0], ox.NamedNode)} | {TG + "measuredActor"}
