#!/usr/bin/env python3
"""Benchmark driver for scripts/bench. Talks only to 127.0.0.1; every wrk run and loop is bounded."""
import json, os, re, sqlite3, subprocess, sys, tempfile, time
from bench_common import call, free_port
from concurrent.futures import ThreadPoolExecutor

BIN = os.environ["LASTMILE_BIN"]
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
NOW = "2026-11-23T18:35:00Z"          # a Monday, 10:35 in San Francisco: a full day of windows ahead
WORK = tempfile.mkdtemp(prefix="lastmile-bench-")
rows = []


class Server:
    def __init__(self, database, extra=()):
        self.port = free_port()
        t0 = time.monotonic()
        self.proc = subprocess.Popen([BIN, "serve", "--port", str(self.port), "--database", database, "--now", NOW,
                                      "--rate-limit", "1000000000", "--log-level", "error", *extra],
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for _ in range(300):
            try:
                if call(self.port, "GET", "/health")[0] == 200: break
            except OSError: time.sleep(0.02)
        self.ready_ms = (time.monotonic() - t0) * 1000
    def rss_peak_mb(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            return int(re.search(r"VmHWM:\s+(\d+) kB", f.read()).group(1)) / 1024
    def stop(self):
        self.proc.terminate(); self.proc.wait(timeout=30)

def token(port, client="demo", secret="demo-secret"):
    return call(port, "POST", "/v2/oauth/token", {"client_id": client, "client_secret": secret, "grant_type": "client_credentials"})[1]["access_token"]

def wrk(port, path, body=None, tok=None, connections=64, seconds=SECONDS, threads=2):
    script = os.path.join(WORK, "req.lua")
    with open(script, "w") as f:
        f.write(f'wrk.method = "{"POST" if body else "GET"}"\n')
        if body: f.write(f"wrk.body = {json.dumps(json.dumps(body))}\n")
        f.write('wrk.headers["Content-Type"] = "application/json"\n')
        if tok: f.write(f'wrk.headers["Authorization"] = "Bearer {tok}"\n')
    out = subprocess.run(["wrk", f"-t{min(threads, connections)}", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", script, f"http://127.0.0.1:{port}{path}"],
                         capture_output=True, text=True, timeout=seconds + 60).stdout
    def ms(label):
        m = re.search(rf"{label}%\s+([\d.]+)(us|ms|s)", out)
        v, unit = float(m.group(1)), m.group(2)
        return v / 1000 if unit == "us" else v * 1000 if unit == "s" else v
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)), "p50": ms("50"), "p99": ms("99"),
            "errors": int(non2xx.group(1)) if non2xx else 0}

