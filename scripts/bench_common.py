"""What the benchmark drivers (bench.py, bench_capacity.py) share: loopback ports and JSON calls."""
import http.client, json, socket, threading, urllib.error, urllib.request


def free_ports(n):
    """n distinct free loopback ports: every socket stays bound until all are chosen (two calls of a
    one-port helper can return the same port, and a server then fails to bind its second one)."""
    sockets = [socket.socket() for _ in range(n)]
    for s in sockets: s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets: s.close()
    return ports


def free_port():
    return free_ports(1)[0]


def call(port, method, path, body=None, token=None, timeout=60):
    """One JSON request to 127.0.0.1:port; returns (status, decoded body), error statuses included."""
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=None if body is None else json.dumps(body).encode(), method=method)
    req.add_header("Content-Type", "application/json")
    if token: req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r: return r.status, json.loads(r.read() or b"{}")
    except urllib.error.HTTPError as e: return e.code, json.loads(e.read() or b"{}")


_local = threading.local()


def keepalive_call(port, method, path, body=None, token=None, timeout=60):
    """`call` over one persistent (keep-alive) connection per thread: load generators that make a new TCP
    connection per request measure themselves as much as the server."""
    conn = getattr(_local, "conn", None)
    if conn is None or _local.port != port:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        _local.conn, _local.port = conn, port
    headers = {"Content-Type": "application/json"}
    if token: headers["Authorization"] = f"Bearer {token}"
    for attempt in (1, 2):
        try:
            conn.request(method, path, body=None if body is None else json.dumps(body), headers=headers)
            r = conn.getresponse()
            return r.status, json.loads(r.read() or b"{}")
        except (http.client.HTTPException, OSError):
            conn.close()                    # the server closed an idle connection: reconnect once
            if attempt == 2: raise
