"""Grow the graph from new sources: read an article, draft candidate facts by transparent rules, review, accept.

Nothing here learns or downloads: actors come from a gazetteer of the graph's own names,
events from trigger terms kept in the ontology (`ontology/extraction.ttl`), dates are resolved
against the publication date at their real precision, and figures by number patterns.
"""
