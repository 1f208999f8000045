#!/usr/bin/env python3
"""The API under hostile load, against a real `inzaged --demo` on loopback.

While 1,000 connections sit idle and 50 connections trickle header lines (one every second, as a
slowloris does), /readyz and a citizen's first page are asked for one after another on fresh
connections. Every one of them must answer (200) within its own deadline, and every trickling
connection must be closed by the server's absolute request deadline, not kept alive by its
bytes. The latencies are printed (p50, p99, max) and written to --report as JSON: the target
(p99 under 100 ms) is checked by bench/api_hostile_bench.sh, not here, so that a loaded machine
cannot fail this test on timing alone.

  hostile_load.py --inzaged BUILD/inzaged [--samples 200] [--report FILE]

Standard library only. Fails loudly (exit 1 with the reason); never skips.
"""
import argparse
import http.client
import json
import os
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

IDLE = 1000
TRICKLE = 50
REQUEST_TIMEOUT_MS = 3000  # the daemon's absolute request deadline in this test
ANSWER_DEADLINE_S = 5.0  # one probe request: beyond this it counts as unanswered


def fail(msg):
    print(f"hostile_load: FAIL: {msg}", file=sys.stderr)
    sys.exit(1)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_for(predicate, seconds, what, proc):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        if proc.poll() is not None:
            fail(f"inzaged exited ({proc.returncode}) while waiting for {what}")
        time.sleep(0.2)
    fail(f"{what} did not happen within {seconds} s")


def get(port, path, token=None):
    """One request on a fresh connection: (status, seconds)."""
    start = time.monotonic()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=ANSWER_DEADLINE_S)
    try:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        conn.request("GET", path, headers=headers)
        resp = conn.getresponse()
        resp.read()
        return resp.status, time.monotonic() - start
    except OSError as e:  # timeouts, resets
        return f"{type(e).__name__}: {e}", time.monotonic() - start
    finally:
        conn.close()


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100.0 * (len(ordered) - 1))))]


def trickle(port, closed_after, index, stop):
    """Sends a header line every second until the server closes the connection."""
    s = socket.create_connection(("127.0.0.1", port))
    s.settimeout(1.0)
    start = time.monotonic()
    try:
        s.sendall(b"GET /readyz HTTP/1.1\r\nHost: x\r\n")
        n = 0
        while not stop.is_set():
            s.sendall(f"X-Trickle-{n}: y\r\n".encode())
            n += 1
            try:
                if s.recv(4096) == b"":
                    break  # closed by the server
                break  # an answer (408) also ends it
            except socket.timeout:
                continue
    except OSError:
        pass  # reset by the server: closed too
    closed_after[index] = time.monotonic() - start
    s.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--inzaged", required=True)
    ap.add_argument("--samples", type=int, default=200)
    ap.add_argument("--report")
    args = ap.parse_args()

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need = IDLE + TRICKLE + 256
    if soft < need:
        if hard != resource.RLIM_INFINITY and hard < need:
            fail(f"the open-files limit ({hard}) is below the {need} this test needs")
        resource.setrlimit(resource.RLIMIT_NOFILE, (need, hard))

    work = tempfile.mkdtemp(prefix="inzage-hostile-")
    port = free_port()
    config = os.path.join(work, "inzaged.yaml")
    with open(config, "w") as f:
        f.write(
            "api:\n"
            f'  listen: "127.0.0.1:{port}"\n'
            "  idle_timeout_ms: 120000\n"  # the idle connections stay while we measure
            f"  request_timeout_ms: {REQUEST_TIMEOUT_MS}\n"
            "  citizen_reads_per_minute: 0\n"  # the probes read one citizen many times
            "summary_interval_ms: 0\n"
        )
    state = os.path.join(work, "state")
    err = open(os.path.join(work, "daemon.err"), "w")
    proc = subprocess.Popen(
        [args.inzaged, "--demo", "--config", config, "--state-dir", state, "--demo-seconds", "600"],
        stdout=subprocess.DEVNULL,
        stderr=err,
    )
    idle = []
    try:
        tokens_file = os.path.join(state, "demo-tokens.env")
        wait_for(lambda: os.path.exists(tokens_file), 120, "the demo's tokens file", proc)
        wait_for(lambda: get(port, "/readyz")[0] == 200, 120, "readiness", proc)
        env = {}
        for line in open(tokens_file):
            if "=" in line and not line.startswith("#"):
                k, v = line.rstrip("\n").split("=", 1)
                env[k] = v.strip("'")
        now = time.time()
        fmt = "%Y-%m-%dT%H:%M:%SZ"
        period = (
            f"from={time.strftime(fmt, time.gmtime(now - 14 * 86400))}"
            f"&to={time.strftime(fmt, time.gmtime(now + 3600))}"
        )
        citizen_path = f"/v1/me/accesses?{period}&limit=20"
        status, _ = get(port, citizen_path, env["CITIZEN_TOKEN"])
        if status != 200:
            fail(f"the citizen's first page answers {status} before any load")

        for _ in range(IDLE):
            idle.append(socket.create_connection(("127.0.0.1", port)))
        stop = threading.Event()
        closed_after = [None] * TRICKLE
        tricklers = [
            threading.Thread(target=trickle, args=(port, closed_after, i, stop), daemon=True)
            for i in range(TRICKLE)
        ]
        for t in tricklers:
            t.start()

        readyz, citizen, failures = [], [], []
        for i in range(args.samples):
            for path, token, into in (
                ("/readyz", None, readyz),
                (citizen_path, env["CITIZEN_TOKEN"], citizen),
            ):
                status, seconds = get(port, path, token)
                if status != 200:
                    failures.append(f"{path.split('?')[0]}: {status} after {seconds:.2f} s")
                else:
                    into.append(seconds)
        # The tricklers must have been cut off by the absolute deadline, not kept alive.
        for t in tricklers:
            t.join(timeout=REQUEST_TIMEOUT_MS / 1000.0 + 10)
        stop.set()
        open_still = sum(1 for c in closed_after if c is None)
        slowest_close = max((c for c in closed_after if c is not None), default=0.0)
        if proc.poll() is not None:
            fail(f"inzaged exited ({proc.returncode}) under load")

        def summary(xs):
            if not xs:
                return {"n": 0}
            return {
                "n": len(xs),
                "p50_ms": round(percentile(xs, 50) * 1000, 2),
                "p99_ms": round(percentile(xs, 99) * 1000, 2),
                "max_ms": round(max(xs) * 1000, 2),
            }

        report = {
            "idle_connections": IDLE,
            "trickling_connections": TRICKLE,
            "readyz": summary(readyz),
            "citizen_first_page": summary(citizen),
            "trickle_closed_within_s": round(slowest_close, 2),
            "request_timeout_ms": REQUEST_TIMEOUT_MS,
        }
        print("hostile_load: " + json.dumps(report))
        if args.report:
            with open(args.report, "w") as f:
                json.dump(report, f)
        if failures:
            fail(f"{len(failures)} request(s) unanswered under load, e.g. {failures[:3]}")
        if open_still:
            fail(f"{open_still} trickling connection(s) still open after the request deadline")
        if slowest_close > REQUEST_TIMEOUT_MS / 1000.0 + 5:
            fail(f"a trickling connection lived {slowest_close:.1f} s: the deadline restarts on reads")
        print("hostile_load: ok")
    finally:
        for c in idle:
            c.close()
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
        err.close()
        subprocess.run(["rm", "-rf", work], check=False)


if __name__ == "__main__":
    main()
