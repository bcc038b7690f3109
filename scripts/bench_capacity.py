#!/usr/bin/env python3
"""Capacity benchmark (scripts/bench-capacity): how many of the orders customers ask for the service accepts,
with one order per trip (the contract's reference model) and with multi-stop trips, against an offline
optimum computed by PyVRP on the same requests; then the delivery day run by the server's simulated drivers.

Everything is seeded and bounded, and talks only to 127.0.0.1. Each scenario:
  * a store at the demo store's point, N drivers on 13-hour shifts (08:00-21:00) on the delivery day;
  * customers at seeded random points within R miles (area-uniform); each gets a postal code of its own in a
    generated postal directory (--postal-directory), so every destination is its own point;
  * requests arrive through the day before delivery (08:00-22:00, sorted), each at its own test-clock time:
    create user -> list time slots (D2) -> take the preferred delivery-day window when offered, else the
    offered one nearest to it (earlier on ties), else leave -> reserve (E1) -> create order (F1).
Figures: orders accepted with max_orders_per_trip 1 and 3, per driver-hour; PyVRP's prize-collecting
optimum of the same requests at their preferred windows (an upper bound: it ignores the freshness limit);
list-time-slot latency; and, for the day simulation, deliveries after their window end (must be 0).
"""
import json, math, os, random, re, sqlite3, statistics, subprocess, sys, tempfile, time, urllib.request
from bench_common import call, free_ports

BIN = os.environ["LASTMILE_BIN"]
WORK = tempfile.mkdtemp(prefix="lastmile-bench-capacity-")
STORE = (37.7920, -122.3934)
ZONE_OFFSET = "-08:00"                      # America/Los_Angeles in late November
DAY_BEFORE, DAY = "2026-11-23", "2026-11-24"
PICKUP, DROPOFF = 5 * 60, 5 * 60
SHIFT = (8, 21)
PYVRP_SECONDS = float(os.environ.get("BENCH_PYVRP_SECONDS", "10"))   # per solve, plus 0.02 s per request
ENGINES = os.environ.get("BENCH_ENGINES", "sqlite,postgres").split(",")

# (name, radius in miles, drivers, requests): radii 1-8 mi, fleets 2-10 drivers, demand from about 1.5 to 3.5 times
# what the fleet carries one order per trip (capacity is what is measured, so every scenario is busy).
SCENARIOS = [
    ("r1-d2", 1.0, 2, 200),
    ("r2-d3", 2.0, 3, 240),
    ("r4-d3", 4.0, 3, 300),
    ("r4-d5", 4.0, 5, 250),
    ("r6-d8", 6.0, 8, 400),
    ("r8-d4", 8.0, 4, 150),
    ("r3-d10", 3.0, 10, 600),
]
if os.environ.get("BENCH_SCENARIOS"):
    wanted = os.environ["BENCH_SCENARIOS"].split(",")
    SCENARIOS = [s for s in SCENARIOS if s[0] in wanted]
SIMULATE = set(os.environ.get("BENCH_SIMULATE", ",".join(s[0] for s in SCENARIOS)).split(","))


def est_minutes(a, b):
    """§2.0.3: haversine miles x 1.3 at 25 mph, whole minutes, at least 1 (the server's travel model)."""
    la1, lo1, la2, lo2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = math.sin((la2 - la1) / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    miles = 2 * 3958.7613 * math.asin(min(1, math.sqrt(h)))
    return max(1, math.ceil(miles * 1.3 / 25 * 60 - 1e-9))


def iso(day, hour, minute=0, second=0):
    return f"{day}T{hour:02d}:{minute:02d}:{second:02d}{ZONE_OFFSET}"


def epoch(text):
    from datetime import datetime
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())


