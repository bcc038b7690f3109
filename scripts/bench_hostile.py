#!/usr/bin/env python3
"""Driver of scripts/bench-hostile. Talks only to 127.0.0.1; every loop is bounded in count or time."""
import http.client, json, os, socket, statistics, subprocess, tempfile, threading, time

BIN = os.environ["LASTMILE_BIN"]
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
MIB = 1 << 20
WORK = tempfile.mkdtemp(prefix="lastmile-hostile-")

def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p

port = free_port()
server = subprocess.Popen([BIN, "serve", "--port", str(port), "--database", os.path.join(WORK, "db.sqlite"), "--rate-limit", "1000000000",
                           "--log-level", "error", "--simulate-drivers", "false"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

def post(path, body, token=None, timeout=60):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    headers = {"Content-Type": "application/json"}
    if token: headers["Authorization"] = f"Bearer {token}"
    t0 = time.perf_counter()
    conn.request("POST", path, body=body, headers=headers)
    r = conn.getresponse(); data = r.read(); conn.close()
    return r.status, data, (time.perf_counter() - t0) * 1000

def get(path, timeout=10):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    t0 = time.perf_counter()
    conn.request("GET", path); r = conn.getresponse(); r.read(); conn.close()
    return r.status, (time.perf_counter() - t0) * 1000

for _ in range(300):
    try:
        if get("/health")[0] == 200: break
    except OSError: time.sleep(0.05)
token = json.loads(post("/v2/oauth/token", json.dumps({"client_id": "demo", "client_secret": "demo-secret", "grant_type": "client_credentials"}))[1])["access_token"]

def fill(prefix, unit, suffix, limit=MIB - 64):
    n = (limit - len(prefix) - len(suffix)) // len(unit)
    return prefix + unit * n + suffix

bodies = {
    "nested arrays [[[[…": fill('{"a":', "[", "}"),
    "nested objects {\"a\":{…": fill("", '{"a":', ""),
    "wide array [0,0,…] (524k values)": '{"a":[' + "0," * ((MIB - 64) // 2 - 1) + "0]}",
    "many keys {\"k1\":0,…": "{" + ",".join(f'"k{i}":0' for i in range(90_000)) + "}",
    "long escaped string \"\\u00e9…\"": fill('{"first_name":"', "\\u00e9", '"}'),
    "user within limits (depth 63)": '{"first_name":"Ada","user_id":' + "[" * 63 + "]" * 63 + "}",
}
print(f"Worst 1 MiB bodies, POST /v2/fulfillment/users with a token (median of 5; release build; {os.cpu_count()} cores)")
print(f"{'body':40} {'bytes':>9} {'status':>6} {'p50 ms':>8} {'max ms':>8}  answer")
for name, body in bodies.items():
    runs = [post("/v2/fulfillment/users", body, token) for _ in range(5)]
    times = [r[2] for r in runs]
    answer = json.loads(runs[0][1]).get("error", {}).get("message", "")[:60]
    print(f"{name:40} {len(body):>9} {runs[0][0]:>6} {statistics.median(times):>8.1f} {max(times):>8.1f}  {answer}")
oauth = post("/v2/oauth/token", bodies["nested arrays [[[[…"])
print(f"{'same, POST /v2/oauth/token (no token)':40} {len(bodies['nested arrays [[[[…']):>9} {oauth[0]:>6} {oauth[2]:>8.1f}")

# Load: four clients send the worst bodies back to back while /health is timed.
stop = time.monotonic() + SECONDS
sent = [0]
lock = threading.Lock()
def attacker(body):
    while time.monotonic() < stop:
        post("/v2/fulfillment/users", body, token)
        with lock: sent[0] += 1
health = []
threads = [threading.Thread(target=attacker, args=(b,)) for b in list(bodies.values())[:4]]
for t in threads: t.start()
while time.monotonic() < stop:
    status, ms = get("/health")
    health.append(ms)
    time.sleep(0.05)
for t in threads: t.join(timeout=60)
health.sort()
print(f"\nUnder load: {sent[0]} hostile 1 MiB bodies in {SECONDS} s from 4 clients ({sent[0] / SECONDS:.0f}/s); "
      f"GET /health p50 {health[len(health) // 2]:.1f} ms, p99 {health[int(len(health) * 0.99)]:.1f} ms, max {health[-1]:.1f} ms ({len(health)} probes)")
server.terminate(); server.wait(timeout=30)
