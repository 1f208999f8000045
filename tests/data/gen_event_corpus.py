#!/usr/bin/env python3
"""Generate the access-event test corpus (contracts.md section 1).

Deterministic (fixed seed, python3 stdlib only). Running it deletes and rewrites
tests/data/event-corpus/ and refreshes the seed files it owns in tests/fuzz/corpus/.

File names:
  v-NNNN-<slug>.json   expected VALID against schemas/access-event.schema.json
                       and accepted by the C++ parser
  i-NNNN-<slug>.json   expected INVALID (schema and parser both reject)
  i-NNNN-syntax-*.json not even JSON (truncated, trailing comma, bad UTF-8, ...)

Corpus rules, so that the schema and the C++ parser can be compared exactly:
  * every BSN that matches ^[0-9]{8,9}$ passes the elfproef and is not all zeros
    (the schema cannot express the elfproef; the parser enforces it);
  * no calendar-impossible date that matches the time pattern (no Feb 30);
  * no duplicate keys, valid UTF-8 (except i-*-syntax-*), each file < 1 MiB;
  * no integral floats (1.0) where an integer is expected: JSON Schema
    implementations disagree on whether 1.0 is an "integer";
  * no leap second (:60) and no NUL inside free-text strings.

Usage:
  python3 tests/data/gen_event_corpus.py            # (re)generate
  python3 tests/data/gen_event_corpus.py --verify   # (re)generate, then check every
        file against the schema with jsonschema's Draft7Validator (needs `jsonschema`)
  python3 tests/data/gen_event_corpus.py --verify-only
"""

import copy
import datetime as dt
import json
import os
import random
import re
import sys

SEED = 20261128
HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
OUT_DIR = os.path.join(HERE, "event-corpus")
FUZZ_DIR = os.path.join(REPO, "tests", "fuzz", "corpus")
SCHEMA_PATH = os.path.join(REPO, "schemas", "access-event.schema.json")
MAX_FILE = 1 << 20

rng = random.Random(SEED)

# --------------------------------------------------------------------------- BSN


def elfproef(bsn: str) -> bool:
    """docs/contracts.md §1: 9 digits (8 get a leading zero), weighted sum % 11 == 0, not all zeros."""
    if not re.fullmatch(r"[0-9]{8,9}", bsn):
        return False
    s = bsn.rjust(9, "0")
    if s == "000000000":
        return False
    d = [int(c) for c in s]
    total = sum(w * x for w, x in zip((9, 8, 7, 6, 5, 4, 3, 2), d[:8])) - d[8]
    return total % 11 == 0


assert elfproef("999993653") and elfproef("999990482") and elfproef("12345672")
assert not elfproef("000000000") and not elfproef("999993654")

# All elfproef-valid numbers in the 9999xxxxx test range (about 9090 of them).
BSN_POOL = [str(n) for n in range(999900000, 1000000000) if elfproef(str(n))]
# 8-digit BSNs (read with a leading zero) that pass.
BSN8_POOL = [s for s in (str(n) for n in range(12345600, 12346000)) if elfproef(s)]


def bsns(count: int, start: int = 999000000):
    """`count` distinct elfproef-valid 9-digit BSNs from `start` upward."""
    out, n = [], start
    while len(out) < count:
        s = str(n)
        if elfproef(s):
            out.append(s)
        n += 1
    return out


def rand_bsn() -> str:
    return rng.choice(BSN_POOL)


# -------------------------------------------------------------------------- time

TIME_RE = re.compile(
    r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])[Tt]([01][0-9]|2[0-3]):[0-5][0-9]:"
    r"([0-5][0-9]|60)(\.[0-9]{1,9})?([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9])\Z"
)


def calendar_ok(t: str) -> bool:
    try:
        dt.date(int(t[0:4]), int(t[5:7]), int(t[8:10]))
        return True
    except ValueError:
        return False


def amsterdam_offset(d: dt.datetime) -> str:
    """Crude CET/CEST: summer time between the last Sundays of March and October."""
    def last_sunday(year, month):
        day = dt.date(year, month, 31)
        return day - dt.timedelta(days=(day.weekday() + 1) % 7)
    summer = last_sunday(d.year, 3) <= d.date() < last_sunday(d.year, 10)
    return "+02:00" if summer else "+01:00"


def rand_time() -> str:
    start = dt.datetime(2025, 1, 1)
    d = start + dt.timedelta(seconds=rng.randrange(0, 2 * 365 * 86400))
    base = d.strftime("%Y-%m-%dT%H:%M:%S")
    frac = rng.choice(["", "", ".%03d" % rng.randrange(1000), ".%06d" % rng.randrange(10**6),
                       ".%09d" % rng.randrange(10**9), ".%d" % rng.randrange(10)])
    zone = rng.choice(["Z", "Z", "Z", amsterdam_offset(d), "+00:00"])
    return base + frac + zone


# ----------------------------------------------------------------- valid events

DOMAINS = {
    # domain: (systems, roles, purposes, info choices, categories)
    "wmo": (["suite4sd", "wmo-portaal"], ["wmo-consulent", "wmo-administratie"],
            ["wmo-maatwerkvoorziening", "wmo-huishoudelijke-hulp", "wmo-vervoer"],
            ["wat", "wat", "dat"], ["health"]),
    "jeugd": (["suite4sd", "jeugd-dossier"], ["jeugdconsulent", "jeugd-regisseur"],
              ["jeugdhulp-toewijzing", "jeugdbescherming-melding"],
              ["wat", "dat"], ["health", "criminal"]),
    "participatie": (["suite4sd", "participatie-werk"], ["klantmanager", "inkomensconsulent"],
                     ["bijstand-aanvraag", "re-integratie", "bijzondere-bijstand"],
                     ["wat", "dat", "cumulative"], ["health"]),
    "brp": (["pink-brp", "brp-bevragen"], ["brp-medewerker", "burgerzaken"],
            ["brp-bijhouding", "reisdocument-aanvraag", "adresonderzoek"],
            ["dat", "wat"], []),
    "belastingen": (["gouw-belastingen", "batch-belasting"], ["belastingen-medewerker"],
                    ["woz-beschikking", "gemeentelijke-heffingen", "kwijtschelding"],
                    ["wat", "dat"], []),
    "vergunningen": (["zaaksysteem", "omgevingsloket"], ["vergunningverlener", "toezichthouder"],
                     ["omgevingsvergunning", "evenementenvergunning", "drank-en-horeca"],
                     ["wat", "dat"], ["criminal"]),
    "audit": (["inzage-console"], ["privacy-officer", "ciso"],
              ["toezicht-verwerkingen", "inzageverzoek-avg"],
              ["cumulative", "wat"], []),
}
BRP_FIELDS = ["naam", "geboortedatum", "adres", "bsn", "nationaliteit", "partner", "kinderen",
              "verblijfstitel", "geslacht", "overlijden", "ouders", "verblijfplaats_historie"]
