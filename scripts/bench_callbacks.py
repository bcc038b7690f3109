#!/usr/bin/env python3
"""See scripts/bench-callbacks. Events are produced while the receiver is down (each gets one failed
attempt and waits for its retry); then the receiver starts, the server's test clock jumps past the
backoff, and the time until the outbox is empty gives the delivery rate."""
import json, os, socket, sqlite3, subprocess, sys, tempfile, time, urllib.request, datetime

N = int(sys.argv[1])
BIN = os.environ["LASTMILE_BIN"]
def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p
work = tempfile.mkdtemp(prefix="lm-bench-cb-")
rport, sport = free_port(), free_port()
config = {"retailers": [{"id": "cb", "oauth_clients": [{"client_id": "cb", "client_secret": "cb-client-secret-1"}], "rate_limit_per_second": 100000,
  "callbacks": {"callback_url": f"http://127.0.0.1:{rport}/callbacks", "token_url": f"http://127.0.0.1:{rport}/oauth/token",
                "client_id": "lm", "client_secret": "receiver-secret", "signing_secret": "whsec_AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcY"},
  "stores": [{"location_code": "CB-1", "name": "All Day", "latitude": 37.7920, "longitude": -122.3934, "time_zone": "America/Los_Angeles",
    "address": {"address_line_1": "101 Spear St", "city": "San Francisco", "state": "CA", "postal_code": "94105"},
    "delivery_hours": {"default": "00:00-24:00"}}]}]}
json.dump(config, open(f"{work}/config.json", "w"))
db = f"{work}/db.sqlite"
procs = []
def serve():
    p = subprocess.Popen([BIN, "serve", "--port", str(sport), "--database", db, "--no-demo", "--config", f"{work}/config.json",
                          "--log-level", os.environ.get("BENCH_LOG_LEVEL", "error")], stdout=open(f"{work}/server.log", "w"), stderr=subprocess.STDOUT)
    procs.append(p)
    for _ in range(100):
        try: urllib.request.urlopen(f"http://127.0.0.1:{sport}/health", timeout=1); return
        except Exception: time.sleep(0.1)
def call(method, path, body=None, token=None):
    req = urllib.request.Request(f"http://127.0.0.1:{sport}{path}", data=None if body is None else json.dumps(body).encode(), method=method)
    req.add_header("Content-Type", "application/json")
    if token: req.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(req, timeout=30) as r: return json.loads(r.read() or b"{}")
def pending():
    c = sqlite3.connect(db); n = c.execute("SELECT count(*) FROM order_events WHERE callback_state = 'pending'").fetchone()[0]; c.close(); return n
try:
    serve()
    token = call("POST", "/v2/oauth/token", {"client_id": "cb", "client_secret": "cb-client-secret-1", "grant_type": "client_credentials"})["access_token"]
    now = datetime.datetime.now(datetime.timezone.utc).replace(minute=0, second=0, microsecond=0) + datetime.timedelta(hours=1)
    call("POST", "/v2/fulfillment/lastmile/orders", {"order_id": "B-1", "location_code": "CB-1", "start_at": now.isoformat(),
         "end_at": (now + datetime.timedelta(hours=6)).isoformat(), "first_name": "A", "last_name": "B", "user_phone": "+14155550123",
         "items_count": 1, "items_weight": 1, "address": {"address_line_1": "600 Folsom St", "postal_code": "94107"}}, token)
    for _ in range(N - 1):
        call("POST", "/v2/fulfillment_sandbox/orders/B-1/callbacks", {"event_name": "late_delivery"}, token)
    deadline = time.time() + 60
    while time.time() < deadline:  # every event has had its first (failed) attempt
        c = sqlite3.connect(db); fresh = c.execute("SELECT count(*) FROM order_events WHERE callback_state = 'pending' AND attempts = 0").fetchone()[0]; c.close()
        if fresh == 0: break
        time.sleep(0.2)
    receiver = subprocess.Popen([sys.executable, "scripts/callback-receiver", "--port", str(rport), "--quiet"], stderr=subprocess.DEVNULL)
    procs.append(receiver)
    time.sleep(0.5)
    call("POST", "/v2/fulfillment_sandbox/clock", {"advance_seconds": 3600}, token)
    start = time.time()
    while pending() > 0 and time.time() - start < 120: time.sleep(0.05)
    elapsed = time.time() - start
    left = pending()
    print(f"outbox: {N - left} of {N} callbacks delivered in {elapsed:.2f} s = {(N - left) / elapsed:.0f} events/s (receiver: scripts/callback-receiver, Python)")
    # Stage → delivered with simulated drivers at the default speed-up (60).
    call("POST", "/v2/fulfillment/lastmile/orders/B-1/staged", {"bags_count": 1}, token)
    t0 = time.time()
    while time.time() - t0 < 300:
        if call("GET", "/v2/fulfillment/lastmile/orders/B-1", token=token)["status"] == "delivered": break
        time.sleep(0.1)
    print(f"stage → delivered: {time.time() - t0:.1f} s (speed-up 60, window starting at the next whole hour)")
finally:
    for p in procs: p.kill()
    if os.environ.get("BENCH_LOG_LEVEL"): print(f"server log: {work}/server.log")
