#!/usr/bin/env python3
"""inzaged speaks systemd's notify protocol: READY=1 once it decides events, STATUS= lines,
WATCHDOG=1 pings while it makes progress, STOPPING=1 on SIGTERM; SIGHUP does not stop it.
Runs `inzaged --demo` with a NOTIFY_SOCKET of our own (no systemd needed)."""
import os, signal, socket, subprocess, sys, tempfile, time

inzaged = sys.argv[1]
work = tempfile.mkdtemp()
path = os.path.join(work, "notify.sock")
sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sock.bind(path)
sock.settimeout(0.5)
env = dict(os.environ, NOTIFY_SOCKET=path, WATCHDOG_USEC="2000000")
proc = subprocess.Popen([inzaged, "--demo", "--listen", "127.0.0.1:0", "--state-dir", os.path.join(work, "state")],
                        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
seen = []
deadline = time.time() + 60
sent_hup = False
try:
    while time.time() < deadline:
        try:
            seen.append(sock.recv(4096).decode())
        except socket.timeout:
            pass
        text = "\n".join(seen)
        if "READY=1" in text and not sent_hup:
            proc.send_signal(signal.SIGHUP)
            sent_hup = True
            hup_time = time.time()
        if sent_hup and time.time() - hup_time > 4 and text.count("WATCHDOG=1") >= 2:
            break
    assert proc.poll() is None, "inzaged exited (SIGHUP must not stop it)"
    text = "\n".join(seen)
    assert "READY=1" in text, f"no READY=1 in {seen[:5]}"
    assert "STATUS=" in text, "no STATUS= line"
    assert text.count("WATCHDOG=1") >= 2, "no watchdog pings"
    proc.send_signal(signal.SIGTERM)
    rc = proc.wait(timeout=60)
    try:
        while True:
            seen.append(sock.recv(4096).decode())
    except socket.timeout:
        pass
    assert rc == 0, f"exit code {rc} after SIGTERM"
    assert "STOPPING=1" in "\n".join(seen), "no STOPPING=1"
    print(f"sd_notify: ok ({sum(m.count('WATCHDOG=1') for m in seen)} watchdog pings)")
finally:
    if proc.poll() is None:
        proc.kill()
