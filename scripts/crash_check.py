#!/usr/bin/env python3
"""Steps of scripts/crash-check. `before`: orders are created and staged through two servers while the
receiver is down. `killed`: undelivered callbacks are in the database. `after`: once restarted (receiver
up, clocks moved past the retry backoff) every callback arrives, simulated drivers delivered every order
once, and the outbox is empty. Only 127.0.0.1 is contacted; waits are bounded."""
import datetime, json, os, subprocess, sys, time, urllib.request

step, ports = sys.argv[1], [int(p) for p in sys.argv[2:4]]
ORDERS = 8

def call(port, method, path, body=None, token=None):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=None if body is None else json.dumps(body).encode(), method=method)
    req.add_header("Content-Type", "application/json")
    if token: req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=30) as r: return r.status, json.loads(r.read() or b"{}")
    except urllib.error.HTTPError as e: return e.code, json.loads(e.read() or b"{}")

def psql(sql):
    return subprocess.run(["psql", "-At", "-d", os.environ["LASTMILE_DB_NAME"], "-c", sql], check=True, capture_output=True, text=True).stdout.strip()

def token(port):
    return call(port, "POST", "/v2/oauth/token", {"client_id": "cb", "client_secret": "cb-client-secret-1", "grant_type": "client_credentials"})[1]["access_token"]

failures = []
def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond: failures.append(what)

if step == "before":
    tokens = [token(p) for p in ports]
    now = datetime.datetime.now(datetime.timezone.utc).replace(minute=0, second=0, microsecond=0) + datetime.timedelta(hours=1)
    for i in range(ORDERS):
        p = i % 2
        body = {"order_id": f"K-{i}", "location_code": "CB-1", "start_at": now.isoformat(), "end_at": (now + datetime.timedelta(hours=6)).isoformat(),
                "first_name": "Ada", "last_name": "Lovelace", "user_phone": "+14155550123", "items_count": 3, "items_weight": 2.5,
                "address": {"address_line_1": "600 Folsom St", "postal_code": "94107"}}
        s, r = call(ports[p], "POST", "/v2/fulfillment/lastmile/orders", body, tokens[p])
        check(s == 200, f"order K-{i} created through server {p + 1} ({s} {r.get('error', '')})")
        s, _ = call(ports[1 - p], "POST", f"/v2/fulfillment/lastmile/orders/K-{i}/staged", {"bags_count": 1}, tokens[1 - p])
        check(s == 200, f"order K-{i} staged through server {2 - p}")
    time.sleep(2)  # simulated drivers accept; the outbox tries the (down) receiver and schedules retries
elif step == "killed":
    pending = int(psql("SELECT count(*) FROM order_events WHERE callback_state = 'pending'"))
    check(pending >= 2 * ORDERS, f"{pending} callbacks undelivered when the servers were killed")
else:
    for p in ports:  # move each server's clock past the retry backoff (sandbox test clock)
        s, r = call(p, "POST", "/v2/fulfillment_sandbox/clock", {"advance_seconds": 7200}, token(p))
        check(s == 200, f"clock of server on port {p} advanced to {r.get('now')}")
    deadline = time.time() + 90
    while time.time() < deadline:
        left = int(psql("SELECT count(*) FROM order_events WHERE callback_state = 'pending'"))
        undelivered = int(psql("SELECT count(*) FROM orders WHERE status <> 'delivered'"))
        if left == 0 and undelivered == 0: break
        time.sleep(0.5)
    check(left == 0, f"outbox drained ({left} pending)")
    check(undelivered == 0, f"every order delivered by the simulated drivers ({undelivered} not)")
    produced = set(int(x) + 1874400000000000000 for x in psql("SELECT id FROM order_events WHERE callback_state <> 'none'").split())
    lines = [json.loads(l) for l in open(os.path.join(os.environ["WORK"], "received.jsonl"))] if os.path.exists(os.path.join(os.environ["WORK"], "received.jsonl")) else []
    got = [l["event_id"] for l in lines]
    check(produced == set(got), f"all {len(produced)} callbacks received, none lost ({len(produced - set(got))} missing)")
    dupes = len(got) - len(set(got))
    check(dupes == 0, f"{dupes} duplicate deliveries across the two servers")
    check(all(l["signature_ok"] for l in lines), "every signature verifies")
    per_order = psql("SELECT order_id, type, count(*) FROM order_events GROUP BY order_id, type HAVING count(*) > 1 AND type <> 'fulfillment.order_location'")
    check(per_order == "", "no status event produced twice by the two simulators" + (f": {per_order}" if per_order else ""))
    failed = int(psql("SELECT count(*) FROM order_events WHERE callback_state = 'failed'"))
    check(failed == 0, "no callback abandoned")
print(f"crash-check {step}: {'FAILED' if failures else 'passed'}", flush=True)
sys.exit(1 if failures else 0)