class Server:
    def __init__(self, database, directory, extra=()):
        self.port, self.metrics = free_ports(2)
        self.log = os.path.join(WORK, f"server-{self.port}.log")
        with open(self.log, "w") as log:
            self.proc = subprocess.Popen([BIN, "serve", "--port", str(self.port), "--database", database, "--now", iso(DAY_BEFORE, 7),
                                          "--rate-limit", "1000000000", "--log-level", "error", "--no-demo", "--postal-directory", directory,
                                          "--metrics-port", str(self.metrics), *extra],
                                         stdout=subprocess.DEVNULL, stderr=log)
        for _ in range(500):
            try:
                if call(self.port, "GET", "/health")[0] == 200: return
            except OSError: time.sleep(0.02)
        with open(self.log) as log: tail = log.read()[-2000:]
        raise RuntimeError(f"server did not start (exit code {self.proc.poll()}); its log ends:\n{tail}")

    def passes(self):
        with urllib.request.urlopen(f"http://127.0.0.1:{self.metrics}/metrics", timeout=10) as r:
            m = re.search(r"^lastmile_simulated_driver_passes_total(?:\{[^}]*\})? (\d+)", r.read().decode(), re.M)
            return int(m.group(1)) if m else 0

    def histogram(self, name):
        """A Prometheus histogram's count, sum (s) and cumulative buckets [(le, count)]."""
        with urllib.request.urlopen(f"http://127.0.0.1:{self.metrics}/metrics", timeout=10) as r:
            text = r.read().decode()
        count = sum(int(float(v)) for v in re.findall(rf"^{name}_count(?:{{[^}}]*}})? (\S+)", text, re.M))
        total = sum(float(v) for v in re.findall(rf"^{name}_sum(?:{{[^}}]*}})? (\S+)", text, re.M))
        buckets = [(float("inf") if le == "+Inf" else float(le), int(float(v)))
                   for le, v in re.findall(rf'^{name}_bucket{{[^}}]*le="([^"]+)"[^}}]*}} (\S+)', text, re.M)]
        return count, total, sorted(buckets)

    def stop(self):
        self.proc.terminate(); self.proc.wait(timeout=60)


def scenario_inputs(name, radius, drivers, requests):
    rng = random.Random(f"lastmile-capacity-{name}")
    customers = []
    for i in range(requests):
        r, theta = radius * math.sqrt(rng.random()), rng.random() * 2 * math.pi
        point = (round(STORE[0] + r / 69.05 * math.cos(theta), 4), round(STORE[1] + r / 54.6 * math.sin(theta), 4))
        # Evening windows are asked for more often, as in grocery delivery.
        start = rng.choices(range(SHIFT[0], SHIFT[1] - 1), weights=[1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2])[0]
        arrival = rng.uniform(8 * 3600, 22 * 3600)
        customers.append({"i": i, "zip": f"{10000 + i:05d}", "point": point, "preferred": start, "arrival": arrival})
    customers.sort(key=lambda c: c["arrival"])
    return customers


def write_directory(customers):
    path = os.path.join(WORK, "directory.csv")
    with open(path, "w") as f:
        f.write("zip_code,zip_code_type,active,city,state,county,timezone,lat,long\n")
        f.write(f"94105,STANDARD,1,San Francisco,CA,San Francisco County,America/Los_Angeles,{STORE[0]},{STORE[1]}\n")
        for c in customers:
            f.write(f"{c['zip']},STANDARD,1,San Francisco,CA,San Francisco County,America/Los_Angeles,{c['point'][0]},{c['point'][1]}\n")
    return path


def write_config(drivers, per_trip):
    store = {"location_code": "B-1", "name": "Bench", "latitude": STORE[0], "longitude": STORE[1],
             "address": {"address_line_1": "101 Spear St", "city": "San Francisco", "state": "CA", "postal_code": "94105"},
             "county": "San Francisco County", "time_zone": "America/Los_Angeles", "scheduling_horizon_days": 2,
             "delivery_hours": {"default": f"{SHIFT[0]:02d}:00-{SHIFT[1]:02d}:00"}, "pickup_dwell_minutes": PICKUP // 60,
             "dropoff_dwell_minutes": DROPOFF // 60, "max_orders_per_trip": per_trip, "max_minutes_in_vehicle": 60,
             "driver_shifts": [{"driver_id": f"d{n:02d}", "start_at": iso(DAY, SHIFT[0]), "end_at": iso(DAY, SHIFT[1])} for n in range(drivers)]}
    config = {"retailers": [{"id": "bench", "oauth_clients": [{"client_id": "bench", "client_secret": "bench-client-secret-1"}], "stores": [store]}]}
    path = os.path.join(WORK, f"config-{drivers}-{per_trip}.json")
    json.dump(config, open(path, "w"))
    return path


def database(engine, label):
    if engine == "sqlite":
        return os.path.join(WORK, f"{label}.sqlite")
    name = f"lm_cap_{label.replace('-', '_')}_{os.getpid()}"
    subprocess.run(["createdb", name], check=True)
    return f"postgres://{os.environ.get('PGUSER', 'postgres')}@{os.environ['PGHOST']}:{os.environ.get('PGPORT', '5432')}/{name}"


