#!/usr/bin/env python3
"""Source systems that log to the Dutch government's standards, for inzage's tests and benchmark.

Reads inzage access events (NDJSON, `inzage generate`) and records the same accesses as a source
system built to the standards would:

* LDV (Logboek Dataverwerkingen 1.0.0): with the OpenTelemetry SDK, one span per processing
  (name, dpl.core.processing_activity_id) and, as the standard says for several subjects, one
  child span per subject carrying dpl.core.data_subject_id and dpl.core.data_subject_id_type.
  The user goes where LDV leaves it, outside the core record: OpenTelemetry's enduser.id and
  user.roles, or every third event the NEN 7513 extension's dpl.nen7513.users. The spans are
  encoded with the SDK's own OTLP encoders, batched as the Collector's Kafka exporter writes
  them: one ExportTraceServiceRequest of many spans per message (otlp_proto or otlp_json).
* VNG verwerkingenlogging: one Verwerkingsactie per event.

Events are split over the three by actor, so that each actor's events stay in order on one topic.
With --bad, messages that must become dead letters are added (spans without actor, activity or a
known subject type; a truncated protobuf message; a message of 10,000 spans of which some are bad).

Writes the messages to files (otlp-proto: each after its length, 4 bytes big-endian; the JSON
formats one per line) and, with --bootstrap, produces them to Kafka. Prints a JSON summary:
messages per format and how many of them must become dead letters.
"""
import argparse
import json
import random
import struct
import sys

import yaml
from opentelemetry.exporter.otlp.json.common.trace_encoder import encode_spans as encode_json
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans as encode_proto
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import Status, StatusCode


def load_policy(policy_dir):
    register = yaml.safe_load(open(f"{policy_dir}/register.yaml"))["activities"]
    interop = yaml.safe_load(open(f"{policy_dir}/interop.yaml"))["interop"]
    activities = {a["id"]: a for a in register}
    categories = {}
    specials = {}
    for c in interop["data_categories"]:
        if "domain" in c and not c.get("special_categories"):
            categories.setdefault((c["domain"], c["info"]), c["name"])
        elif "domain" not in c:
            specials[c["special_categories"][0]] = c["name"]
    oins = {m: name for name, m in interop.get("controllers", {}).get("names", {}).items()}
    return activities, categories, specials, oins


def elfproef(bsn):
    if not bsn.isdigit() or len(bsn) not in (8, 9) or int(bsn) == 0:
        return False
    d = [int(c) for c in bsn.zfill(9)]
    return (sum((9 - i) * d[i] for i in range(8)) - d[8]) % 11 == 0


def representable(e, activities, categories, specials):
    if not all(elfproef(s.get("bsn", "")) for s in e["subjects"]):
        return False  # the generator's bad BSNs: the bad input below covers those
    a = activities.get(e.get("purpose") or "")
    if not a or "ldv_id" not in a or "vng_id" not in a or e["actor"]["kind"] != "employee":
        return False
    r = e["resource"]
    return (r["domain"], r["info"]) in categories and all(
        c in specials for c in r.get("categories", []))


def category_names(e, categories, specials):
    r = e["resource"]
    return [categories[(r["domain"], r["info"])]] + [specials[c] for c in r.get("categories", [])]


def time_ns(rfc3339):
    from datetime import datetime
    return int(datetime.fromisoformat(rfc3339.replace("Z", "+00:00")).timestamp() * 1e6) * 1000


