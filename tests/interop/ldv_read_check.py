#!/usr/bin/env python3
"""Follows traces of real LDV producers through inzaged's LDV read API (the e2e's last step).

Reads the messages tests/interop/ldv_producer.py wrote (PREFIX.otlp-json: OTLP/JSON requests made
by the OpenTelemetry SDK's encoder; PREFIX.vng-verwerkingsactie), and asks the running daemon:

* for --traces traces (one of several subjects among them, when there is one), by traceId (32 hex digits, and the draft's UUID form),
  paging with the cursor until it is null: exactly the trace's spans that name a subject come
  back, one record each, with the span's id, start time and processing activity;
* by the BSN of a span and its millisecond: that span, with the BSN asked for;
* by the span's activity and its millisecond: that span among the answer;
* by a VNG Verwerkingsactie's BSN and time: its record, with the actieId as event id and ids
  derived from it (a VNG record carries no trace);
* as another organisation's logbook: the same trace, without the employee or the verdict;
* as a citizen and without at least one key: refused (403, 400).

Every 200 and 400 body is validated against schemas/openapi.yaml. Prints a JSON summary whose
`recorded_reads` is how many answers the daemon must have stored as accesses. Exit 1 on a
mismatch, naming it.
"""
import argparse
import base64
import hashlib
import hmac
import json
import os
import sys
import time
import urllib.error
import urllib.request
from datetime import datetime

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "api"))
import openapi_validate  # noqa: E402

