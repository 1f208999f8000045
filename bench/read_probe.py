#!/usr/bin/env python3
"""API reads at a steady pace while inzaged ingests at full rate (bench/kafka_e2e_bench.sh,
READ_PROBE_SECONDS): a citizen's first page (GET /v1/me/accesses, 100 entries) and the CISO's
alert list (GET /v1/alerts, first page), one request every INTERVAL seconds, alternating, each
kind on its own kept-alive connection. Every request is an audited access (stored, and decided
by the policy). Prints p50, p99 and max per kind.

  read_probe.py URL TOKEN_KEY_FILE CITIZEN_BSN SECONDS [INTERVAL]
"""
import base64
import hashlib
import hmac
import http.client
import json
import sys
import time
import urllib.parse

url, key_file, bsn, seconds = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
interval = float(sys.argv[5]) if len(sys.argv) > 5 else 0.05
key = bytes.fromhex("".join(open(key_file).read().split()))


def token(sub, role):
    part = lambda d: base64.urlsafe_b64encode(json.dumps(d).encode()).rstrip(b"=").decode()
    signed = part({"alg": "HS256", "typ": "JWT"}) + "." + part(
        {"sub": sub, "role": role, "aud": "inzage", "exp": int(time.time()) + 3600})
    mac = hmac.new(key, signed.encode(), hashlib.sha256).digest()
    return signed + "." + base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


now = time.time()
period = urllib.parse.urlencode({"from": iso(now - 300 * 86400), "to": iso(now + 60 * 86400),
                                 "limit": 100})
host = urllib.parse.urlparse(url)
kinds = {
    "citizen first page": ("/v1/me/accesses?" + period, token(bsn, "citizen")),
    "CISO alert list": ("/v1/alerts?limit=100", token("bench-ciso", "ciso")),
}
connections = {k: http.client.HTTPConnection(host.hostname, host.port, timeout=10) for k in kinds}
latencies = {k: [] for k in kinds}
failures = {k: 0 for k in kinds}
end = time.monotonic() + seconds
turn = 0
while time.monotonic() < end:
    kind = list(kinds)[turn % len(kinds)]
    turn += 1
    path, bearer = kinds[kind]
    started = time.perf_counter()
    try:
        connections[kind].request("GET", path, headers={"Authorization": "Bearer " + bearer})
        response = connections[kind].getresponse()
        response.read()
        if response.status != 200:
            failures[kind] += 1
            print(f"  {kind}: HTTP {response.status}", file=sys.stderr)
            continue
    except (OSError, http.client.HTTPException) as error:
        failures[kind] += 1
        print(f"  {kind}: {error}", file=sys.stderr)
        connections[kind] = http.client.HTTPConnection(host.hostname, host.port, timeout=10)
        continue
    latencies[kind].append((time.perf_counter() - started) * 1000)
    time.sleep(max(0.0, interval - (time.perf_counter() - started)))
for kind, ms in latencies.items():
    ms.sort()
    if not ms:
        print(f"{kind}: no answer ({failures[kind]} failures)")
        continue
    pick = lambda q: ms[min(len(ms) - 1, int(q * len(ms)))]
    print(f"{kind}: {len(ms)} reads, p50 {pick(0.5):.1f} ms, p99 {pick(0.99):.1f} ms, "
          f"max {ms[-1]:.1f} ms, {failures[kind]} failures")