MUNICIPALITIES = ["dinkelland", "tubbergen"]
ACTIONS = ["view"] * 8 + ["search"] * 4 + ["update"] * 3 + ["create"] * 2 + \
    ["delete", "export", "print", "provide", "provide"]
PROCESSORS = [("zorg-oost", "processor", "NL"), ("rijksbelastingdienst", "government", "NL"),
              ("svb", "government", "NL"), ("deurwaarder-twente", "third_party", "NL"),
              ("cloudhost-eu", "processor", "DE"), ("wmo-1", "internal", "NL")]
EMERGENCY_REASONS = [
    "Crisismelding politie: persoon in acute nood, dossier nodig voor hulpverlening.",
    "Acute zorgvraag buiten kantooruren, behandelaar niet bereikbaar.",
    "Veilig Thuis melding met direct gevaar voor een kind.",
    "Spoedmachtiging GGZ: gegevens nodig voor de crisisdienst (vitaal belang).",
]

_ulid_alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def ulid() -> str:
    return "01J" + "".join(rng.choice(_ulid_alphabet) for _ in range(23))


def hexs(n: int) -> str:
    return "".join(rng.choice("0123456789abcdef") for _ in range(n))


def gen_valid(i: int) -> dict:
    domain = rng.choice(list(DOMAINS))
    systems, roles, purposes, infos, cats = DOMAINS[domain]
    action = rng.choice(ACTIONS)
    actor_kind = rng.choices(["employee", "processor", "system", "citizen"], [80, 8, 10, 2])[0]
    if actor_kind == "employee":
        actor = {"id": "emp-%04d" % rng.randrange(1000, 3000), "kind": "employee"}
        if rng.random() < 0.85:
            actor["roles"] = rng.sample(roles, rng.randint(1, len(roles)))
    elif actor_kind == "processor":
        actor = {"id": rng.choice(["zorg-oost", "sociaal-team-noord", "cloudhost-eu"]),
                 "kind": "processor"}
    elif actor_kind == "system":
        actor = {"id": rng.choice(["batch-belasting", "brp-sync", "suite4sd-batch"]),
                 "kind": "system"}
        if rng.random() < 0.5:
            actor["roles"] = [rng.choice(roles)]
    else:
        actor = {"id": "citizen-portal", "kind": "citizen", "roles": []}
    n_subj = rng.choices([1, 2, 3, 4, 5], [60, 15, 10, 8, 7])[0]
    if action == "search":
        n_subj = rng.randint(1, 5)
    subjects = [{"bsn": b} for b in rng.sample(BSN_POOL, n_subj)]
    if rng.random() < 0.03:
        subjects[0] = {"bsn": rng.choice(BSN8_POOL)}
    resource = {"system": rng.choice(systems), "domain": domain, "info": rng.choice(infos)}
    if cats and rng.random() < 0.6:
        resource["categories"] = rng.sample(cats, rng.randint(1, len(cats)))
    elif rng.random() < 0.3:
        resource["categories"] = []
    if domain == "brp":
        resource["fields"] = rng.sample(BRP_FIELDS, rng.randint(0, 6))
        resource["method"] = rng.choice(["person", "address", "mutation", "selection", "linkage", None])
    elif rng.random() < 0.2:
        resource["fields"] = []
        resource["method"] = None
    if action in ("export", "print", "search") and rng.random() < 0.8:
        resource["record_count"] = rng.choice([n_subj, rng.randint(n_subj, 500), rng.randint(1000, 250000)])
    elif rng.random() < 0.2:
        resource["record_count"] = n_subj

    ev = {
        "schema": "inzage.access/1",
        "event_id": ulid() if rng.random() < 0.8 else "evt-%s-%06d" % (domain, i),
        "time": rand_time(),
        "municipality": rng.choice(MUNICIPALITIES),
        "actor": actor,
        "action": action,
        "subjects": subjects,
        "resource": resource,
    }
    r = rng.random()
    if r < 0.8:
        ev["purpose"] = rng.choice(purposes)
    elif r < 0.9:
        ev["purpose"] = None
    if rng.random() < 0.55:
        ev["case_id"] = "zaak-%d-%06d" % (rng.choice([2025, 2026]), rng.randrange(1, 999999))
    elif rng.random() < 0.2:
        ev["case_id"] = None
    if action == "provide":
        if rng.random() < 0.9:
            pid, kind, country = rng.choice(PROCESSORS)
            rec = {"id": pid, "kind": kind}
            if rng.random() < 0.8:
                rec["country"] = country
            ev["recipient"] = rec
        # else: missing recipient for provide: schema-valid, policy reports it
    elif rng.random() < 0.3:
        ev["recipient"] = None
    if rng.random() < 0.06:
        ev["emergency"] = {"reason": rng.choice(EMERGENCY_REASONS)}
    elif rng.random() < 0.3:
        ev["emergency"] = None
    if rng.random() < 0.5:
        ev["trace_id"] = hexs(32)
        ev["span_id"] = hexs(16)
    elif rng.random() < 0.2:
        ev["trace_id"] = None
        ev["span_id"] = None
    # shuffle key order now and then: field order must not matter
    if rng.random() < 0.15:
        items = list(ev.items())
        rng.shuffle(items)
        ev = dict(items)
    return ev


# --------------------------------------------------------------- the contract's example

EXAMPLE = {
    "schema": "inzage.access/1",
    "event_id": "01JD2Q9V6N3K4M5P6Q7R8S9T0V",
    "time": "2026-11-28T10:15:03.123Z",
    "municipality": "dinkelland",
    "actor": {"id": "emp-1042", "kind": "employee", "roles": ["wmo-consulent"]},
    "action": "view",
    "subjects": [{"bsn": "999993653"}],
    "resource": {
        "system": "suite4sd", "domain": "wmo", "info": "wat",
        "categories": ["health"], "fields": [], "method": None, "record_count": 1,
    },
    "purpose": "wmo-maatwerkvoorziening",
    "case_id": "zaak-2026-000123",
    "recipient": None,
    "emergency": None,
    "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736",
    "span_id": "00f067aa0ba902b7",
}
REQUIRED = ["schema", "event_id", "time", "municipality", "actor", "action", "subjects", "resource"]


def ex(**changes):
    """Copy of the example with top-level changes; value DROP removes the key."""
    e = copy.deepcopy(EXAMPLE)
    for k, v in changes.items():
        if v is DROP:
            e.pop(k, None)
        else:
            e[k] = v
    return e


DROP = object()