PATH = "/lezenapi/v1/processing-activities"


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def token(secret, sub, role, audience):
    header = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    payload = b64(json.dumps({"sub": sub, "role": role, "aud": audience,
                              "exp": int(time.time()) + 600}).encode())
    mac = hmac.new(secret, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{b64(mac)}"


def attrs(kvs):
    out = {}
    for kv in kvs or []:
        v = kv.get("value", {})
        out[kv["key"]] = v.get("stringValue", v.get("intValue", v.get("boolValue")))
    return out


def traces_of(prefix, n):
    """n traces of the OTLP/JSON messages, the first with several subjects among them when there
    is one: trace id -> {span id: span}."""
    traces = {}
    for line in open(f"{prefix}.otlp-json", "rb"):
        for rs in json.loads(line).get("resourceSpans", []):
            if attrs(rs.get("resource", {}).get("attributes")).get("service.name") == "bad-source":
                continue
            for ss in rs.get("scopeSpans", []):
                for span in ss.get("spans", []):
                    a = attrs(span.get("attributes"))
                    if "dpl.core.data_subject_id" not in a:
                        continue  # a parent span: no subject, a dead letter
                    traces.setdefault(span["traceId"], {})[span["spanId"]] = {
                        "ms": int(span["startTimeUnixNano"]) // 1_000_000,
                        "activity": a["dpl.core.processing_activity_id"],
                        "bsn": a["dpl.core.data_subject_id"]}
    several = [t for t, spans in traces.items() if len(spans) > 1][:1]
    chosen = several + [t for t in traces if t not in several][:n - len(several)]
    return {t: traces[t] for t in chosen}


class Api:
    def __init__(self, url, spec):
        self.url = url
        self.spec = spec
        self.recorded = 0

    def post(self, tok, body, want=200):
        req = urllib.request.Request(self.url + PATH, data=json.dumps(body).encode(), method="POST",
                                     headers={"Authorization": f"Bearer {tok}",
                                              "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                status, text, headers = r.status, r.read(), r.headers
        except urllib.error.HTTPError as e:
            status, text, headers = e.code, e.read(), e.headers
        if status != want:
            fail(f"{body}: status {status}, expected {want}: {text[:300]!r}")
        answer = json.loads(text)
        if status in (200, 400):
            problems = openapi_validate.response_errors(self.spec, "post", PATH, status, answer)
            if problems:
                fail(f"{body}: the {status} answer does not match the spec: {problems}")
        if status == 200:
            if headers.get("API-Version") != "1.1.0":
                fail(f"API-Version {headers.get('API-Version')!r}")
            self.recorded += 1
        return answer

    def all_pages(self, tok, body):
        records, cursor, pages = [], None, 0
        while True:
            page = self.post(tok, dict(body, **({"cursor": cursor} if cursor else {})))
            records += page["processingActivities"]
            cursor = page["nextCursor"]
            pages += 1
            if cursor is None:
                return records, pages
            if pages > 10000:
                fail(f"{body}: more than 10,000 pages")


def fail(why):
    print(f"ldv_read_check: {why}", file=sys.stderr)
    sys.exit(1)


def uuid_form(h):
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--api", required=True, help="base URL, e.g. http://127.0.0.1:8080")
    ap.add_argument("--token-key", required=True, help="the daemon's HS256 key file (hex)")
    ap.add_argument("--audience", default="inzage")
    ap.add_argument("--messages", required=True, help="the producer's --out prefix")
    ap.add_argument("--spec", required=True)
    ap.add_argument("--traces", type=int, default=10)
    a = ap.parse_args()
    secret = bytes.fromhex(open(a.token_key).read().strip())
    officer = token(secret, "po-e2e", "privacy-officer", a.audience)
    logbook = token(secret, "logboek.elders.example", "logbook", a.audience)
    citizen = token(secret, "999993653", "citizen", a.audience)
    api = Api(a.api, openapi_validate.load_spec(a.spec))

    traces = traces_of(a.messages, a.traces)
    if len(traces) < a.traces:
        fail(f"only {len(traces)} traces in {a.messages}.otlp-json")
    records = pages = 0
    for trace, spans in traces.items():
        for form in (trace, uuid_form(trace)):
            got, n = api.all_pages(officer, {"traceId": form, "limit": 2})
            pages += n
            ids = sorted(r["spanId"] for r in got)
            if ids != sorted(spans):
                fail(f"trace {trace}: spans {ids}, the producer wrote {sorted(spans)}")
            for r in got:
                span = spans[r["spanId"]]
                at = r["attributes"]
                if (r["traceId"] != uuid_form(trace) or r["startTime"] != span["ms"] or
                        at["dpl.core.processing_activity_id"] != span["activity"] or
                        at["dpl.core.data_subject_id_type"] != "inzage-pseudonym" or
                        at["inzage.event_id"] != trace + r["spanId"]):
                    fail(f"trace {trace}: record {r} does not match span {span}")
        records += len(spans)
        span_id, span = next(iter(spans.items()))
        window = {"startTime": span["ms"], "endTime": span["ms"]}
        got, _ = api.all_pages(officer, dict(window, dataSubjectId=span["bsn"]))
        mine = [r for r in got if r["spanId"] == span_id]
        if len(mine) != 1 or mine[0]["attributes"]["dpl.core.data_subject_id"] != span["bsn"]:
            fail(f"subject query of span {span_id}: {got}")
        got, _ = api.all_pages(officer, dict(window, processingActivityId=span["activity"]))
        if not any(r["spanId"] == span_id for r in got):
            fail(f"activity query of span {span_id}: not in {len(got)} records")
        seen, _ = api.all_pages(logbook, {"traceId": trace})
        if sorted(r["spanId"] for r in seen) != sorted(spans):  # the producer logs no secrets
            fail(f"trace {trace} as a logbook: {seen}")
        if any("inzage.actor" in r["attributes"] or "inzage.verdict" in r["attributes"]
               for r in seen):
            fail(f"a logbook was shown the employee or the verdict: {seen}")

    # A VNG Verwerkingsactie: found by its subject and time, ids derived from its actieId.
    actie = json.loads(open(f"{a.messages}.vng-verwerkingsactie").readline())
    ms = int(datetime.fromisoformat(actie["tijdstip"].replace("Z", "+00:00")).timestamp() * 1000)
    bsn = actie["verwerkteObjecten"][0]["objectId"]
    got, _ = api.all_pages(officer, {"dpl.core.data_subject_id": bsn,
                                     "dpl.core.data_subject_id_type": "BSN",
                                     "startTime": ms, "endTime": ms})
    vng = [r for r in got if r["attributes"]["inzage.event_id"] == actie["actieId"]]
    if len(vng) != 1 or not vng[0]["attributes"].get("inzage.trace_derived"):
        fail(f"VNG actie {actie['actieId']}: {got}")

    api.post(citizen, {"traceId": next(iter(traces))}, want=403)
    api.post(officer, {"startTime": 0}, want=400)
    json.dump({"traces": len(traces),
               "traces_of_several_subjects": sum(len(s) > 1 for s in traces.values()),
               "records": records, "pages": pages,
               "recorded_reads": api.recorded}, sys.stdout)
    print()


if __name__ == "__main__":
    main()