def run_stream(engine, label, customers, directory, config):
    """Books the stream through the API; returns the accepted orders and the listing latencies (ms)."""
    db = database(engine, label)
    subprocess.run([BIN, "seed", "--file", config, "--database", db], check=True, capture_output=True,
                   env=dict(os.environ, LASTMILE_POSTAL_DIRECTORY=directory))
    srv = Server(db, directory, ["--simulate-drivers", "false"])
    tok = call(srv.port, "POST", "/v2/oauth/token", {"client_id": "bench", "client_secret": "bench-client-secret-1",
                                                     "grant_type": "client_credentials"})[1]["access_token"]
    accepted, listing_ms, errors, improvement = [], [], 0, (0, 0.0, [])
    try:
        for c in customers:
            h, rem = divmod(int(c["arrival"]), 3600)
            call(srv.port, "POST", "/v2/fulfillment_sandbox/clock", {"now": iso(DAY_BEFORE, h, rem // 60, rem % 60)}, tok)
            user = f"c{c['i']}"
            call(srv.port, "POST", "/v2/fulfillment/users", {"user_id": user, "first_name": "Ada"}, tok)
            body = {"address": {"address_line_1": "1 Bench St", "postal_code": c["zip"]}, "location_code": "B-1",
                    "cart_total_cents": 5000, "items_count": 10}
            t0 = time.perf_counter()
            st, listing = call(srv.port, "POST", f"/v2/fulfillment/users/{user}/service_options/cart/last_mile", body, tok)
            listing_ms.append((time.perf_counter() - t0) * 1000)
            if st == 503:
                errors += 1         # the listing missed the request deadline: the customer leaves, and it is reported
                continue
            if st != 200: raise RuntimeError(f"listing failed: {st} {listing}")
            want = epoch(iso(DAY, c["preferred"]))
            day0 = epoch(iso(DAY, 0))
            offered = [o for o in listing["service_options"] if o["window"]["type"] == "scheduled" and o["availability"]["available"]
                       and day0 <= epoch(o["window"]["start_at"]) < day0 + 86400]
            if not offered: continue
            choice = min(offered, key=lambda o: (abs(epoch(o["window"]["start_at"]) - want), epoch(o["window"]["start_at"])))
            st, hold = call(srv.port, "POST", f"/v2/fulfillment/users/{user}/service_options/{choice['id']}/reserve", None, tok)
            if st != 200: continue
            order = {"order_id": f"O{c['i']}", "location_code": "B-1", "service_option_hold_id": hold["service_option_hold"]["id"],
                     "first_name": "Ada", "last_name": "L", "user_phone": "+14155550123", "items_count": 1, "items_weight": 1,
                     "address": {"address_line_1": "1 Bench St", "postal_code": c["zip"]}}
            st, made = call(srv.port, "POST", f"/v2/fulfillment/users/{user}/orders/last_mile", order, tok)
            if st == 200:
                accepted.append({"user": user, "order_id": f"O{c['i']}", "start": epoch(choice["window"]["start_at"]),
                                 "end": epoch(choice["window"]["end_at"]), "customer": c})
        improvement = srv.histogram("lastmile_plan_improvement_seconds")
    finally:
        srv.stop()
    return db, accepted, listing_ms, errors, improvement


def quantile_bound(buckets, q):
    """The upper bound of the histogram bucket holding quantile q (seconds)."""
    total = buckets[-1][1] if buckets else 0
    for le, n in buckets:
        if total and n >= q * total: return le
    return None


def simulate_day(engine, db, directory, accepted):
    """Stages every order, then runs the delivery day minute by minute on the test clock with the server's
    simulated drivers (speed-up 1), waiting for two full passes after each minute. Returns (late, undelivered)."""
    srv = Server(db, directory, ["--simulate-drivers", "true", "--speed-up", "1", "--simulate-interval", "0.01"])
    try:
        def new_token():
            return call(srv.port, "POST", "/v2/oauth/token", {"client_id": "bench", "client_secret": "bench-client-secret-1",
                                                             "grant_type": "client_credentials"})[1]["access_token"]
        tok = new_token()

        def set_clock(now):
            nonlocal tok
            st, body = call(srv.port, "POST", "/v2/fulfillment_sandbox/clock", {"now": now}, tok)
            if st == 401:           # tokens live 24 hours of service time: the day outlives the first one
                tok = new_token()
                st, body = call(srv.port, "POST", "/v2/fulfillment_sandbox/clock", {"now": now}, tok)
            if st != 200: raise RuntimeError(f"moving the test clock to {now} failed: {st} {body}")

        set_clock(iso(DAY_BEFORE, 23))
        for o in accepted:
            st, _ = call(srv.port, "POST", f"/v2/fulfillment/users/{o['user']}/orders/{o['order_id']}/staged", {"bags_count": 1}, tok)
            if st != 200: raise RuntimeError(f"staging {o['order_id']} failed: {st}")
        start, end = epoch(iso(DAY, SHIFT[0] - 1)), epoch(iso(DAY, SHIFT[1])) + 1800
        for t in range(start, end + 1, 60):
            set_clock(time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t)))
            before = srv.passes()
            deadline = time.monotonic() + 30
            while srv.passes() < before + 2 and time.monotonic() < deadline: time.sleep(0.005)
            if srv.passes() < before + 2: raise RuntimeError("the simulated drivers stopped passing")
    finally:
        srv.stop()
    return lateness(engine, db, accepted)


def lateness(engine, db, accepted):
    """Orders not delivered, and orders whose driver reached the door after the window end or that were
    announced late (late_delivery), read from the stored events."""
    q_events = "SELECT order_id, type, occurred_at FROM order_events WHERE retailer_id = 'bench'"
    q_orders = "SELECT order_id, status FROM orders WHERE retailer_id = 'bench'"
    if engine == "sqlite":
        con = sqlite3.connect(db)
        events = [(a, b, float(c)) for a, b, c in con.execute(q_events)]
        status = dict(con.execute(q_orders))
        con.close()
    else:
        def psql(q):
            out = subprocess.run(["psql", db, "-At", "-F", "\t", "-c", q], check=True, capture_output=True, text=True).stdout
            return [line.split("\t") for line in out.splitlines() if line]
        events = [(a, b, float(c)) for a, b, c in psql(q_events.replace("occurred_at", "extract(epoch from occurred_at)"))]
        status = dict(psql(q_orders))
    ends = {o["order_id"]: o["end"] for o in accepted}
    late = set()
    for order_id, kind, at in events:
        if kind == "fulfillment.late_delivery" or (kind == "fulfillment.arrival_at_customer" and at > ends[order_id]):
            late.add(order_id)
    undelivered = [o for o in ends if status.get(o) != "delivered"]
    return len(late), len(undelivered)


def pyvrp_bound(customers, drivers, per_trip):
    """The offline optimum PyVRP finds for the same requests at their preferred windows: prize-collecting
    (every client optional, one prize each), the server's integer travel times, reloads at the store with the
    pickup dwell at each, vehicle capacity = max_orders_per_trip, 13-hour shifts."""
    import pyvrp
    from pyvrp.stop import MaxRuntime
    day0 = epoch(iso(DAY, 0))
    m = pyvrp.Model()
    store = m.add_location(x=0, y=0)
    depot = m.add_depot(store, tw_early=SHIFT[0] * 3600, tw_late=SHIFT[1] * 3600, service_duration=PICKUP)
    locations = [store]
    for c in customers:
        loc = m.add_location(x=int(c["point"][1] * 1e5), y=int(c["point"][0] * 1e5))
        start = epoch(iso(DAY, c["preferred"])) - day0
        m.add_client(loc, delivery=[1], service_duration=DROPOFF, tw_early=start, tw_late=start + 7200, prize=10_000, required=False)
        locations.append(loc)
    points = [STORE] + [c["point"] for c in customers]
    for i, a in enumerate(locations):
        for j, b in enumerate(locations):
            if i != j:
                d = est_minutes(points[i], points[j]) * 60
                m.add_edge(a, b, distance=d, duration=d)
    m.add_vehicle_type(num_available=drivers, capacity=[per_trip], tw_early=SHIFT[0] * 3600, tw_late=SHIFT[1] * 3600,
                       reload_depots=[depot], start_depot=depot, end_depot=depot)
    result = m.solve(stop=MaxRuntime(PYVRP_SECONDS + 0.02 * len(customers)), seed=1, display=False)
    best = result.best
    return best.num_clients() if best.is_feasible() else None


def improvement_cell(i):
    if not i["count"]: return "0"
    return f"{i['count']}, {i['mean_ms']:.1f} ms, {i['p99_le_ms']:g} ms"


def main():
    rows, totals = [], {"k1": 0, "k3": 0, "vrp": 0, "dh": 0}
    sims = []
    latencies = []
    for name, radius, drivers, requests in SCENARIOS:
        customers = scenario_inputs(name, radius, drivers, requests)
        directory = write_directory(customers)
        t = time.monotonic()
        _, k1, _, k1_errors, _ = run_stream("sqlite", f"{name}-k1", customers, directory, write_config(drivers, 1))
        results, listing_errors = {}, {}
        for engine in ENGINES:
            db, k3, ms, k3_errors, (n, secs, buckets) = run_stream(engine, f"{name}-k3-{engine}", customers, directory,
                                                                 write_config(drivers, 3))
            if engine == ENGINES[0]:
                improvements = {"count": n, "mean_ms": 1000 * secs / n if n else None,
                                "p99_le_ms": 1000 * quantile_bound(buckets, 0.99) if n else None}
            results[engine] = (db, k3)
            listing_errors[engine] = k3_errors
            latencies += ms
        k3 = results[ENGINES[0]][1]
        same = all(sorted(o["order_id"] for o in r[1]) == sorted(o["order_id"] for o in k3) for r in results.values())
        bound = pyvrp_bound(customers, drivers, 3)
        driver_hours = drivers * (SHIFT[1] - SHIFT[0])
        row = {"scenario": name, "radius": radius, "drivers": drivers, "requests": requests, "k1": len(k1), "k3": len(k3),
               "pyvrp": bound, "per_driver_hour_k1": len(k1) / driver_hours, "per_driver_hour_k3": len(k3) / driver_hours,
               "engines_agree": same, "seconds": round(time.monotonic() - t, 1), "improvements": improvements,
               "listings_503": {"k1": k1_errors, **{f"k3_{e}": n for e, n in listing_errors.items()}}}
        if name in SIMULATE:
            for engine in ENGINES:
                db, orders = results[engine]
                late, undelivered = simulate_day(engine, db, directory, orders)
                row[f"late_{engine}"], row[f"undelivered_{engine}"] = late, undelivered
        rows.append(row)
        totals["k1"] += len(k1); totals["k3"] += len(k3); totals["vrp"] += bound or 0; totals["dh"] += driver_hours
        print(json.dumps(row), file=sys.stderr, flush=True)
    ratios = [r["k3"] / r["k1"] for r in rows if r["k1"]]
    shares = [r["k3"] / r["pyvrp"] for r in rows if r["pyvrp"]]
    latencies.sort()
    summary = {"mean_k3_over_k1": statistics.mean(ratios), "total_k3_over_k1": totals["k3"] / totals["k1"],
               "mean_k3_over_pyvrp": statistics.mean(shares) if shares else None,
               "listing_p50_ms": latencies[len(latencies) // 2], "listing_p99_ms": latencies[int(len(latencies) * 0.99)],
               "listings": len(latencies)}
    json.dump({"scenarios": rows, "summary": summary}, open(os.path.join(WORK, "results.json"), "w"), indent=1)
    # The table BENCHMARKS.md shows.
    sims = [e for e in ENGINES]
    print("| scenario (radius, drivers, requests) | 1 a trip | 3 a trip | × | PyVRP (3) | % of PyVRP | per driver-hour (1 → 3) | "
          + " | ".join(f"late / undelivered, {e}" for e in sims) + " | listings answered 503 | local search: runs, mean, p99 ≤ |")
    print("|---|---|---|---|---|---|---|" + "---|" * len(sims) + "---|---|")
    for r in rows:
        late = " | ".join(f"{r.get('late_' + e, '–')} / {r.get('undelivered_' + e, '–')}" for e in sims)
        share = f"{100 * r['k3'] / r['pyvrp']:.0f} %" if r["pyvrp"] else "–"
        print(f"| {r['scenario']} ({r['radius']:g} mi, {r['drivers']}, {r['requests']}) | {r['k1']} | {r['k3']} | {r['k3'] / r['k1']:.2f} | "
              f"{r['pyvrp'] or '–'} | {share} | {r['per_driver_hour_k1']:.2f} → {r['per_driver_hour_k3']:.2f} | {late} | "
              f"{sum(r.get('listings_503', {}).values())} | {improvement_cell(r['improvements'])} |")
    print(f"\nMean × over scenarios {summary['mean_k3_over_k1']:.2f} (all orders: {summary['total_k3_over_k1']:.2f}); "
          f"mean share of PyVRP {100 * (summary['mean_k3_over_pyvrp'] or 0):.0f} %; engines agree on every scenario: "
          f"{all(r['engines_agree'] for r in rows)}; list time slots (client side, the whole request) p50 "
          f"{summary['listing_p50_ms']:.1f} ms, p99 {summary['listing_p99_ms']:.1f} ms over {summary['listings']} listings.")


if __name__ == "__main__":
    main()
