"""The class, property and place hierarchies: read once, closed here, handed to queries as VALUES.

They are small (a few hundred pairs even in a big graph), while a property path such as
`?e a/rdfs:subClassOf* tg:Deal` or `FILTER NOT EXISTS { ... rdfs:subClassOf+ ... }` is paid
again on every event, and some servers get `*` paths inside joins wrong. So a query in the
library writes the hierarchy as an ordinary path pattern, on its own, ended by ` .`:

    ?class rdfs:subClassOf* tg:RegulatoryAction .
    ?sub rdfs:subClassOf+ ?class .

and `expand` replaces each such pattern with the same terms, read from the store the query
runs on: the query returns the same rows, as written or expanded. A property (`?role
rdfs:subPropertyOf* sem:hasActor .`) and pairs (`?sub rdfs:subClassOf+ ?class .`) become
`VALUES`, which Oxigraph joins first: a lookup per property. A class or a place becomes
`FILTER (?class IN (...))`, applied once the rest of the group has bound it: as VALUES it
would start the join from every member of every class (event-quotes at 1M triples: 5 s
against 0.01 s). So such a variable must be bound in the same group, as `?e a ?class` does.
A query that wants every member of the classes anyway ends the pattern with the comment
`# join first`: it becomes VALUES too (at 1M triples, events 5.6 s against 3.6 s).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

from .namespaces import PREFIXES, RDFS, TG
from .store import Select, Store

LINKS = {"rdfs:subClassOf": RDFS + "subClassOf", "rdfs:subPropertyOf": RDFS + "subPropertyOf",
         "tg:locatedIn": TG + "locatedIn"}
_TERM = r"\?\w+|<[^<>\s]*>|[A-Za-z][\w-]*:[\w.-]*\w|[A-Za-z][\w-]*:"
# One path pattern on its own: subject, link, * or +, object, then the dot that ends it (and maybe `# join first`).
PATTERN = re.compile(rf"(?P<s>{_TERM})\s+(?P<link>{'|'.join(LINKS)})(?P<op>[*+])\s+(?P<o>{_TERM})\s*\."
                     r"(?P<first>[ \t]*#[ \t]*join first\b)?")

READ = """SELECT ?link ?child ?parent WHERE {
  VALUES ?link { rdfs:subClassOf rdfs:subPropertyOf tg:locatedIn }
  ?child ?link ?parent . FILTER (isIRI(?child) && isIRI(?parent))
}"""


@dataclass
class Tree:
    """One hierarchy as child -> parents, with its transitive closure worked out on demand."""

    parents: dict[str, set[str]] = field(default_factory=dict)
    _up: dict[str, frozenset[str]] = field(default_factory=dict)
    _down: dict[str, frozenset[str]] = field(default_factory=dict)

    def add(self, child: str, parent: str) -> None:
        self.parents.setdefault(child, set()).add(parent)
        self._up.clear()
        self._down.clear()

    def above(self, node: str) -> frozenset[str]:
        """The node's ancestors at one step or more (itself only if a cycle leads back)."""
        if node not in self._up:
            seen: set[str] = set()
            todo = list(self.parents.get(node, ()))
            while todo:
                current = todo.pop()
                if current not in seen:
                    seen.add(current)
                    todo.extend(self.parents.get(current, ()))
            self._up[node] = frozenset(seen)
        return self._up[node]

    def below(self, node: str) -> frozenset[str]:
        """The node's descendants at one step or more."""
        if not self._down:
            down: dict[str, set[str]] = {}
            for child in self.parents:
                for ancestor in self.above(child):
                    down.setdefault(ancestor, set()).add(child)
            self._down = {k: frozenset(v) for k, v in down.items()}
        return self._down.get(node, frozenset())

    def within(self, node: str) -> frozenset[str]:
        """The node and its descendants: what `?x link* node` matches."""
        return self.below(node) | {node}

    def pairs(self) -> list[tuple[str, str]]:
        """Every (descendant, ancestor) at one step or more: what `?x link+ ?y` matches."""
        return sorted((child, ancestor) for child in self.parents for ancestor in self.above(child))


@dataclass
class Hierarchies:
    """rdfs:subClassOf, rdfs:subPropertyOf and tg:locatedIn between IRIs, in one read."""

    trees: dict[str, Tree] = field(default_factory=lambda: {iri: Tree() for iri in LINKS.values()})

    @classmethod
    def read(cls, store: Store) -> Hierarchies:
        result = store.query(READ, where="the hierarchy query")
        assert isinstance(result, Select)
        return cls.from_rows(result)

    @classmethod
    def from_rows(cls, result: Select) -> Hierarchies:
        """From the rows of READ, however they were fetched."""
        found = cls()
        for link, child, parent in result.rows:
            if isinstance(link, ox.NamedNode) and child is not None and parent is not None:
                found.trees[link.value].add(child.value, parent.value)  # type: ignore[union-attr]
        return found

    @property
    def classes(self) -> Tree:
        return self.trees[RDFS + "subClassOf"]

    @property
    def properties(self) -> Tree:
        return self.trees[RDFS + "subPropertyOf"]

    @property
    def places(self) -> Tree:
        return self.trees[TG + "locatedIn"]


def node(iri: str) -> str:
    return str(ox.NamedNode(iri))


def values(var: str, iris: Iterable[str]) -> str:
    """`VALUES ?var { <a> <b> }`: standard SPARQL 1.1, understood by every server."""
    return f"VALUES ?{var.lstrip('?')} {{ " + " ".join(node(i) for i in sorted(iris)) + " }"


def _iri(term: str) -> str | None:
    if term.startswith("<"):
        return term[1:-1]
    prefix, _, local = term.partition(":")
    return PREFIXES[prefix] + local if prefix in PREFIXES else None


def _replace(match: re.Match[str], hierarchies: Hierarchies) -> str:
    tree = hierarchies.trees[LINKS[match["link"]]]
    s, o, plus = match["s"], match["o"], match["op"] == "+"
    s_var, o_var = s.startswith("?"), o.startswith("?")
    if s_var and o_var:
        if not plus:  # `?x link* ?y` also matches every term with itself: not a finite list
            return match[0]
        rows = " ".join(f"({node(a)} {node(b)})" for a, b in tree.pairs())
        return f"VALUES ({s} {o}) {{ {rows} }}"
    if s_var or o_var:
        fixed = _iri(o if s_var else s)
        if fixed is None:
            return match[0]
        found = (tree.below(fixed) if s_var else tree.above(fixed)) if plus else (
            tree.within(fixed) if s_var else tree.above(fixed) | {fixed})
        var = s if s_var else o
        if match["link"] == "rdfs:subPropertyOf" or match["first"]:
            return values(var, found) + (match["first"] or "")
        return f"FILTER ({var} IN ({', '.join(node(i) for i in sorted(found))}))"
    return match[0]


def expand(text: str, hierarchies: Hierarchies) -> str:
    """The query with each hierarchy path pattern replaced by its pairs as VALUES."""
    return PATTERN.sub(lambda m: _replace(m, hierarchies), text)