class LdvSource:
    """One source system (an OpenTelemetry resource) writing LDV spans."""

    def __init__(self, system, municipality):
        self.exporter = InMemorySpanExporter()
        provider = TracerProvider(resource=Resource.create(
            {"service.name": system, "service.namespace": municipality}))
        provider.add_span_processor(SimpleSpanProcessor(self.exporter))
        self.tracer = provider.get_tracer("inzage-tests.ldv-source", "1.0.0")

    def record(self, e, activity_uri, names, n, actor=True, activity=True, subject_type="BSN"):
        t = time_ns(e["time"])
        with self.tracer.start_as_current_span(e["action"], start_time=t, end_on_exit=False) as p:
            if activity:
                p.set_attribute("dpl.core.processing_activity_id", activity_uri)
            for s in e["subjects"]:
                child = self.tracer.start_span(e["action"], start_time=t)
                if activity:
                    child.set_attribute("dpl.core.processing_activity_id", activity_uri)
                child.set_attribute("dpl.core.data_subject_id", s["bsn"])
                child.set_attribute("dpl.core.data_subject_id_type", subject_type)
                child.set_attribute("inzage.data_categories", names)
                if actor and n % 3 == 0:
                    # NEN 7513's users: an SDK's attributes hold no maps, so a JSON string.
                    child.set_attribute("dpl.nen7513.users", json.dumps(
                        [{"userID": e["actor"]["id"], "roleIDCode": (e["actor"].get("roles") or [""])[0],
                          "purposeOfUse": e["purpose"], "userIsRequestor": True}]))
                elif actor:
                    child.set_attribute("enduser.id", e["actor"]["id"])
                    if e["actor"].get("roles"):
                        child.set_attribute("user.roles", e["actor"]["roles"])
                child.set_status(Status(StatusCode.OK))
                child.end(end_time=t + 1000)
            p.end(end_time=t + 2000)

    def take(self):
        spans = list(self.exporter.get_finished_spans())
        self.exporter.clear()
        return spans


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--events", required=True)
    ap.add_argument("--policy", required=True)
    ap.add_argument("--out", required=True, help="file prefix: PREFIX.otlp-proto, ...")
    ap.add_argument("--spans-per-message", type=int, default=200)
    ap.add_argument("--only", choices=["otlp-proto", "otlp-json", "vng-verwerkingsactie"],
                    help="every event in this format (the benchmark)")
    ap.add_argument("--bad", action="store_true")
    ap.add_argument("--resend", action="store_true",
                    help="produce the messages of the files at --out again, byte for byte")
    ap.add_argument("--bootstrap")
    ap.add_argument("--topic-proto", default="otlp_spans")
    ap.add_argument("--topic-json", default="otlp_json_spans")
    ap.add_argument("--topic-vng", default="vng.verwerkingsacties")
    a = ap.parse_args()

    activities, categories, specials, oins = load_policy(a.policy)
    formats = ["otlp-proto", "otlp-json", "vng-verwerkingsactie"]
    if a.resend:
        return resend(a, formats)
    sources = {}
    pending = {"otlp-proto": [], "otlp-json": []}
    messages = {f: [] for f in formats}
    dead = {f: 0 for f in formats}
    records = 0
    skipped = 0

    def flush(fmt, force=False):
        spans = pending[fmt]
        while spans and (force or len(spans) >= a.spans_per_message):
            batch, spans[:] = spans[:a.spans_per_message], spans[a.spans_per_message:]
            encoded = (encode_proto(batch).SerializeToString() if fmt == "otlp-proto"
                       else encode_json(batch).to_json().encode())
            messages[fmt].append(encoded)
            # A parent span names no subject: a dead letter under interop.without_subject:
            # dead_letter (the default), so every message holding one becomes one dead letter.
            if any(s.attributes.get("dpl.core.data_subject_id") is None or
                   s.attributes.get("dpl.core.data_subject_id_type") != "BSN" or
                   s.attributes.get("dpl.core.processing_activity_id") is None or
                   ("enduser.id" not in s.attributes and "dpl.nen7513.users" not in s.attributes)
                   for s in batch):
                dead[fmt] += 1

    for n, line in enumerate(open(a.events)):
        try:
            e = json.loads(line)
            ok = representable(e, activities, categories, specials)
        except (ValueError, KeyError, TypeError, AttributeError):
            ok = False  # the generator's invalid messages: not an access to record
        if not ok:
            skipped += 1
            continue
        records += 1
        act = activities[e["purpose"]]
        names = category_names(e, categories, specials)
        fmt = a.only or formats[sum(map(ord, e["actor"]["id"])) % 3]
        if fmt == "vng-verwerkingsactie":
            v = {"actieId": e["event_id"], "actieNaam": e["action"],
                 "verwerkingsactiviteitId": act["vng_id"], "vertrouwelijkheid": "normaal",
                 "uitvoerder": oins.get(e["municipality"], e["municipality"]),
                 "systeem": e["resource"]["system"], "gebruiker": e["actor"]["id"],
                 "tijdstip": e["time"],
                 "verwerkteObjecten": [{"objecttype": "persoon", "soortObjectId": "BSN",
                                        "objectId": s["bsn"],
                                        "verwerkteSoortenGegevens": [{"soortGegeven": c} for c in names]}
                                       for s in e["subjects"]]}
            messages[fmt].append(json.dumps(v).encode())
            continue
        key = (e["resource"]["system"], e["municipality"])
        if key not in sources:
            sources[key] = LdvSource(*key)
        src = sources[key]
        src.record(e, act["ldv_id"], names, n)
        pending[fmt].extend(src.take())
        flush(fmt)

    if a.bad:
        rnd = random.Random(5)
        e = {"event_id": "bad", "time": "2026-11-24T10:00:00Z", "action": "view",
             "municipality": "dinkelland", "subjects": [{"bsn": "999993653"}]}
        e["purpose"] = "wmo-maatwerkvoorziening"
        e["resource"] = {"system": "bad-source", "domain": "wmo", "info": "wat"}
        e["actor"] = {"id": "emp-bad", "kind": "employee"}
        act = activities["wmo-maatwerkvoorziening"]
        src = LdvSource("bad-source", "dinkelland")
        for fmt in ("otlp-proto", "otlp-json"):
            flush(fmt, force=True)
            src.record(e, act["ldv_id"], ["wmo-wat"], 1, actor=False)        # no actor
            src.record(e, act["ldv_id"], ["wmo-wat"], 1, activity=False)     # no activity
            src.record(e, act["ldv_id"], ["wmo-wat"], 1, subject_type="A-nummer")
            pending[fmt].extend(src.take())
            flush(fmt, force=True)
        # A truncated protobuf message: one dead letter, nothing decided.
        whole = messages["otlp-proto"][0]
        messages["otlp-proto"].append(whole[: len(whole) // 2 + rnd.randrange(7)])
        dead["otlp-proto"] += 1
        # 10,000 spans in one message (about 4 MB): every 100th without an actor.
        big = []
        for i in range(5000):  # a parent and a child span each
            src.record(e, act["ldv_id"], ["wmo-wat"], 1, actor=(i % 50 != 0))
            big.extend(src.take())
        messages["otlp-proto"].append(encode_proto(big).SerializeToString())
        dead["otlp-proto"] += 1
    for fmt in ("otlp-proto", "otlp-json"):
        flush(fmt, force=True)

    for fmt in formats:
        with open(f"{a.out}.{fmt}", "wb") as f:
            for m in messages[fmt]:
                if fmt == "otlp-proto":
                    f.write(struct.pack(">I", len(m)) + m)
                else:
                    f.write(m + b"\n")

    produce(a, formats, messages)
    json.dump({"records": records, "skipped": skipped,
               "messages": {f: len(messages[f]) for f in formats}, "dead_letters": dead},
              sys.stdout)
    print()


def resend(a, formats):
    messages = {}
    for fmt in formats:
        data = open(f"{a.out}.{fmt}", "rb").read()
        if fmt == "otlp-proto":
            out, i = [], 0
            while i < len(data):
                (n,) = struct.unpack(">I", data[i:i + 4])
                out.append(data[i + 4:i + 4 + n])
                i += 4 + n
            messages[fmt] = out
        else:
            messages[fmt] = data.splitlines()
    produce(a, formats, messages)
    json.dump({"messages": {f: len(messages[f]) for f in formats}}, sys.stdout)
    print()


def produce(a, formats, messages):
    if a.bootstrap:
        from confluent_kafka import Producer
        p = Producer({"bootstrap.servers": a.bootstrap, "message.max.bytes": 16 << 20,
                      "enable.idempotence": True, "linger.ms": 20})
        topics = {"otlp-proto": a.topic_proto, "otlp-json": a.topic_json,
                  "vng-verwerkingsactie": a.topic_vng}
        for fmt in formats:
            for m in messages[fmt]:
                while True:
                    try:
                        p.produce(topics[fmt], m)  # no key: the exporter's default (sticky)
                        break
                    except BufferError:
                        p.poll(0.1)
        if p.flush(60) != 0:
            sys.exit("kafka: messages left unacknowledged")


if __name__ == "__main__":
    main()