def median(values):
    return sorted(values)[len(values) // 2]

# The VM's speed drifts by up to a third between runs (the /health ceiling read 15,100 to 18,400 req/s in one
# session and 22,800 in the one before), so the one-connection latencies, the twin stores and B2 are sampled
# three times, spread over the run's time, and their median is compared with the target; every sample is printed.
SAMPLES = 3

LISTING = {"address": {"address_line_1": "500 Howard St", "postal_code": "94105"}, "location_code": "SF-001",
           "cart_total_cents": 6420, "items_count": 12}

# ---- Start-up and B1 -------------------------------------------------------------------------------------
db = os.path.join(WORK, "b1.sqlite")
s = Server(db)
startup = re.search(r"Started in (\d+) ms", s.proc.stdout.readline() + s.proc.stdout.readline() or "")
rows.append(("start-up (fresh SQLite, demo seeded) → /health answers", f"{s.ready_ms:.0f} ms", "well under 1 s"))
tok = token(s.port)
call(s.port, "POST", "/v2/fulfillment/users", {"user_id": "bench-user", "first_name": "Ada"}, tok)
trivial = wrk(s.port, "/health")
slots = wrk(s.port, "/v2/fulfillment/users/bench-user/service_options/cart/last_mile", LISTING, tok)
ratio = slots["rps"] / trivial["rps"]
rows.append(("B1 GET /health (ceiling), 64 conns", f"{trivial['rps']:.0f} req/s, p50 {trivial['p50']:.2f} ms, p99 {trivial['p99']:.2f} ms", ""))
rows.append(("B1 list time slots (D2, SF-001, 7 days), 64 conns",
             f"{slots['rps']:.0f} req/s, p50 {slots['p50']:.2f} ms, p99 {slots['p99']:.2f} ms, {slots['errors']} errors",
             "p99 ≤ 100 ms"))
rows.append(("B1 throughput ratio list / trivial", f"{ratio * 100:.0f} %", "≥ 20 % (aim 50 %)"))
ones = [wrk(s.port, "/v2/fulfillment/users/bench-user/service_options/cart/last_mile", LISTING, tok, connections=1, seconds=max(1, SECONDS // 2))
        for _ in range(SAMPLES)]
one = {k: median([o[k] for o in ones]) for k in ("p50", "p99", "rps")}
one_p50s = " / ".join(f"{o['p50']:.2f}" for o in ones)
rows.append((f"B1 list time slots, 1 conn (median of {SAMPLES})",
             f"p50 {one['p50']:.2f} ms ({one_p50s}), p99 {one['p99']:.2f} ms, {one['rps']:.0f} req/s", "p50 ≤ 2 ms"))
rows.append(("peak RSS during B1", f"{s.rss_peak_mb():.0f} MB", "≤ 150 MB"))
s.stop()

# ---- B4: the same listing against PostgreSQL (demo seeded into a fresh database) ---------------------------
b4db = f"lm_bench_b4_{os.getpid()}"
subprocess.run(["createdb", b4db], check=True)
s = Server(f"postgres://{os.environ.get('PGUSER', 'postgres')}@{os.environ['PGHOST']}:{os.environ.get('PGPORT', '5432')}/{b4db}")
tok4 = token(s.port)
call(s.port, "POST", "/v2/fulfillment/users", {"user_id": "bench-user", "first_name": "Ada"}, tok4)
pg = wrk(s.port, "/v2/fulfillment/users/bench-user/service_options/cart/last_mile", LISTING, tok4)
pg1 = wrk(s.port, "/v2/fulfillment/users/bench-user/service_options/cart/last_mile", LISTING, tok4, connections=1)
s.stop()
rows.append(("B4 list time slots on PostgreSQL, 64 conns",
             f"{pg['rps']:.0f} req/s, p50 {pg['p50']:.2f} ms, p99 {pg['p99']:.2f} ms, {pg['errors']} errors", "reported"))
rows.append(("B4 list time slots on PostgreSQL, 1 conn", f"p50 {pg1['p50']:.2f} ms, {pg1['rps']:.0f} req/s", "reported"))

# ---- Listing cost of the multi-stop planner: the same store with one order a trip (the reference procedure,
# the only model before multi-stop trips) and with three, single connection, one server -------------------------
def twin_store(code, per_trip):
    return {"location_code": code, "name": code, "address": {"address_line_1": "101 Spear St", "postal_code": "94105"},
            "county": "San Francisco County", "latitude": 37.7920, "longitude": -122.3934, "scheduling_horizon_days": 7,
            "delivery_hours": {"default": "08:00-21:00"}, "max_orders_per_trip": per_trip}
twins = {"retailers": [{"id": "twin", "oauth_clients": [{"client_id": "twin", "client_secret": "twin-client-secret-1"}],
                        "stores": [twin_store("K1", 1), twin_store("K3", 3)]}]}
twin_cfg = os.path.join(WORK, "twins.json"); json.dump(twins, open(twin_cfg, "w"))
twin_db = os.path.join(WORK, "twins.sqlite")
subprocess.run([BIN, "seed", "--file", twin_cfg, "--database", twin_db], check=True, capture_output=True)
s = Server(twin_db, ["--no-demo"])
t = token(s.port, "twin", "twin-client-secret-1")
call(s.port, "POST", "/v2/fulfillment/users", {"user_id": "bench-user", "first_name": "Ada"}, t)
twin_samples = {"K1": [], "K3": []}
for _ in range(SAMPLES):   # alternately, so that both stores see the same drift
    for code in ("K1", "K3"):
        twin_samples[code].append(wrk(s.port, "/v2/fulfillment/users/bench-user/service_options/cart/last_mile", dict(LISTING, location_code=code), t,
                                      connections=1, seconds=max(1, SECONDS // 2))["p50"])
s.stop()
single = {code: median(v) for code, v in twin_samples.items()}
rows.append((f"list slots, 1 conn, one order a trip (reference procedure; median of {SAMPLES})",
             f"p50 {single['K1']:.2f} ms ({' / '.join(f'{v:.2f}' for v in twin_samples['K1'])})", ""))
rows.append((f"list slots, 1 conn, three a trip (multi-stop planner; median of {SAMPLES})",
             f"p50 {single['K3']:.2f} ms ({' / '.join(f'{v:.2f}' for v in twin_samples['K3'])})", ""))
rows.append(("multi-stop / reference p50, same run", f"{single['K3'] / single['K1']:.2f}", "≤ 1.2"))

# ---- B2: reserve → create ---------------------------------------------------------------------------------
DRIVERS, USERS = 20, 400
config = {"retailers": [{"id": "bench", "oauth_clients": [{"client_id": "bench", "client_secret": "bench-client-secret-1"}],
    "stores": [{"location_code": "B-1", "name": "Bench", "address": {"address_line_1": "101 Spear St", "postal_code": "94105"},
                "latitude": 37.7920, "longitude": -122.3934, "scheduling_horizon_days": 1, "delivery_hours": {"default": "08:00-21:00"},
                # One order a trip: every booking goes to one address, and the overbooking count needs the exact capacity.
                "max_orders_per_trip": 1,
                "driver_shifts": [{"driver_id": f"d{i}", "start": "08:00", "end": "21:00"} for i in range(DRIVERS)]}]}]}
cfg = os.path.join(WORK, "bench.json"); json.dump(config, open(cfg, "w"))
# One 2-hour window, 2 minutes away, 14-minute trips: each driver fits arrivals at +0, +14, …, +112 → 9.
capacity = DRIVERS * 9
window = {"starts_at": "2026-11-23T23:00:00Z", "ends_at": "2026-11-24T01:00:00Z"}
GENERATOR_THREADS = 32

def burst(database):
    """One B2 burst on a freshly seeded database: (orders booked, seconds, generator ceiling in pairs/s). The
    users and their listings are made first; then wrk (scripts/bench_b2.lua: 32 threads, one keep-alive
    connection each) books them, each thread its share in turn, reserve then create."""
    subprocess.run([BIN, "seed", "--file", cfg, "--database", database], check=True, capture_output=True)
    srv = Server(database, ["--no-demo"])
    t = token(srv.port, "bench", "bench-client-secret-1")
    def setup(i):
        call(srv.port, "POST", "/v2/fulfillment/users", {"user_id": f"u{i}", "first_name": "Ada"}, t)
        body = dict(LISTING, location_code="B-1", desired_windows=[window])
        return call(srv.port, "POST", f"/v2/fulfillment/users/u{i}/service_options/cart/last_mile", body, t)[1]["service_options"][0]["id"]
    with ThreadPoolExecutor(16) as pool: options = list(pool.map(setup, range(USERS)))
    run = tempfile.mkdtemp(dir=WORK)
    with open(os.path.join(run, "users.txt"), "w") as f:
        f.writelines(f"u{i} {options[i]}\n" for i in range(USERS))
    finished = os.path.join(run, "finished.txt")
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bench_b2.lua")
    t0 = time.monotonic()
    gen = subprocess.Popen(["wrk", f"-t{GENERATOR_THREADS}", f"-c{GENERATOR_THREADS}", "-d120s", "-s", script, f"http://127.0.0.1:{srv.port}",
                            "--", run, t, str(GENERATOR_THREADS)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    lines = []
    while time.monotonic() - t0 < 120:   # every thread appends a line when its users are done
        if os.path.exists(finished):
            with open(finished) as f: lines = [l.split() for l in f if l.strip()]
            if len(lines) >= GENERATOR_THREADS: break
        time.sleep(0.005)
    gen.terminate(); gen.wait(timeout=30)
    booked = sum(int(b) for _, b in lines)
    elapsed = max(float(ms) for ms, _ in lines) / 1000 - t0 if lines else float("inf")
    # The generator's own ceiling: the same threads and connections on the trivial endpoint, two requests per order.
    ceiling = wrk(srv.port, "/health", connections=GENERATOR_THREADS, seconds=3, threads=GENERATOR_THREADS)["rps"] / 2
    srv.stop()
    return booked, elapsed, ceiling

def b2(label, databases, target):
    runs = [burst(database) for database in databases]
    rates = [booked / elapsed for booked, elapsed, _ in runs]
    overbooked = max(max(0, booked - capacity) for booked, _, _ in runs)
    rows.append((f"B2 reserve → create, {label}, {USERS} users racing for {capacity} slots (median of {len(runs)} bursts)",
                 f"{median(rates):.0f} orders/s ({' / '.join(f'{r:.0f}' for r in rates)}; {' / '.join(str(b) for b, _, _ in runs)} booked); "
                 f"overbooked {overbooked}",
                 f"overbooking 0; ≥ {target} orders/s"))
    rows.append((f"B2 load generator ceiling ({label} server, /health, same threads)", f"{median([c for _, _, c in runs]):.0f} request pairs/s",
                 "> orders/s"))
b2("SQLite", [os.path.join(WORK, f"b2-{n}.sqlite") for n in range(SAMPLES)], 500)
pg_databases = []
for n in range(SAMPLES):
    pg_databases.append(f"lm_bench_{os.getpid()}_{n}")
    subprocess.run(["createdb", pg_databases[-1]], check=True)
b2("PostgreSQL", [f"postgres://{os.environ.get('PGUSER', 'postgres')}@{os.environ['PGHOST']}:{os.environ.get('PGPORT', '5432')}/{db}" for db in pg_databases], 250)

# ---- B3: list slots with 1,000 vs 100,000 past orders ------------------------------------------------------
# Two databases, measured alternately (1k, 100k, 1k, 100k) and each figure the mean of its two p50s: the VM's
# speed drifts by more than 20 % within a minute, and one sample of each after the other measured the drift.
def past_orders(db, total):
    con = sqlite3.connect(db)
    have = con.execute("SELECT count(*) FROM orders").fetchone()[0]
    con.executemany("INSERT INTO orders (retailer_id, order_id, user_id, location_code, status, window_start, window_end, travel_minutes, created_at, data) "
                    "VALUES ('demo', ?, 'past', 'SF-001', 'delivered', 1.7e9, 1.7e9 + 7200, 5, 1.7e9, '{}')",
                    ((f"past-{i}",) for i in range(have, total)))
    con.commit(); con.close()
b3dbs = {}
for total in (1_000, 100_000):
    b3dbs[total] = os.path.join(WORK, f"b3-{total}.sqlite")
    srv = Server(b3dbs[total])
    t = token(srv.port)
    call(srv.port, "POST", "/v2/fulfillment/users", {"user_id": "bench-user", "first_name": "Ada"}, t)
    srv.stop()
    past_orders(b3dbs[total], total)
samples = {1_000: [], 100_000: []}
for total in (1_000, 100_000, 1_000, 100_000):
    srv = Server(b3dbs[total])
    t = token(srv.port)
    samples[total].append(wrk(srv.port, "/v2/fulfillment/users/bench-user/service_options/cart/last_mile", LISTING, t, connections=8)["p50"])
    srv.stop()
results = {total: {"p50": sum(v) / len(v)} for total, v in samples.items()}
r3 = results[100_000]["p50"] / results[1_000]["p50"]
rows.append(("B3 list slots p50, 1,000 past orders (mean of 2 runs)", f"{results[1_000]['p50']:.2f} ms ({' / '.join(f'{v:.2f}' for v in samples[1_000])})", ""))
rows.append(("B3 list slots p50, 100,000 past orders (mean of 2 runs)", f"{results[100_000]['p50']:.2f} ms ({' / '.join(f'{v:.2f}' for v in samples[100_000])})", ""))
rows.append(("B3 ratio 100k / 1k", f"{r3:.2f}", "≤ 1.2"))

width = max(len(r[0]) for r in rows)
print(f"\n{'measure'.ljust(width)} | result | target")
for name, value, target in rows:
    print(f"{name.ljust(width)} | {value} | {target}")
