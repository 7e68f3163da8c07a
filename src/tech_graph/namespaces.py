"""IRIs of the vocabularies, named graphs and prefixes, as plain strings.

Kept free of rdflib so that the query path starts fast; `vocab.py` holds the
checked rdflib namespace for code that needs terms.
"""

TG = "https://w3id.org/tech-graph/ontology#"
TGR = "https://w3id.org/tech-graph/id/"
TGS = "https://w3id.org/tech-graph/shapes#"
ONTOLOGY_IRI = "https://w3id.org/tech-graph/ontology"
SEM = "http://semanticweb.cs.vu.nl/2009/11/sem/"
PROV = "http://www.w3.org/ns/prov#"
SCHEMA = "https://schema.org/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"

# Named graphs: where each part of the graph lives in a quad store or server.
GRAPH_BASE = "https://w3id.org/tech-graph/graph/"
GRAPH_DATA = GRAPH_BASE + "data"
GRAPH_SOURCES = GRAPH_BASE + "sources"
GRAPH_ONTOLOGY = GRAPH_BASE + "ontology"
GRAPH_USER = GRAPH_BASE + "user"
ALL_GRAPHS = (GRAPH_DATA, GRAPH_SOURCES, GRAPH_ONTOLOGY, GRAPH_USER)

# Predeclared in every query and used to compact IRIs in output.
PREFIXES: dict[str, str] = {
    "tg": TG,
    "tgr": TGR,
    "sem": SEM,
    "prov": PROV,
    "schema": SCHEMA,
    "org": "http://www.w3.org/ns/org#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "time": "http://www.w3.org/2006/time#",
    "dcterms": "http://purl.org/dc/terms/",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "rdf": RDF,
    "rdfs": RDFS,
    "xsd": XSD,
    "sh": "http://www.w3.org/ns/shacl#",
}


def sparql_prologue() -> str:
    """The PREFIX lines for a server that is not told our prefixes."""
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())


def compact(iri: str) -> str:
    """`tgr:alibaba` for a known namespace, else `<iri>`."""
    best = ""
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns) and len(ns) > len(PREFIXES.get(best, "")):
            local = iri[len(ns) :]
            if local and all(c.isalnum() or c in "-_." for c in local):
                best = prefix
    return f"{best}:{iri[len(PREFIXES[best]):]}" if best else f"<{iri}>"
