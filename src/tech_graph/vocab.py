"""The ontology's terms as an rdflib namespace that fails on a misspelled term.

`tests/test_ontology.py` checks that this list and `ontology/tech-graph.ttl` agree.
"""
from rdflib import URIRef
from rdflib.namespace import DefinedNamespace, Namespace

from .namespaces import TG as TG_IRI
from .namespaces import TGR as TGR_IRI


class TG(DefinedNamespace):
    _NS = Namespace(TG_IRI)
    _fail = True

    Acquisition: URIRef
    Actor: URIRef
    Alleged: URIRef
    AntitrustRules: URIRef
    Article: URIRef
    BackgroundSource: URIRef
    Ban: URIRef
    City: URIRef
    Claim: URIRef
    Company: URIRef
    CompetitiveConduct: URIRef
    Completed: URIRef
    CorporateEvent: URIRef
    Country: URIRef
    Deal: URIRef
    DealReview: URIRef
    Divestment: URIRef
    EventStatus: URIRef
    Excerpt: URIRef
    ExecutiveDisappearance: URIRef
    ExecutiveReappearance: URIRef
    ExpansionOrHiring: URIRef
    ForcedDivestment: URIRef
    Founding: URIRef
    Government: URIRef
    IPO: URIRef
    IPOSuspension: URIRef
    Investigation: URIRef
    Link: URIRef
    LinkProperty: URIRef
    MarketEvent: URIRef
    Measurement: URIRef
    MediaOrganization: URIRef
    Modality: URIRef
    OfferOfHelp: URIRef
    Ongoing: URIRef
    Ownership: URIRef
    Person: URIRef
    Place: URIRef
    Planned: URIRef
    Platform: URIRef
    PlatformOperation: URIRef
    PolicyAnnouncement: URIRef
    PoliticalEvent: URIRef
    PoliticalPressure: URIRef
    Possible: URIRef
    Proposed: URIRef
    Region: URIRef
    Regulator: URIRef
    RegulatoryAction: URIRef
    Relationship: URIRef
    RevenueShare: URIRef
    Rumoured: URIRef
    ShareBuyback: URIRef
    Stake: URIRef
    Suspended: URIRef
    UnwindLawsuit: URIRef
    UserCount: URIRef
    ValuationDrop: URIRef
    about: URIRef
    approximateTime: URIRef
    asOf: URIRef
    causedBy: URIRef
    claimText: URIRef
    claimedIn: URIRef
    colour: URIRef
    concerns: URIRef
    count: URIRef
    dateDerivedFrom: URIRef
    dealValue: URIRef
    despite: URIRef
    hasAcquiree: URIRef
    hasAcquirer: URIRef
    hasAffected: URIRef
    hasBuyer: URIRef
    hasInitiator: URIRef
    hasIssuer: URIRef
    hasRecipient: URIRef
    hasRegulator: URIRef
    hasReporter: URIRef
    hasSeller: URIRef
    hasSubject: URIRef
    hasTarget: URIRef
    headquarteredIn: URIRef
    inResponseTo: URIRef
    isApproximate: URIRef
    isLowerBound: URIRef
    jurisdiction: URIRef
    localFile: URIRef
    locatedIn: URIRef
    market: URIRef
    measuredActor: URIRef
    modality: URIRef
    originalPhrase: URIRef
    percentChange: URIRef
    quantity: URIRef
    relativeTo: URIRef
    scheduledFor: URIRef
    shape: URIRef
    source: URIRef
    status: URIRef
    target: URIRef
    valueChange: URIRef

TGR = Namespace(TGR_IRI)