def minimal():
    return {k: copy.deepcopy(EXAMPLE[k]) for k in REQUIRED} | {
        "actor": {"id": "emp-1042", "kind": "employee"},
        "resource": {"system": "suite4sd", "domain": "wmo", "info": "wat"},
    }


def setp(ev, path, value):
    """Set ev[path...] (path is a list of keys/indices); value DROP removes it."""
    e = copy.deepcopy(ev)
    cur = e
    for k in path[:-1]:
        cur = cur[k]
    if value is DROP:
        del cur[path[-1]]
    else:
        cur[path[-1]] = value
    return e


# ------------------------------------------------------------------- hand cases

def hand_cases():
    """List of (expected, slug, document) where document is a python value or raw str/bytes."""
    V, I = "v", "i"
    c = []
    add = lambda kind, slug, doc: c.append((kind, slug, doc))

    # ---- valid
    add(V, "contract-example", EXAMPLE)
    add(V, "minimal-required-only", minimal())
    full = ex(action="provide",
              recipient={"id": "zorg-oost", "kind": "processor", "country": "NL"},
              emergency={"reason": "Crisisdienst: acute zorg nodig, behandelaar onbereikbaar."})
    full["actor"]["roles"] = ["wmo-consulent", "wmo-administratie"]
    full["subjects"] = [{"bsn": "999993653"}, {"bsn": "999990482"}]
    full["resource"].update(categories=["health", "criminal"], fields=["naam", "adres"],
                            method="person", record_count=2)
    add(V, "all-optional-fields-present", full)
    add(V, "all-nullables-null", ex(purpose=None, case_id=None, recipient=None, emergency=None,
                                    trace_id=None, span_id=None,
                                    resource=dict(EXAMPLE["resource"], method=None)))
    add(V, "bsn-8-digits", ex(subjects=[{"bsn": "12345672"}]))
    add(V, "emergency-unicode-reason",
        ex(emergency={"reason": "Spoed: cliënt in nood – crisisdienst ☎ gebeld; 緊急; 🚑 vitaal belang (§2.2.8b)"}))
    add(V, "emergency-reason-2000-ascii", ex(emergency={"reason": "x" * 2000}))
    add(V, "emergency-reason-2000-codepoints-multibyte", ex(emergency={"reason": "é" * 2000}))
    add(V, "emergency-reason-escapes", ex(emergency={"reason": "regel 1\nregel 2\t\"quoted\" \\ /"}))
    add(V, "unknown-top-level-fields",
        ex(x_source="suite4sd 7.2", extra={"nested": {"anything": [1, 2, {"goes": None}]}},
           flags=[True, False], note=None, count=3))
    add(V, "unknown-top-level-deeply-nested",
        ex(x_deep=json.loads("[" * 20 + "1" + "]" * 20)))
    add(V, "event-id-128-chars", ex(event_id="E" * 127 + "~"))
    add(V, "event-id-1-char", ex(event_id="1"))
    add(V, "event-id-printable-ascii-all", ex(event_id="".join(chr(x) for x in range(0x20, 0x7f))))
    add(V, "event-id-space-only", ex(event_id=" "))
    add(V, "subjects-10000", ex(subjects=[{"bsn": b} for b in bsns(10000)],
                                resource=dict(EXAMPLE["resource"], record_count=10000),
                                action="export"))
    add(V, "time-offset-plus-0100", ex(time="2026-11-28T11:15:03.123+01:00"))
    add(V, "time-offset-minus-0530", ex(time="2026-11-28T04:45:03-05:30"))
    add(V, "time-lowercase-t-z", ex(time="2026-11-28t10:15:03z"))
    add(V, "time-9-fraction-digits", ex(time="2026-11-28T10:15:03.123456789Z"))
    add(V, "time-no-fraction", ex(time="2026-11-28T10:15:03Z"))
    add(V, "time-leap-day-2028", ex(time="2028-02-29T23:59:59+01:00"))
    add(V, "time-year-end", ex(time="2026-12-31T23:59:59.999Z"))
    add(V, "record-count-zero", ex(resource=dict(EXAMPLE["resource"], record_count=0)))
    add(V, "record-count-max", ex(resource=dict(EXAMPLE["resource"], record_count=1000000000)))
    add(V, "categories-all-nine",
        ex(resource=dict(EXAMPLE["resource"], categories=["health", "criminal", "ethnicity", "religion",
                                                          "political", "sexual_life", "biometric",
                                                          "genetic", "trade_union"])))
    add(V, "roles-32", ex(actor={"id": "emp-1042", "kind": "employee",
                                 "roles": ["role-%02d" % k for k in range(32)]}))
    add(V, "roles-empty", ex(actor={"id": "emp-1042", "kind": "employee", "roles": []}))
    add(V, "fields-64", ex(resource=dict(EXAMPLE["resource"], fields=["f%02d" % k for k in range(64)])))
    add(V, "provide-without-recipient-policy-reports", ex(action="provide", recipient=DROP))
    add(V, "recipient-without-country", ex(action="provide",
                                           recipient={"id": "svb", "kind": "government"}))
    add(V, "actor-citizen", ex(actor={"id": "citizen-portal", "kind": "citizen"}))
    add(V, "purpose-missing", ex(purpose=DROP))
    add(V, "string-escapes-decode-to-valid",
        '{"schema":"inzage.access\\/1","event_id":"evt\\u002d0001","time":"2026-11-28T10:15:03Z",'
        '"municipality":"dinkell\\u0061nd","actor":{"id":"emp-1042","kind":"employee"},'
        '"action":"vi\\u0065w","subjects":[{"bsn":"99999\\u0033653"}],'
        '"resource":{"system":"suite4sd","domain":"wmo","info":"wat"}}')
    add(V, "whitespace-crlf-pretty",
        "\r\n  " + json.dumps(EXAMPLE, indent="\t").replace("\n", "\r\n") + "\r\n\r\n")
    add(V, "municipality-max-length", ex(municipality="a" + "b" * 63))

    # ---- invalid: structure
    add(I, "top-level-array", [EXAMPLE])
    add(I, "top-level-string", "inzage.access/1")
    add(I, "top-level-number", 42)
    add(I, "top-level-null", None)
    add(I, "top-level-empty-object", {})
    for k in REQUIRED:
        add(I, "missing-%s" % k.replace("_", "-"), ex(**{k: DROP}))
    add(I, "missing-actor-id", setp(EXAMPLE, ["actor", "id"], DROP))
    add(I, "missing-actor-kind", setp(EXAMPLE, ["actor", "kind"], DROP))
    add(I, "missing-subject-bsn", ex(subjects=[{}]))
    add(I, "missing-resource-system", setp(EXAMPLE, ["resource", "system"], DROP))
    add(I, "missing-resource-domain", setp(EXAMPLE, ["resource", "domain"], DROP))
    add(I, "missing-resource-info", setp(EXAMPLE, ["resource", "info"], DROP))
    add(I, "missing-recipient-kind", ex(action="provide", recipient={"id": "zorg-oost"}))
    add(I, "missing-emergency-reason", ex(emergency={}))
    add(I, "unknown-field-in-actor", setp(EXAMPLE, ["actor", "department"], "sociaal-domein"))
    add(I, "unknown-field-in-resource", setp(EXAMPLE, ["resource", "subsystem"], "x"))
    add(I, "unknown-field-in-subject", ex(subjects=[{"bsn": "999993653", "name": "Jansen"}]))
    add(I, "unknown-field-in-recipient",
        ex(recipient={"id": "zorg-oost", "kind": "processor", "country": "NL", "name": "Zorg Oost"}))
    add(I, "unknown-field-in-emergency", ex(emergency={"reason": "spoed", "approved_by": "dir-1"}))
    # ---- invalid: wrong types
    add(I, "schema-number", ex(schema=1))
    add(I, "schema-version-2", ex(schema="inzage.access/2"))
    add(I, "schema-trailing-space", ex(schema="inzage.access/1 "))
    add(I, "schema-uppercase", ex(schema="INZAGE.ACCESS/1"))
    add(I, "event-id-number", ex(event_id=12345))
    add(I, "event-id-null", ex(event_id=None))
    add(I, "event-id-empty", ex(event_id=""))
    add(I, "event-id-129-chars", ex(event_id="E" * 129))
    add(I, "event-id-non-ascii", ex(event_id="evt-ü-1"))
    add(I, "event-id-control-char", ex(event_id="evt\t1"))
    add(I, "event-id-trailing-newline", ex(event_id="evt-1\n"))
    add(I, "event-id-nul", ex(event_id="evt\u00001"))
    add(I, "event-id-del-char", ex(event_id="evt\u007f1"))
    add(I, "time-number", ex(time=1764324903))
    add(I, "time-without-zone", ex(time="2026-11-28T10:15:03.123"))
    add(I, "time-10-fraction-digits", ex(time="2026-11-28T10:15:03.1234567890Z"))
    add(I, "time-month-13", ex(time="2026-13-28T10:15:03Z"))
    add(I, "time-day-00", ex(time="2026-11-00T10:15:03Z"))
    add(I, "time-day-32", ex(time="2026-01-32T10:15:03Z"))
    add(I, "time-hour-24", ex(time="2026-11-28T24:00:00Z"))
    add(I, "time-minute-60", ex(time="2026-11-28T10:60:03Z"))
    add(I, "time-second-61", ex(time="2026-11-28T10:15:61Z"))
    add(I, "time-space-separator", ex(time="2026-11-28 10:15:03Z"))
    add(I, "time-date-only", ex(time="2026-11-28"))
    add(I, "time-offset-no-colon", ex(time="2026-11-28T11:15:03+0100"))
    add(I, "time-offset-hour-24", ex(time="2026-11-28T11:15:03+24:00"))
    add(I, "time-empty-fraction", ex(time="2026-11-28T10:15:03.Z"))
    add(I, "time-two-digit-year", ex(time="26-11-28T10:15:03Z"))
    add(I, "time-utc-word", ex(time="2026-11-28T10:15:03 UTC"))
    add(I, "municipality-uppercase", ex(municipality="Dinkelland"))
    add(I, "municipality-empty", ex(municipality=""))
    add(I, "municipality-leading-dash", ex(municipality="-dinkelland"))
    add(I, "municipality-65-chars", ex(municipality="a" * 65))
    add(I, "municipality-null", ex(municipality=None))
    add(I, "actor-string", ex(actor="emp-1042"))
    add(I, "actor-array", ex(actor=[{"id": "emp-1042", "kind": "employee"}]))
    add(I, "actor-kind-admin", setp(EXAMPLE, ["actor", "kind"], "admin"))
    add(I, "actor-kind-uppercase", setp(EXAMPLE, ["actor", "kind"], "Employee"))
    add(I, "actor-id-number", setp(EXAMPLE, ["actor", "id"], 1042))
    add(I, "actor-roles-string", setp(EXAMPLE, ["actor", "roles"], "wmo-consulent"))
    add(I, "actor-roles-null", setp(EXAMPLE, ["actor", "roles"], None))
    add(I, "actor-roles-33", setp(EXAMPLE, ["actor", "roles"], ["role-%02d" % k for k in range(33)]))
    add(I, "actor-role-65-chars", setp(EXAMPLE, ["actor", "roles"], ["r" * 65]))
    add(I, "actor-role-empty", setp(EXAMPLE, ["actor", "roles"], [""]))
    add(I, "action-read", ex(action="read"))
    add(I, "action-uppercase", ex(action="VIEW"))
    add(I, "action-number", ex(action=1))
    add(I, "action-array", ex(action=["view"]))
    add(I, "subjects-empty", ex(subjects=[]))
    add(I, "subjects-10001", ex(subjects=[{"bsn": b} for b in bsns(10001)]))
    add(I, "subjects-object", ex(subjects={"bsn": "999993653"}))
    add(I, "subjects-string-items", ex(subjects=["999993653"]))
    add(I, "bsn-number", ex(subjects=[{"bsn": 999993653}]))
    add(I, "bsn-7-digits", ex(subjects=[{"bsn": "1234567"}]))
    add(I, "bsn-10-digits", ex(subjects=[{"bsn": "0999993653"}]))
    add(I, "bsn-with-dashes", ex(subjects=[{"bsn": "999-99-3653"}]))
    add(I, "bsn-leading-space", ex(subjects=[{"bsn": " 99999365"}]))
    add(I, "bsn-null", ex(subjects=[{"bsn": None}]))
    add(I, "resource-array", ex(resource=[]))
    add(I, "resource-info-what", setp(EXAMPLE, ["resource", "info"], "what"))
    add(I, "resource-domain-space", setp(EXAMPLE, ["resource", "domain"], "wmo jeugd"))
    add(I, "resource-system-empty", setp(EXAMPLE, ["resource", "system"], ""))
    add(I, "resource-system-129", setp(EXAMPLE, ["resource", "system"], "s" * 129))
    add(I, "categories-duplicates", setp(EXAMPLE, ["resource", "categories"], ["health", "health"]))
    add(I, "categories-unknown", setp(EXAMPLE, ["resource", "categories"], ["medical"]))
    add(I, "categories-string", setp(EXAMPLE, ["resource", "categories"], "health"))
    add(I, "categories-null", setp(EXAMPLE, ["resource", "categories"], None))
    add(I, "fields-uppercase", setp(EXAMPLE, ["resource", "fields"], ["Naam"]))
    add(I, "fields-leading-digit", setp(EXAMPLE, ["resource", "fields"], ["1naam"]))
    add(I, "fields-65", setp(EXAMPLE, ["resource", "fields"], ["f%02d" % k for k in range(65)]))
    add(I, "fields-null", setp(EXAMPLE, ["resource", "fields"], None))
    add(I, "method-unknown", setp(EXAMPLE, ["resource", "method"], "bulk"))
    add(I, "method-number", setp(EXAMPLE, ["resource", "method"], 1))
    add(I, "record-count-negative", setp(EXAMPLE, ["resource", "record_count"], -1))
    add(I, "record-count-over-max", setp(EXAMPLE, ["resource", "record_count"], 1000000001))
    add(I, "record-count-huge", '{"schema":"inzage.access/1","event_id":"e-huge","time":"2026-11-28T10:15:03Z",'
        '"municipality":"dinkelland","actor":{"id":"emp-1042","kind":"employee"},"action":"export",'
        '"subjects":[{"bsn":"999993653"}],"resource":{"system":"suite4sd","domain":"wmo","info":"wat",'
        '"record_count":99999999999999999999999}}')
    add(I, "record-count-fraction", setp(EXAMPLE, ["resource", "record_count"], 2.5))
    add(I, "record-count-string", setp(EXAMPLE, ["resource", "record_count"], "1"))
    add(I, "record-count-bool", setp(EXAMPLE, ["resource", "record_count"], True))
    add(I, "record-count-null", setp(EXAMPLE, ["resource", "record_count"], None))
    add(I, "purpose-number", ex(purpose=17))
    add(I, "purpose-empty", ex(purpose=""))
    add(I, "case-id-129", ex(case_id="z" * 129))
    add(I, "case-id-bool", ex(case_id=False))
    add(I, "recipient-string", ex(recipient="zorg-oost"))
    add(I, "recipient-kind-unknown", ex(recipient={"id": "zorg-oost", "kind": "partner"}))
    add(I, "recipient-country-lowercase", ex(recipient={"id": "zorg-oost", "kind": "processor", "country": "nl"}))
    add(I, "recipient-country-alpha3", ex(recipient={"id": "zorg-oost", "kind": "processor", "country": "NLD"}))
    add(I, "emergency-string", ex(emergency="spoed"))
    add(I, "emergency-true", ex(emergency=True))
    add(I, "emergency-reason-null", ex(emergency={"reason": None}))
    add(I, "emergency-reason-2001", ex(emergency={"reason": "x" * 2001}))
    add(I, "emergency-reason-2001-codepoints-multibyte", ex(emergency={"reason": "€" * 2001}))
    add(I, "trace-id-uppercase", ex(trace_id="4BF92F3577B34DA6A3CE929D0E0E4736"))
    add(I, "trace-id-31-chars", ex(trace_id="4bf92f3577b34da6a3ce929d0e0e473"))
    add(I, "trace-id-number", ex(trace_id=1234))
    add(I, "span-id-17-chars", ex(span_id="00f067aa0ba902b70"))
    add(I, "span-id-non-hex", ex(span_id="00f067aa0ba902bg"))

    # ---- syntactically broken (json.loads fails)
    text = json.dumps(EXAMPLE)
    add(I, "syntax-truncated", text[: len(text) // 2])
    add(I, "syntax-trailing-comma", text[:-1] + ",}")
    add(I, "syntax-trailing-comma-array",
        json.dumps(minimal()).replace('"999993653"}]', '"999993653"},]'))
    add(I, "syntax-single-quotes", text.replace('"', "'"))
    add(I, "syntax-unquoted-key", text.replace('"action"', "action"))
    add(I, "syntax-empty-file", "")
    add(I, "syntax-two-documents", text + "\n" + text)
    add(I, "syntax-comment", "// event\n" + text)
    add(I, "syntax-bad-utf8-in-reason",
        json.dumps(ex(emergency={"reason": "SPOED"})).encode().replace(b"SPOED", b"SP\xffOED"))
    add(I, "syntax-unterminated-string", text.replace('"view"', '"view'))
    return c


# --------------------------------------------------------------- mutations

def _str_paths(ev):
    out = []
    for k in ("event_id", "purpose", "case_id"):
        if isinstance(ev.get(k), str):
            out.append([k])
    out.append(["actor", "id"])
    out.append(["resource", "system"])
    if isinstance(ev.get("recipient"), dict):
        out.append(["recipient", "id"])
    return out


def mutations():
    """Each mutation: name -> function(ev) returning (slug, mutated ev) or None if n/a."""
    M = []

    def m(fn):
        M.append(fn)
        return fn

    @m
    def drop_required(ev):
        k = rng.choice(REQUIRED)
        return "drop-%s" % k.replace("_", "-"), setp(ev, [k], DROP)

    @m
    def drop_nested_required(ev):
        choices = [["actor", "id"], ["actor", "kind"], ["resource", "system"], ["resource", "domain"],
                   ["resource", "info"], ["subjects", rng.randrange(len(ev["subjects"])), "bsn"]]
        if isinstance(ev.get("recipient"), dict):
            choices += [["recipient", "id"], ["recipient", "kind"]]
        if isinstance(ev.get("emergency"), dict):
            choices.append(["emergency", "reason"])
        p = rng.choice(choices)
        return "drop-%s" % "-".join(str(x) for x in p if not isinstance(x, int)).replace("_", "-"), setp(ev, p, DROP)

    @m
    def null_required(ev):
        p = rng.choice([["schema"], ["event_id"], ["time"], ["municipality"], ["actor"], ["action"],
                        ["subjects"], ["resource"], ["actor", "id"], ["actor", "kind"],
                        ["resource", "domain"], ["resource", "info"], ["resource", "system"]])
        return "null-%s" % "-".join(p).replace("_", "-"), setp(ev, p, None)

    WRONG = [0, 1, -7, 3.25, True, False, "x", [], ["view"], {}, {"a": 1}]

    @m
    def wrong_type(ev):
        table = {
            ("schema",): "string", ("event_id",): "string", ("time",): "string",
            ("municipality",): "string", ("actor",): "object", ("action",): "string",
            ("subjects",): "array", ("resource",): "object", ("actor", "id"): "string",
            ("actor", "kind"): "string", ("resource", "system"): "string",
            ("resource", "domain"): "string", ("resource", "info"): "string",
            ("purpose",): "string-or-null", ("case_id",): "string-or-null",
            ("recipient",): "object-or-null", ("emergency",): "object-or-null",
            ("trace_id",): "string-or-null", ("span_id",): "string-or-null",
        }
        if "roles" in ev["actor"]:
            table[("actor", "roles")] = "array"
        for k in ("categories", "fields"):
            if k in ev["resource"]:
                table[("resource", k)] = "array"
        if "record_count" in ev["resource"]:
            table[("resource", "record_count")] = "integer"
        path = rng.choice(sorted(table))
        want = table[path]
        while True:
            v = rng.choice(WRONG)
            t = ("boolean" if isinstance(v, bool) else "integer" if isinstance(v, int) else
                 "number" if isinstance(v, float) else "string" if isinstance(v, str) else
                 "array" if isinstance(v, list) else "object")
            if t not in want.split("-or-"):
                break
        return "wrong-type-%s-%s" % ("-".join(path).replace("_", "-"), t), setp(ev, list(path), v)

    @m
    def subject_wrong_type(ev):
        i = rng.randrange(len(ev["subjects"]))
        v = rng.choice([int(ev["subjects"][i]["bsn"]), ev["subjects"][i]["bsn"], None, []])
        if isinstance(v, str):
            return "subject-item-string", setp(ev, ["subjects", i], v)
        return "subject-bsn-wrong-type", setp(ev, ["subjects", i, "bsn"], v)

    @m
    def bad_enum(ev):
        opts = [(["action"], ["read", "View", "opvragen", "", "viewed", "delete "]),
                (["actor", "kind"], ["admin", "user", "Employee", "burger", ""]),
                (["resource", "info"], ["what", "WAT", "daT", "cumulatief", ""])]
        if "method" in ev["resource"]:
            opts.append((["resource", "method"], ["bulk", "Person", "persoon", ""]))
        if isinstance(ev.get("recipient"), dict):
            opts.append((["recipient", "kind"], ["partner", "gemeente", "Processor", ""]))
        path, vals = rng.choice(opts)
        return "bad-enum-%s" % "-".join(path).replace("_", "-"), setp(ev, path, rng.choice(vals))

    @m
    def bad_category(ev):
        cats = list(ev["resource"].get("categories", []))
        r = rng.random()
        if r < 0.5:
            cats.append(rng.choice(["medical", "Health", "race", "sexual-life", "criminal_record", ""]))
            return "bad-enum-category", setp(ev, ["resource", "categories"], cats)
        c = rng.choice(cats or ["health"])
        return "duplicate-category", setp(ev, ["resource", "categories"], cats + [c] if c in cats else [c, c])

    @m
    def bad_schema_const(ev):
        return "bad-schema-const", setp(ev, ["schema"], rng.choice(
            ["inzage.access/2", "inzage.access/1.0", "inzage.access", "Inzage.access/1", " inzage.access/1",
             "inzage.access/01", ""]))

    @m
    def too_long(ev):
        choice = rng.choice(["event_id", "actor.id", "role", "system", "purpose", "case_id",
                             "field", "reason", "municipality", "domain", "recipient.id"])
        if choice == "event_id":
            return "too-long-event-id", setp(ev, ["event_id"], ev["event_id"].ljust(129, "x")[:rng.choice([129, 130, 200])])
        if choice == "actor.id":
            return "too-long-actor-id", setp(ev, ["actor", "id"], "emp-" + "9" * 125)
        if choice == "role":
            return "too-long-role", setp(ev, ["actor", "roles"], ev["actor"].get("roles", []) + ["r" * 65])
        if choice == "system":
            return "too-long-system", setp(ev, ["resource", "system"], "s" * rng.choice([129, 300]))
        if choice == "purpose":
            return "too-long-purpose", setp(ev, ["purpose"], "p" * 129)
        if choice == "case_id":
            return "too-long-case-id", setp(ev, ["case_id"], "zaak-" + "0" * 124)
        if choice == "field":
            return "too-long-field", setp(ev, ["resource", "fields"], ev["resource"].get("fields", []) + ["f" * 65])
        if choice == "reason":
            return "too-long-emergency-reason", setp(ev, ["emergency"], {"reason": "spoed " * 334})
        if choice == "municipality":
            return "too-long-municipality", setp(ev, ["municipality"], "d" * 65)
        if choice == "domain":
            return "too-long-domain", setp(ev, ["resource", "domain"], "w" * 65)
        return "too-long-recipient-id", setp(ev, ["recipient"], {"id": "r" * 129, "kind": "processor"})

    @m
    def empty_string(ev):
        p = rng.choice(_str_paths(ev) + [["time"], ["municipality"], ["resource", "domain"]])
        return "empty-%s" % "-".join(p).replace("_", "-"), setp(ev, p, "")

    @m
    def bad_time(ev):
        t = ev["time"]
        variants = [
            ("no-zone", re.sub(r"([Zz]|[+-]\d\d:\d\d)$", "", t)),
            ("space-separator", t[:10] + " " + t[11:]),
            ("month-00", t[:5] + "00" + t[7:]),
            ("month-13", t[:5] + "13" + t[7:]),
            ("day-00", t[:8] + "00" + t[10:]),
            ("hour-25", t[:11] + "25" + t[13:]),
            ("minute-61", t[:14] + "61" + t[16:]),
            ("second-75", t[:17] + "75" + t[19:]),
            ("offset-no-colon", re.sub(r"([Zz]|[+-]\d\d:\d\d)$", "+0100", t)),
            ("offset-short", re.sub(r"([Zz]|[+-]\d\d:\d\d)$", "+01", t)),
            ("fraction-10-digits", re.sub(r"(\.\d+)?([Zz]|[+-]\d\d:\d\d)$", r".1234567890\2", t)),
            ("unix-seconds", str(rng.randrange(1735689600, 1798761600))),
            ("date-only", t[:10]),
            ("slashes", t[:4] + "/" + t[5:7] + "/" + t[8:]),
            ("trailing-garbage", t + "x"),
            ("leading-space", " " + t),
            ("zone-name", re.sub(r"([Zz]|[+-]\d\d:\d\d)$", " Europe/Amsterdam", t)),
            ("missing-seconds", t[:16] + re.search(r"([Zz]|[+-]\d\d:\d\d)$", t).group(1)),
        ]
        slug, v = rng.choice(variants)
        return "bad-time-" + slug, setp(ev, ["time"], v)

    @m
    def bad_pattern(ev):
        opts = [
            ("municipality-uppercase", ["municipality"], ev["municipality"].capitalize()),
            ("municipality-space", ["municipality"], "dinkel land"),
            ("municipality-underscore-first", ["municipality"], "_" + ev["municipality"]),
            ("municipality-dot", ["municipality"], ev["municipality"] + ".nl"),
            ("domain-uppercase", ["resource", "domain"], ev["resource"]["domain"].upper()),
            ("domain-unicode", ["resource", "domain"], "jeügd"),
            ("event-id-non-ascii", ["event_id"], ev["event_id"] + "é"),
            ("event-id-newline", ["event_id"], ev["event_id"] + "\n"),
            ("event-id-tab", ["event_id"], "\t" + ev["event_id"]),
            ("actor-id-control", ["actor", "id"], ev["actor"]["id"] + "\u0001"),
            ("actor-id-non-ascii", ["actor", "id"], ev["actor"]["id"] + "ß"),
            ("trace-id-uppercase", ["trace_id"], "ABCDEF" + hexs(26)),
            ("trace-id-short", ["trace_id"], hexs(30)),
            ("trace-id-long", ["trace_id"], hexs(33)),
            ("trace-id-dashes", ["trace_id"], "-".join([hexs(8), hexs(4), hexs(4), hexs(4), hexs(12)])),
            ("span-id-uppercase", ["span_id"], "ABCDEF" + hexs(10)),
            ("span-id-short", ["span_id"], hexs(8)),
            ("field-dash", ["resource", "fields"], ["geboorte-datum"]),
            ("field-uppercase", ["resource", "fields"], ["Naam"]),
            ("field-empty", ["resource", "fields"], [""]),
            ("bsn-short", ["subjects"], [{"bsn": str(rng.randrange(1000000, 9999999))}]),
            ("bsn-long", ["subjects"], [{"bsn": "1" + rand_bsn()}]),
            ("bsn-letters", ["subjects"], [{"bsn": rand_bsn()[:8] + "X"}]),
            ("bsn-spaces", ["subjects"], [{"bsn": " " + rand_bsn()}]),
            ("bsn-empty", ["subjects"], [{"bsn": ""}]),
            ("recipient-country-lower", ["recipient"], {"id": "zorg-oost", "kind": "processor", "country": "nl"}),
            ("recipient-country-number", ["recipient"], {"id": "zorg-oost", "kind": "processor", "country": 528}),
            ("role-non-ascii", ["actor", "roles"], ["wmo-consulént"]),
        ]
        slug, p, v = rng.choice(opts)
        return "bad-pattern-" + slug, setp(ev, p, v)

    @m
    def extra_nested_field(ev):
        opts = [(["actor"], rng.choice(["department", "name", "team", "Roles"])),
                (["resource"], rng.choice(["subsystem", "Domain", "field", "categorie"])),
                (["subjects", 0], rng.choice(["name", "BSN", "anr", "household"]))]
        if isinstance(ev.get("recipient"), dict):
            opts.append((["recipient"], rng.choice(["name", "agreement"])))
        if isinstance(ev.get("emergency"), dict):
            opts.append((["emergency"], rng.choice(["approved_by", "until"])))
        path, key = rng.choice(opts)
        val = rng.choice(["x", 1, None, True, [], {}])
        return "extra-field-%s" % path[0].replace("_", "-"), setp(ev, path + [key], val)

    @m
    def bad_number(ev):
        v = rng.choice([-1, -100, 1000000001, 5000000000, 1.5, 0.5, -0.5])
        return "bad-record-count", setp(ev, ["resource", "record_count"], v)

    @m
    def bad_array(ev):
        r = rng.randrange(6)
        if r == 0:
            return "subjects-empty", setp(ev, ["subjects"], [])
        if r == 1:
            return "roles-too-many", setp(ev, ["actor", "roles"], ["role-%d" % k for k in range(rng.choice([33, 40, 64]))])
        if r == 2:
            return "fields-too-many", setp(ev, ["resource", "fields"], ["veld_%d" % k for k in range(rng.choice([65, 80]))])
        if r == 3:
            return "roles-item-number", setp(ev, ["actor", "roles"], ev["actor"].get("roles", []) + [7])
        if r == 4:
            return "fields-item-null", setp(ev, ["resource", "fields"], ev["resource"].get("fields", []) + [None])
        return "subjects-item-null", setp(ev, ["subjects"], ev["subjects"] + [None])

    @m
    def bad_nullable_object(ev):
        r = rng.randrange(6)
        if r == 0:
            return "recipient-empty-object", setp(ev, ["recipient"], {})
        if r == 1:
            return "recipient-array", setp(ev, ["recipient"], [{"id": "zorg-oost", "kind": "processor"}])
        if r == 2:
            return "emergency-empty-object", setp(ev, ["emergency"], {})
        if r == 3:
            return "emergency-reason-number", setp(ev, ["emergency"], {"reason": 112})
        if r == 4:
            return "emergency-bare-string", setp(ev, ["emergency"], rng.choice(EMERGENCY_REASONS))
        return "recipient-id-null", setp(ev, ["recipient"], {"id": None, "kind": "processor"})

    @m
    def null_not_nullable(ev):
        p = rng.choice([["actor", "roles"], ["resource", "categories"], ["resource", "fields"],
                        ["resource", "record_count"]])
        return "null-%s" % "-".join(p).replace("_", "-"), setp(ev, p, None)

    return M


# -------------------------------------------------------------------- writing

def build():
    entries = []  # (kind, slug, bytes)
    for kind, slug, doc in hand_cases():
        if isinstance(doc, str) and (slug.startswith("syntax-") or slug in
                                     ("string-escapes-decode-to-valid", "whitespace-crlf-pretty",
                                      "record-count-huge")):
            data = doc.encode("utf-8")
        elif isinstance(doc, bytes):
            data = doc
        else:
            style = 1 if slug.startswith("subjects-100") else (0 if len(entries) % 3 != 2 else 2)
            data = (json.dumps(doc, indent=None if style else 2, ensure_ascii=(style == 2),
                               separators=(",", ":") if style == 1 else None) + "\n").encode("utf-8")
        entries.append((kind, slug, data))

    valids = [gen_valid(i) for i in range(150)]
    for i, ev in enumerate(valids):
        style = i % 3
        data = (json.dumps(ev, indent=2 if style == 0 else None, ensure_ascii=(style == 2),
                           separators=(",", ":") if style == 1 else None) + "\n").encode("utf-8")
        entries.append(("v", "gen-%s-%s" % (ev["resource"]["domain"], ev["action"]), data))

    muts = mutations()
    for i in range(160):
        base = valids[i % len(valids)]
        fn = muts[i % len(muts)]
        slug, mev = fn(base)
        style = (i // len(muts)) % 3
        data = (json.dumps(mev, indent=2 if style == 0 else None, ensure_ascii=(style == 2),
                           separators=(",", ":") if style == 1 else None) + "\n").encode("utf-8")
        entries.append(("i", "mut-" + slug, data))
    return entries


def write(entries):
    os.makedirs(OUT_DIR, exist_ok=True)
    for f in os.listdir(OUT_DIR):
        if f.endswith(".json"):
            os.remove(os.path.join(OUT_DIR, f))
    counters = {"v": 0, "i": 0}
    names = []
    for kind, slug, data in entries:
        counters[kind] += 1
        slug = re.sub(r"[^a-z0-9-]+", "-", slug.lower()).strip("-")
        name = "%s-%04d-%s.json" % (kind, counters[kind], slug)
        with open(os.path.join(OUT_DIR, name), "wb") as fh:
            fh.write(data)
        names.append((name, data))
    return names


FUZZ_PICK = [
    "contract-example", "minimal-required-only", "all-optional-fields-present", "all-nullables-null",
    "bsn-8-digits", "emergency-unicode-reason", "unknown-top-level-fields", "string-escapes-decode-to-valid",
    "time-offset-plus-0100", "time-lowercase-t-z", "time-leap-day-2028", "event-id-printable-ascii-all",
    "top-level-array", "top-level-empty-object", "missing-subjects", "unknown-field-in-actor",
    "event-id-129-chars", "time-10-fraction-digits", "categories-duplicates", "record-count-huge",
    "trace-id-uppercase", "event-id-trailing-newline", "emergency-reason-null", "bsn-number",
    "syntax-truncated", "syntax-trailing-comma", "syntax-bad-utf8-in-reason", "syntax-two-documents",
]


def write_fuzz(names):
    os.makedirs(FUZZ_DIR, exist_ok=True)
    for f in os.listdir(FUZZ_DIR):
        if re.fullmatch(r"[vi]-\d{4}-[a-z0-9-]+\.json", f):
            os.remove(os.path.join(FUZZ_DIR, f))
    picked = []
    for name, data in names:
        slug = name[7:-5]
        if slug in FUZZ_PICK or (slug.startswith(("gen-", "mut-")) and len(data) < 1200
                                 and int(name[2:6]) % 37 == 0):
            if len(data) <= 4096:
                picked.append(name)
                with open(os.path.join(FUZZ_DIR, name), "wb") as fh:
                    fh.write(data)
    return picked


# ------------------------------------------------------------------- checking

def _no_dups(pairs):
    keys = [k for k, _ in pairs]
    if len(keys) != len(set(keys)):
        raise ValueError("duplicate key in object: %r" % keys)
    return dict(pairs)


def _walk(node, fn, key=None):
    fn(key, node)
    if isinstance(node, dict):
        for k, v in node.items():
            _walk(v, fn, k)
    elif isinstance(node, list):
        for v in node:
            _walk(v, fn, key)


def corpus_rule_problems(name, data):
    """Rules from the module docstring (not schema validity)."""
    probs = []
    if len(data) > MAX_FILE:
        probs.append("larger than 1 MiB")
    syntax = "-syntax-" in name
    try:
        text = data.decode("utf-8")
        doc = json.loads(text, object_pairs_hook=_no_dups,
                         parse_constant=lambda c: (_ for _ in ()).throw(ValueError(c)))
    except ValueError as e:  # includes UnicodeDecodeError and JSONDecodeError
        if not syntax:
            probs.append("not parseable: %s" % e)
        return probs, None
    if syntax:
        probs.append("named syntax-* but parses")

    def check(key, v):
        if key == "bsn" and isinstance(v, str) and re.fullmatch(r"[0-9]{8,9}", v) and not elfproef(v):
            probs.append("bsn %s fails the elfproef" % v)
        if isinstance(v, str) and TIME_RE.match(v) and not calendar_ok(v):
            probs.append("calendar-impossible time %s" % v)
        if isinstance(v, str) and TIME_RE.match(v) and v[17:19] == "60":
            probs.append("leap second %s" % v)
        if isinstance(v, float) and v == int(v):
            probs.append("integral float %r" % v)
    _walk(doc, check)
    return probs, doc


def verify(names=None):
    try:
        import jsonschema
        from jsonschema import Draft7Validator, validators
    except ImportError:
        print("verify: python jsonschema is not installed (pip install jsonschema)", file=sys.stderr)
        return 2
    with open(SCHEMA_PATH, encoding="utf-8") as fh:
        schema = json.load(fh)
    Draft7Validator.check_schema(schema)

    # JSON Schema patterns are ECMA-262 regexes; in Python's `re`, `$` also matches before a
    # trailing "\n", which ECMA-262 (and valijson's std::regex) does not. Use \Z for the final $.
    def ecma(p):
        return p[:-1] + r"\Z" if p.endswith("$") and not p.endswith("\\$") else p

    def pattern(validator, patrn, instance, schema_):
        if validator.is_type(instance, "string") and not re.search(ecma(patrn), instance):
            yield jsonschema.ValidationError("%r does not match %r" % (instance, patrn))

    Ecma7 = validators.extend(Draft7Validator, {"pattern": pattern})
    strict = Ecma7(schema)
    plain = Draft7Validator(schema)

    if names is None:
        names = []
        for f in sorted(os.listdir(OUT_DIR)):
            if f.endswith(".json"):
                with open(os.path.join(OUT_DIR, f), "rb") as fh:
                    names.append((f, fh.read()))
    counts = {"v": 0, "i": 0, "syntax": 0}
    bad = 0
    plain_diff = []
    for name, data in sorted(names):
        probs, doc = corpus_rule_problems(name, data)
        kind = name[0]
        if "-syntax-" in name:
            counts["syntax"] += 1
        if doc is not None:
            ok = strict.is_valid(doc)
            if ok != plain.is_valid(doc):
                plain_diff.append(name)
            if kind == "v" and not ok:
                err = next(iter(sorted(strict.iter_errors(doc), key=str)))
                probs.append("expected valid: %s at %s" % (err.message[:200], list(err.absolute_path)))
            if kind == "i" and ok:
                probs.append("expected invalid but validates")
        counts[kind] += 1
        for p in probs:
            bad += 1
            print("FAIL %s: %s" % (name, p))
    total = counts["v"] + counts["i"]
    print("event corpus: %d files, %d valid (v-*), %d invalid (i-*, of which %d syntax-broken)"
          % (total, counts["v"], counts["i"], counts["syntax"]))
    if plain_diff:
        print("note: only ECMA-262 '$' semantics tell these apart (Python re differs): %s"
              % ", ".join(plain_diff))
    print("%d problems" % bad)
    return 1 if bad else 0


def main(argv):
    if "--verify-only" in argv:
        return verify()
    entries = build()
    names = write(entries)
    picked = write_fuzz(names)
    print("wrote %d files to %s, %d fuzz seeds to %s"
          % (len(names), os.path.relpath(OUT_DIR, REPO), len(picked), os.path.relpath(FUZZ_DIR, REPO)))
    if "--verify" in argv:
        return verify(names)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
