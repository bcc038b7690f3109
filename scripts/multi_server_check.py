#!/usr/bin/env python3
"""Drives two LastMile servers that share one PostgreSQL database, concurrently, through both at once,
and checks the cross-process invariants: exactly the capacity is sold, one active hold per user, one order
per order_id. Only 127.0.0.1 is contacted; every loop is bounded. Usage: multi_server_check.py PORT_A PORT_B"""
import json, os, subprocess, sys, threading, urllib.request
from concurrent.futures import ThreadPoolExecutor

PORTS = [int(p) for p in sys.argv[1:3]]
# Optional third port: the nginx load balancer in front of both; traffic is spread over all three.
ROUTES = [int(p) for p in sys.argv[1:4]]
# One driver, up to three orders a trip, every order to the same point 2 minutes away (1 minute between
# stops), the 01:00–03:00Z window: a trip hands off at h, h+6, h+12 and is back at h+19, so the next trip's
# first handoff is at h+26. Trips start handing off at 01:00, 01:26, 01:52, 02:18 and 02:44 (last handoff
# 02:56): 5 trips of 3 (see the config in scripts/multi-server-check).
CAPACITY = 15
USERS = 60

def call(port, method, path, body=None, token=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method)
    req.add_header("Content-Type", "application/json")
    if token: req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read() or b"{}")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")

def psql(sql):
    return subprocess.run(["psql", "-At", "-d", os.environ["LASTMILE_DB_NAME"], "-c", sql], check=True,
                          capture_output=True, text=True).stdout.strip()

failures = []
checks = [0]
def check(cond, what):
    checks[0] += 1
    print(("ok   " if cond else "FAIL ") + what)
    if not cond: failures.append(what)

status, tok = call(PORTS[0], "POST", "/v2/oauth/token", {"client_id": "cap", "client_secret": "cap-client-secret-1", "grant_type": "client_credentials"})
token = tok["access_token"]
window = {"address": {"address_line_1": "500 Howard St", "postal_code": "94105"}, "location_code": "CAP-1",
          "cart_total_cents": 1, "items_count": 1,
          "desired_windows": [{"starts_at": "2025-06-11T01:00:00Z", "ends_at": "2025-06-11T03:00:00Z"}]}

# Users and listings, alternating between the two servers.
options = {}
for i in range(USERS):
    port = PORTS[i % 2]
    call(port, "POST", "/v2/fulfillment/users", {"user_id": f"u{i}", "first_name": "Ada"}, token)
    s, body = call(port, "POST", f"/v2/fulfillment/users/u{i}/service_options/cart/last_mile", window, token)
    options[i] = body["service_options"][0]["id"]

# Every user reserves at once, half through each server.
def reserve(i):
    return call(ROUTES[i % len(ROUTES)], "POST", f"/v2/fulfillment/users/u{i}/service_options/{options[i]}/reserve", None, token)
with ThreadPoolExecutor(max_workers=32) as pool:
    results = list(pool.map(reserve, range(USERS)))
held = {i: r[1]["service_option_hold"]["id"] for i, r in enumerate(results) if r[0] == 200}
refused = [r for r in results if r[0] != 200]
check(len(held) == CAPACITY, f"{USERS} concurrent reserves through {len(ROUTES)} routes (two servers{' and nginx' if len(ROUTES) > 2 else ''}) sold exactly the capacity ({len(held)} of {CAPACITY})")
check(all(r[0] == 400 and r[1]["error"]["message"].startswith("The selected time slot is no longer available") for r in refused),
      "every other reserve got the documented 'no longer available' error")

# One user reserving on both servers at once keeps one active hold.
s, body = call(PORTS[0], "POST", "/v2/fulfillment/users/u0/service_options/cart/last_mile", window, token)
if body.get("service_options"):
    oid = body["service_options"][0]["id"]
    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(lambda k: call(PORTS[k % 2], "POST", f"/v2/fulfillment/users/u0/service_options/{oid}/reserve", None, token), range(16)))
check(psql("SELECT count(*) FROM (SELECT user_id FROM holds WHERE status = 'active' GROUP BY retailer_id, user_id HAVING count(*) > 1) d") == "0",
      "no user has two active holds")

# Each holder creates its order five times at once, through both servers: one order per order_id.
def create(args):
    i, k = args
    hold = psql(f"SELECT id FROM holds WHERE user_id = 'u{i}' AND status IN ('active', 'consumed') ORDER BY id DESC LIMIT 1")
    body = {"order_id": f"MP-{i}", "location_code": "CAP-1", "service_option_hold_id": int(hold), "first_name": "Ada",
            "last_name": "Lovelace", "user_phone": "+14155550123", "items_count": 1, "items_weight": 1.0,
            "address": {"address_line_1": "500 Howard St", "postal_code": "94105"}}
    return call(ROUTES[k % len(ROUTES)], "POST", f"/v2/fulfillment/users/u{i}/orders/last_mile", body, token)
holders = sorted(int(u[1:]) for u in psql("SELECT user_id FROM holds WHERE status = 'active'").split())
with ThreadPoolExecutor(max_workers=32) as pool:
    created = list(pool.map(create, [(i, k) for i in holders for k in range(5)]))
check(all(s == 200 for s, _ in created), f"all {len(created)} create requests answered 200 (idempotent repeats)")
check(psql("SELECT count(*) FROM orders WHERE order_id LIKE 'MP-%'") == str(len(holders)), f"exactly one order per order_id ({len(holders)})")
check(psql("SELECT count(*) FROM order_events WHERE order_id LIKE 'MP-%' AND type = 'fulfillment.brand_new'") == str(len(holders)),
      "exactly one brand_new event per order")
check(int(psql("SELECT count(*) FROM orders WHERE order_id LIKE 'MP-%'")) <= CAPACITY, "orders never exceed the capacity")
if len(ROUTES) > 2:
    s, body = call(ROUTES[2], "GET", "/health")
    check(s == 200 and body == {"status": "ok"}, "the load balancer forwards to the servers")
print(f"multi-server: {checks[0] - len(failures)} passed, {len(failures)} failed")
sys.exit(1 if failures else 0)
