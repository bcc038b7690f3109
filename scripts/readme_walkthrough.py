#!/usr/bin/env python3
"""Follows README.md as a newcomer does and checks that every answer has the shape the README shows
(run by scripts/readme-walkthrough; Python 3 standard library only).

The commands are taken from the README itself, so the check breaks when the README drifts from the server:
- the fenced ```sh blocks of "A 5-minute walkthrough" (with "The single-call flow"), "Watch a full delivery"
  and "Testing against the sandbox" are run in order: `swift run lastmile serve …` starts (or restarts) a
  server on a fresh temporary SQLite database and a free port (`--port`/`--database` added; a later `serve`
  without `--now` keeps the walkthrough's `--now`, so the demo stores are open whatever the real time),
  `curl …` becomes the same HTTP request (method, headers, body; `$B` is the test server), `TOKEN=$(curl … |
  jq -r .access_token)` sets $TOKEN, `scripts/callback-receiver …` and `scripts/demo-delivery` run as shown;
  before a `…/tip` request it waits (at most 75 s) until the simulated driver has delivered the order, as the
  README says to;
- an answer is compared with the README's: a ```json block after the commands (one value per command that
  has no answer of its own, in order), or a `# {…}` comment after the command. `...`/`…` in the README's JSON
  stand for members or elements left out; without them an object must have exactly the README's keys and an
  array as many elements. Keys, value types and HTTP status are compared, and values too for booleans and for
  a few stable keys (status, type, ids, location codes…); timestamps, tokens and references are not;
- plain ``` blocks (the banner, demo-delivery, the receiver, `callbacks list`) are line templates: digits
  match any number, `...`/`…` anything;
- a few sentences are checked as well: the option count, the ETA options, the error for an address outside
  the store's range, `/health`, the receiver's `signature ok`, `callbacks list` (its table and its LAST
  RESULT), `lastmile token` under LASTMILE_PORT, and the banner of a first start with `--config`.
Only 127.0.0.1 is contacted (the demo retailer's receiver is 127.0.0.1:9090, which must be free); every
request and wait is bounded and the whole run stops after 110 s. Servers and the receiver are stopped at
the end, also on failure. Exit status 1 on any mismatch, with the README line it concerns.
"""
import json, os, re, signal, socket, subprocess, sys, tempfile, threading, time, urllib.error, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
README = os.path.join(ROOT, "README.md")
BIN = os.path.abspath(os.path.join(ROOT, os.environ.get("LASTMILE_BIN") or ".build/debug/lastmile"))
RECEIVER_PORT = 9090            # the demo retailer's callback_url (demo-config.json)
README_BASE = "http://127.0.0.1:8080"
README_DATABASE = "./data/lastmile.sqlite"
ACTIVE = ("A 5-minute walkthrough", "The single-call flow", "Watch a full delivery", "Testing against the sandbox")
TOTAL_SECONDS = 110
REQUEST_TIMEOUT = 10
# Values compared exactly (besides booleans); everything else by type only.
EXACT_KEYS = {"status", "type", "workflow_state", "location_code", "store_location", "cancellation_reason",
              "token_type", "scope", "user_id", "id", "immediate_hour", "tip_amount_cents", "bags_count",
              "bag_count", "bag_label", "items_count", "expires_in", "success", "name", "city", "state",
              "postal_code", "first_name", "last_name", "phone", "phone_number", "distance", "bag_scan_codes"}
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")

failures = []
def ok(what): print(f"ok   {what}", flush=True)
def fail(what):
    print(f"FAIL {what}", flush=True)
    failures.append(what)
def check(cond, what, detail=""):
    if cond: ok(what)
    else: fail(what + (f": {detail}" if detail else ""))
    return cond

class Fatal(Exception): pass

# ---------------------------------------------------------------------------------------------------------
# The README's JSON, with `...`/`…` for what is left out

class Obj:
    def __init__(self, members, partial): self.members, self.partial = members, partial
class Arr:
    def __init__(self, items): self.items = items
ELLIPSIS = object()

class AbridgedJSON:
    NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][+-]?\d+)?")
    def __init__(self, text): self.t, self.i = text, 0
    def ws(self):
        while self.i < len(self.t) and self.t[self.i] in " \t\r\n": self.i += 1
    def error(self, what): raise ValueError(f"{what} at …{self.t[max(0, self.i - 30):self.i + 30]!r}")
    def ellipsis(self):
        self.ws()
        for e in ("...", "…"):
            if self.t.startswith(e, self.i):
                self.i += len(e); return True
        return False
    def value(self):
        self.ws()
        if self.i >= len(self.t): self.error("value expected")
        c = self.t[self.i]
        if c == "{": return self.obj()
        if c == "[": return self.arr()
        if c == '"':
            m = re.compile(r'"(?:[^"\\]|\\.)*"').match(self.t, self.i)
            if not m: self.error("unterminated string")
            self.i = m.end(); return json.loads(m.group())
        for word, v in (("true", True), ("false", False), ("null", None)):
            if self.t.startswith(word, self.i):
                self.i += len(word); return v
        m = self.NUMBER.match(self.t, self.i)
        if not m: self.error("value expected")
        self.i = m.end()
        return json.loads(m.group())
    def obj(self):
        self.i += 1
        members, partial = {}, False
        while True:
            self.ws()
            if self.t.startswith("}", self.i):
                self.i += 1; return Obj(members, partial)
            if self.ellipsis():  # `...` may stand before a member without a comma: {"id":2, ... "window":…}
                partial = True
                self.ws()
                if self.t.startswith(",", self.i): self.i += 1
                continue
            else:
                key = self.value()
                if not isinstance(key, str): self.error("key expected")
                self.ws()
                if not self.t.startswith(":", self.i): self.error("':' expected")
                self.i += 1
                members[key] = self.value()
            self.ws()
            if self.t.startswith(",", self.i): self.i += 1
            elif not (self.t.startswith("}", self.i) or self.t.startswith("...", self.i) or self.t.startswith("…", self.i)):
                self.error("',' or '}' expected")
    def arr(self):
        self.i += 1
        items = []
        while True:
            self.ws()
            if self.t.startswith("]", self.i):
                self.i += 1; return Arr(items)
            if self.ellipsis():
                items.append(ELLIPSIS)
                self.ws()
                if self.t.startswith(",", self.i): self.i += 1
                continue
            items.append(self.value())
            self.ws()
            if self.t.startswith(",", self.i): self.i += 1
            elif not self.t.startswith("]", self.i): self.error("',' or ']' expected")
    def values(self):
        out = []
        while True:
            self.ws()
            if self.i >= len(self.t): return out
            out.append(self.value())

def kind(v):
    if v is None: return "null"
    if isinstance(v, bool): return "boolean"
    if isinstance(v, (int, float)): return "number"
    if isinstance(v, str): return "string"
    if isinstance(v, (list, Arr)): return "array"
    return "object"

def compare(expected, actual, path="$", key=None):
    """Differences between the README's (abridged) value and the server's, as 'path: what' strings."""
    if isinstance(expected, Obj):
        if not isinstance(actual, dict): return [f"{path}: README shows an object, the server answered {kind(actual)} {short(actual)}"]
        out = []
        for k, v in expected.members.items():
            if k not in actual: out.append(f"{path}.{k}: in the README, missing from the answer")
            else: out += compare(v, actual[k], f"{path}.{k}", k)
        if not expected.partial:
            extra = sorted(set(actual) - set(expected.members))
            if extra: out.append(f"{path}: the answer has keys the README does not show (and no '...'): {', '.join(extra)}")
        return out
    if isinstance(expected, Arr):
        if not isinstance(actual, list): return [f"{path}: README shows an array, the server answered {kind(actual)} {short(actual)}"]
        items = expected.items
        if ELLIPSIS not in items:
            if len(items) != len(actual): return [f"{path}: README shows {len(items)} elements, the server answered {len(actual)}"]
            pairs = list(enumerate(items))
        else:
            first = items.index(ELLIPSIS)
            last = len(items) - 1 - items[::-1].index(ELLIPSIS)
            head, tail = items[:first], items[last + 1:]
            if len(actual) < len(head) + len(tail):
                return [f"{path}: README shows at least {len(head) + len(tail)} elements, the server answered {len(actual)}"]
            pairs = list(enumerate(head)) + [(len(actual) - len(tail) + j, v) for j, v in enumerate(tail)]
        out = []
        for idx, v in pairs: out += compare(v, actual[idx], f"{path}[{idx}]", key)
        return out
    if kind(expected) != kind(actual):
        return [f"{path}: README shows {kind(expected)} {short(expected)}, the server answered {kind(actual)} {short(actual)}"]
    if isinstance(expected, bool) and expected != actual:
        return [f"{path}: README shows {json.dumps(expected)}, the server answered {json.dumps(actual)}"]
    if key in EXACT_KEYS and expected != actual and not (isinstance(expected, str) and ("…" in expected or TIMESTAMP.match(expected))):
        return [f"{path}: README shows {json.dumps(expected)}, the server answered {json.dumps(actual)}"]
    return []

def short(v):
    s = json.dumps(v) if not isinstance(v, (Obj, Arr)) else "…"
    return s if len(s) <= 80 else s[:77] + "…"

# ---------------------------------------------------------------------------------------------------------
# Plain blocks as line templates

def template(line):
    parts, i, s = [], 0, line.strip()
    token = re.compile(r"(\.\.\.|…)|(\d+(?:\.\d+)?)|(\s+)")
    while i < len(s):
        m = token.match(s, i)
        if m and m.group(1): parts.append(".*")
        elif m and m.group(2): parts.append(r"\d+(?:\.\d+)?")
        elif m and m.group(3): parts.append(r"\s+")
        else:
            parts.append(re.escape(s[i])); i += 1; continue
        i = m.end()
    return re.compile("^" + "".join(parts) + "$")

def is_gap(line): return line.strip() in ("", "...", "…")

# ---------------------------------------------------------------------------------------------------------
# README structure

class Block:
    def __init__(self, lang, lines, line, section, prose, prose_line):
        self.lang, self.lines, self.line, self.section, self.prose = lang, lines, line, section, prose
        self.prose_line = prose_line or line  # where the sentences before the block start
    @property
    def text(self): return "\n".join(self.lines)

def readme_blocks():
    blocks, section, prose, fence, prose_line = [], "", [], None, None
    for n, line in enumerate(open(README, encoding="utf-8").read().split("\n"), 1):
        if fence is not None:
            if line.startswith("```"):
                blocks.append(Block(fence[0], fence[1], fence[2], section, " ".join(prose), prose_line))
                fence, prose, prose_line = None, [], None
            else: fence[1].append(line)
            continue
        if line.startswith("```"):
            fence = (line[3:].strip(), [], n + 1)
        elif line.startswith("#"):
            if prose: blocks.append(Block("prose", [], n, section, " ".join(prose), prose_line))
            section, prose, prose_line = line.lstrip("#").strip(), [], None
        elif line.strip():
            prose.append(line.strip())
            prose_line = prose_line or n
    return blocks

def shell_commands(block):
    """The block's commands: (text, line, comments) with `\\`+newline joined and quotes kept whole."""
    t, out, cur, start, i, quote = block.text, [], "", None, 0, None
    line = block.line
    def finish():
        nonlocal cur, start
        if cur.strip(): out.append({"text": cur.strip(), "line": start, "comments": []})
        cur, start = "", None
    while i < len(t):
        c = t[i]
        if quote:
            cur += c
            if c == quote: quote = None
            elif c == "\\" and quote == '"' and i + 1 < len(t): cur += t[i + 1]; i += 1
        elif c == "\\" and t.startswith("\\\n", i):
            cur += " "; i += 1; line += 1
        elif c in "'\"":
            quote = c; cur += c
            if start is None: start = line
        elif c == "#" and (not cur or cur[-1] in " \t\n"):
            end = t.find("\n", i)
            end = len(t) if end < 0 else end
            finish()  # a comment ends the command on its line, or follows the one before (the command's answer)
            if out: out[-1]["comments"].append(t[i + 1:end].strip())
            i = end
            continue
        elif c == "\n":
            finish()
        else:
            if start is None and not c.isspace(): start = line
            cur += c
        if c == "\n": line += 1
        i += 1
    if quote: raise Fatal(f"README line {block.line}: unbalanced quote in the ```sh block")
    finish()
    return out

def expected_from_comments(comments):
    """The first comment that starts with JSON, with the comment lines after it: the command's answer."""
    for k, c in enumerate(comments):
        if c.startswith("{") or c.startswith("["):
            return AbridgedJSON("\n".join(comments[k:])).value()
    return None

def words(text, env):
    """Shell words of one command: quotes, backslashes and $VAR outside single quotes."""
    out, cur, i, quote, have = [], "", 0, None, False
    def var(j):
        m = re.compile(r"\$(\w+)|\$\{(\w+)\}").match(text, j)
        if not m: return None, j + 1
        name = m.group(1) or m.group(2)
        if name not in env: raise Fatal(f"the README uses ${name} before setting it")
        return env[name], m.end()
    while i < len(text):
        c = text[i]
        if quote == "'":
            if c == "'": quote = None
            else: cur += c
            i += 1
        elif quote == '"':
            if c == '"': quote = None; i += 1
            elif c == "\\" and i + 1 < len(text): cur += text[i + 1]; i += 2
            elif c == "$":
                v, i = var(i); cur += v if v is not None else "$"
            else: cur += c; i += 1
        elif c in "'\"": quote, have = c, True; i += 1
        elif c == "\\" and i + 1 < len(text): cur += text[i + 1]; have = True; i += 2
        elif c == "$":
            v, i = var(i); cur += v if v is not None else "$"; have = True
        elif c.isspace():
            if cur or have: out.append(cur)
            cur, have = "", False; i += 1
        else: cur += c; have = True; i += 1
    if cur or have: out.append(cur)
    return out

# ---------------------------------------------------------------------------------------------------------
# Processes: servers, the receiver

def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p

def listening(port):
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0

def child_env(extra=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("LASTMILE_")}
    env.update(extra or {})
    return env

def die_with_parent():
    try:
        import ctypes
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except Exception:
        pass

class Proc:
    """A child whose stdout is collected line by line."""
    def __init__(self, argv, log, env=None):
        self.argv = argv
        self.err = open(log, "ab")
        self.p = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=self.err, env=env or child_env(),
                                  preexec_fn=die_with_parent if sys.platform.startswith("linux") else None)
        self.lines, self.lock = [], threading.Lock()
        threading.Thread(target=self.read, daemon=True).start()
    def read(self):
        for raw in self.p.stdout:
            with self.lock: self.lines.append(raw.decode("utf-8", "replace").rstrip("\n"))
    def snapshot(self):
        with self.lock: return list(self.lines)
    def stop(self, sig=signal.SIGINT):
        if self.p.poll() is None:
            self.p.send_signal(sig)
            try: self.p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.p.kill(); self.p.wait(timeout=5)
        self.err.close()

class Run:
    def __init__(self):
        self.work = tempfile.mkdtemp(prefix="lm-readme-")
        self.db = os.path.join(self.work, "lastmile.sqlite")
        self.port = free_port()
        self.env = {}
        self.server, self.server_args, self.receiver = None, None, None
        self.procs = []
        self.results = []          # answers waiting for a ```json block
        self.last_options = None   # the last `service_options/cart/last_mile` request and answer
        self.outputs = {}          # text output of commands, for the plain blocks
        self.expected_banner = None
        self.first_start = True

    @property
    def base(self): return f"http://127.0.0.1:{self.port}"

    # --- servers

    def serve(self, args, line):
        for a in args:
            if a.split("=")[0] in ("--port", "--database", "--host"):
                raise Fatal(f"README line {line}: the walkthrough's serve command sets {a}; the check cannot run it on a fresh database")
        if "--now" not in args and self.server_args and "--now" in self.server_args:
            k = self.server_args.index("--now"); args = args + self.server_args[k:k + 2]
        if self.server and self.server.p.poll() is None and sorted(args) == sorted(self.server_args):
            ok(f"README line {line}: `serve {' '.join(args)}` is the server already running; kept it")
            return
        if self.server:
            self.server.stop()
            ok(f"README line {line}: stopped the server (as Ctrl-C) to restart it with {' '.join(args)}")
        self.server_args = args
        self.server = self.start_server(args + ["--port", str(self.port), "--database", self.db], "server.log")
        banner = self.wait_banner(self.server, line)
        if self.first_start:
            self.first_start = False
            self.check_banner(banner, line)
        else:
            check("client_id=demo client_secret=demo-secret" in "\n".join(banner),
                  f"README line {line}: the restarted server's banner names the demo's credentials", "\n".join(banner))

    def start_server(self, argv, log):
        p = Proc([BIN, "serve"] + argv, os.path.join(self.work, log))
        self.procs.append(p)
        return p

    def wait_banner(self, proc, line, deadline_s=20):
        deadline = time.time() + deadline_s
        while time.time() < deadline:
            if proc.p.poll() is not None:
                raise Fatal(f"README line {line}: the server exited ({proc.p.returncode}):\n" + self.tail(proc))
            lines = proc.snapshot()
            if any(l.startswith("LastMile listening on") for l in lines):
                time.sleep(0.3)  # the banner is one write; let the reader take all of it
                return proc.snapshot()
            time.sleep(0.05)
        raise Fatal(f"README line {line}: no banner within {deadline_s} s:\n" + self.tail(proc))

    def tail(self, proc):
        try: return "\n".join(open(proc.err.name, encoding="utf-8", errors="replace").read().splitlines()[-15:])
        except OSError: return ""

    def check_banner(self, banner, line):
        if self.expected_banner is None:
            return fail("the README shows no banner before the walkthrough (\"It prints the curl commands below\")")
        block = self.expected_banner
        want = [l.replace(README_DATABASE, self.db) for l in block.lines if not is_gap(l)]
        got = [l for l in banner if l.strip()]
        k = 0
        for w in want:
            t = template(w)
            while k < len(got) and not t.match(got[k].strip()): k += 1
            if k == len(got):
                return fail(f"README line {block.line}: the banner has no line like {w.strip()!r} (in order); it printed:\n" + "\n".join(banner))
            k += 1
        ok(f"README line {block.line}: the first start's banner matches the README ({len(want)} lines)")

    # --- HTTP

    def http(self, method, url, headers=None, body=None):
        if not url.startswith("http://127.0.0.1:"): raise Fatal(f"refusing to contact {url}: only 127.0.0.1")
        req = urllib.request.Request(url, data=body, method=method)
        for k, v in (headers or {}).items(): req.add_header(k, v)
        try:
            with urllib.request.urlopen(req, timeout=REQUEST_TIMEOUT) as r: status, raw = r.status, r.read()
        except urllib.error.HTTPError as e: status, raw = e.code, e.read()
        except (urllib.error.URLError, socket.timeout, ConnectionError) as e:
            raise Fatal(f"{method} {url}: {e}")
        try: data = json.loads(raw) if raw else None
        except ValueError: data = raw.decode("utf-8", "replace")
        return status, data

    def api(self, method, path, body=None):
        h = {"Authorization": f"Bearer {self.env['TOKEN']}"}
        if body is not None: h["Content-Type"] = "application/json"
        return self.http(method, self.base + path, h, None if body is None else json.dumps(body).encode())

    def curl(self, argv, line):
        method, headers, data, url, i = None, {}, None, None, 1
        while i < len(argv):
            a = argv[i]
            if a in ("-s", "--silent", "-sS", "-S"): i += 1
            elif a in ("-X", "--request"): method = argv[i + 1]; i += 2
            elif a in ("-H", "--header"):
                k, _, v = argv[i + 1].partition(":"); headers[k.strip()] = v.strip(); i += 2
            elif a in ("-d", "--data", "--data-raw"): data = argv[i + 1]; i += 2
            elif a.startswith("-"): raise Fatal(f"README line {line}: curl option {a} is not understood by scripts/readme_walkthrough.py")
            else: url = a; i += 1
        if url is None: raise Fatal(f"README line {line}: curl without a URL")
        method = method or ("POST" if data is not None else "GET")
        if data is not None and "json" in headers.get("Content-Type", ""):
            try: json.loads(data)
            except ValueError as e: fail(f"README line {line}: the request body is not valid JSON ({e})")
        if not url.startswith(self.base):
            raise Fatal(f"README line {line}: the request goes to {url}, not to the walkthrough's $B ({self.base})")
        path = url[len(self.base):]
        if method == "PUT" and path.endswith("/tip"): self.wait_delivered(path[:-len("/tip")], line)
        status, answer = self.http(method, url, headers, None if data is None else data.encode())
        if path.endswith("/service_options/cart/last_mile") and status == 200:
            self.last_options = {"path": path, "body": json.loads(data), "answer": answer, "line": line}
        return {"method": method, "path": path, "status": status, "answer": answer, "line": line}

    def wait_delivered(self, order_path, line):
        start, status = time.time(), None
        while time.time() - start < 75:
            _, o = self.api("GET", order_path)
            status = o.get("status") if isinstance(o, dict) else None
            if status == "delivered": break
            time.sleep(0.5)
        check(status == "delivered", f"README line {line}: the simulated driver delivered {order_path.rsplit('/', 1)[-1]} "
              f"before the tip ({time.time() - start:.1f} s)", f"status still {status}")

    # --- running a ```sh block

    def run_block(self, block):
        self.results = []
        for c in shell_commands(block):
            text, line = c["text"], c["line"]
            expected = None
            try: expected = expected_from_comments(c["comments"])
            except ValueError as e: fail(f"README line {line}: the answer in the comment is not (abridged) JSON: {e}")
            result = self.run_command(text, line)
            if result is None: continue
            if result.get("status") is not None:
                check(200 <= result["status"] < 300, f"README line {line}: {result['method']} {result['path']} answers {result['status']}",
                      short(result["answer"]))
            if expected is not None: self.compare_answer(expected, result, line)
            elif "answer" in result: self.results.append(result)

    def compare_answer(self, expected, result, line):
        diffs = compare(expected, result["answer"])
        what = f"README line {line}: the answer to {result['method']} {result['path']} has the README's shape"
        check(not diffs, what, "\n       " + "\n       ".join(diffs[:12]))

    def run_command(self, text, line):
        m = re.fullmatch(r"(\w+)=\$\((.*)\|\s*jq -r \.(\w+)\s*\)", text, re.S)
        if m:
            result = self.curl(words(m.group(2), self.env), line)
            value = result["answer"].get(m.group(3)) if isinstance(result["answer"], dict) else None
            if not isinstance(value, str): raise Fatal(f"README line {line}: no {m.group(3)} in {short(result['answer'])}")
            self.env[m.group(1)] = value
            return result
        m = re.fullmatch(r"(\w+)=(\S+)", text)
        if m:
            if m.group(1) == "B":
                check(m.group(2) == README_BASE, f"README line {line}: $B is the default serve address {README_BASE}", m.group(2))
                self.env["B"] = self.base
            else: self.env[m.group(1)] = m.group(2)
            return None
        argv = words(text, self.env)
        if argv[:3] == ["swift", "run", "lastmile"]:
            if argv[3:4] != ["serve"]: raise Fatal(f"README line {line}: the walkthrough runs `{text}`, which this check does not know")
            self.serve(argv[4:], line)
            return None
        if argv[0] == "curl":
            if "B" not in self.env: raise Fatal(f"README line {line}: curl before $B is set")
            return self.curl(argv, line)
        if argv[0] == "scripts/callback-receiver":
            self.start_receiver(argv[1:], line)
            return None
        if argv[0] == "scripts/demo-delivery":
            started = time.time()
            try:
                p = subprocess.run([sys.executable, "scripts/demo-delivery", *argv[1:], "--url", self.base], cwd=ROOT,
                                   capture_output=True, text=True, timeout=75, env=child_env())
            except subprocess.TimeoutExpired:
                raise Fatal(f"README line {line}: scripts/demo-delivery took more than 75 s")
            check(p.returncode == 0, f"README line {line}: scripts/demo-delivery ran ({time.time() - started:.1f} s)", p.stdout + p.stderr)
            self.outputs["demo-delivery"] = p.stdout.splitlines()
            return None
        raise Fatal(f"README line {line}: the walkthrough runs `{text}`, which this check does not know; teach scripts/readme_walkthrough.py")

    def start_receiver(self, args, line):
        port = RECEIVER_PORT
        if "--port" in args: port = int(args[args.index("--port") + 1])
        check(port == RECEIVER_PORT, f"README line {line}: the receiver listens where the demo sends its callbacks (:{RECEIVER_PORT})", str(port))
        self.receiver = Proc([sys.executable, "scripts/callback-receiver", *args], os.path.join(self.work, "receiver.log"))
        self.procs.append(self.receiver)
        deadline = time.time() + 10
        while time.time() < deadline and not listening(port):
            if self.receiver.p.poll() is not None: raise Fatal(f"README line {line}: scripts/callback-receiver exited:\n" + self.tail(self.receiver))
            time.sleep(0.1)
        if not listening(port): raise Fatal(f"README line {line}: scripts/callback-receiver is not listening after 10 s")
        ok(f"README line {line}: scripts/callback-receiver {' '.join(args)} listens on :{port}")

    # --- ```json blocks

    def json_block(self, block):
        try: values = AbridgedJSON(block.text).values()
        except ValueError as e:
            return fail(f"README line {block.line}: the ```json block is not (abridged) JSON: {e}")
        if self.results:
            results, self.results = self.results, []
            if not check(len(values) == len(results), f"README line {block.line}: one JSON answer per command before it",
                         f"{len(results)} commands, {len(values)} answers"):
                return
            for v, r in zip(values, results): self.compare_answer(v, r, block.line)
            return
        m = re.search(r"Add `([^`]+)` to get ETA options", block.prose)  # the block shows the first options of that list
        if m and self.last_options:
            extra = json.loads("{" + m.group(1) + "}")
            body = dict(self.last_options["body"], **extra)
            status, answer = self.api("POST", self.last_options["path"], body)
            if not check(status == 200, f"README line {block.line}: the options request with {m.group(1)} answers 200", short(answer)):
                return
            options = answer.get("service_options", [])
            for k, v in enumerate(values):
                diffs = compare(v, options[k], f"$.service_options[{k}]") if k < len(options) else ["missing"]
                check(not diffs, f"README line {block.line}: ETA option {k + 1} has the README's shape", "\n       " + "\n       ".join(diffs[:12]))
            return
        fail(f"README line {block.line}: a ```json block with no command before it and no sentence this check knows")

    # --- sentences

    def prose_checks(self, block):
        p = block.prose
        m = re.search(r"That is (\d+) options", p)
        if m and self.last_options:
            n = len(self.last_options["answer"].get("service_options", []))
            check(n == int(m.group(1)), f"README line {block.prose_line}: \"That is {m.group(1)} options\"", f"the server listed {n}")
        for m in re.finditer(r'`"postal_code":"(\d{5})"` at `([\w-]+)` gives `400` `([^`]+)`', p):
            self.outside(m.group(1), m.group(2), m.group(3), block.prose_line)
        for m in re.finditer(r'such as `"postal_code":"(\d{5})"`, gives `([^`]+)`', p):
            self.outside(m.group(1), None, m.group(2), block.prose_line)
        m = re.search(r"`GET /health` answers `(\{[^`]*\})`", p)
        if m:
            status, answer = self.http("GET", self.base + "/health")
            check(status == 200 and answer == json.loads(m.group(1)), f"README line {block.prose_line}: GET /health answers {m.group(1)}", f"{status} {answer}")

    def outside(self, postal, store, message, line):
        if not self.last_options: return fail(f"README line {line}: no options request to vary")
        body = json.loads(json.dumps(self.last_options["body"]))
        body["address"]["postal_code"] = postal
        if store: body["location_code"] = store
        status, answer = self.api("POST", self.last_options["path"], body)
        got = answer.get("error", {}).get("message") if isinstance(answer, dict) else answer
        check(status == 400 and got == message, f"README line {line}: postal code {postal} at {body['location_code']} answers 400 {message!r}",
              f"{status} {got!r}")

    # --- plain blocks

    def text_block(self, block):
        if "demo-delivery` prints" in block.prose:
            return self.match_lines(block, self.outputs.get("demo-delivery"), "scripts/demo-delivery", every_readme_line=False)
        if "receiver prints" in block.prose:
            return self.receiver_block(block)
        fail(f"README line {block.line}: a plain block this check does not know whose output it is")

    def match_lines(self, block, got, who, every_readme_line=True):
        if got is None: return fail(f"README line {block.line}: {who} did not run")
        templates = [(l, template(l)) for l in block.lines if not is_gap(l)]
        stray = [g for g in got if g.strip() and not any(t.match(g.strip()) for _, t in templates)]
        check(not stray, f"README line {block.line}: every line {who} printed has a line like it in the README",
              "\n       " + "\n       ".join(stray[:8]))
        want = templates if every_readme_line else [templates[0], templates[-1]]
        missing = [l for l, t in want if not any(t.match(g.strip()) for g in got)]
        check(not missing, f"README line {block.line}: {who} printed " + ("every line the README shows" if every_readme_line else "the README's first and last lines"),
              "\n       " + "\n       ".join(missing) + "\n     it printed:\n       " + "\n       ".join(got))

    def receiver_block(self, block):
        if not self.receiver: return fail(f"README line {block.line}: the receiver did not run")
        demo = next((re.search(r"DEMO-\d+", l).group() for l in self.outputs.get("demo-delivery", []) if re.search(r"DEMO-\d+", l)), None)
        if not demo: return fail(f"README line {block.line}: no DEMO order to follow")
        deadline = time.time() + 15
        while time.time() < deadline:
            mine = [l for l in self.receiver.snapshot() if demo in l]
            if any("fulfillment.delivered" in l for l in mine): break
            time.sleep(0.2)
        self.match_lines(block, mine, f"the receiver (for {demo})")

    def callbacks(self, blocks):
        i = next((k for k, b in enumerate(blocks) if b.lang == "sh" and "lastmile callbacks list" in b.text), None)
        if i is None or i + 1 >= len(blocks) or blocks[i + 1].lang: return fail("README: no `lastmile callbacks list` block with its output")
        block, table = blocks[i], blocks[i + 1]
        usage = next(l for l in block.lines if "callbacks list" in l)
        full = re.sub(r"[\[\]]", " ", usage.split("#")[0]).split()[3:]
        header = table.lines[0].rstrip()
        starts = [m.start() for m in re.finditer(r"(?<!\S)\S+", header) if m.group() != "RESULT"]  # "LAST RESULT" is one column
        def aligned(l): return all(s >= len(l) or (l[s] != " " and (s == 0 or l[s - 1] == " ")) for s in starts)
        row = re.compile(r"^(\d+) +(pending|delivered|failed) +(\d+) +(fulfillment\.[a-z_]+) +(\S+/\S+) +"
                         r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ) (.*)$")
        bad_readme = [l for l in table.lines[1:] if l.strip() and not (row.match(l) and aligned(l))]
        check(not bad_readme, f"README line {table.line}: the README's example rows have the table's columns, under its header", "\n       ".join(bad_readme))
        # 1. the plain list against the README's table
        out = self.cli(["callbacks", "list"], block.line)
        if out is not None:
            lines = out.splitlines()
            check(lines[:1] == [header], f"README line {table.line}: `callbacks list` prints the README's header", repr(lines[:1]))
            bad = [l for l in lines[1:] if not row.match(l)]
            check(lines[1:] and not bad, f"README line {table.line}: its {len(lines) - 1} rows have the README's columns", "\n       ".join(bad[:5]) or "no rows")
            misaligned = [l for l in lines[1:] if row.match(l) and not aligned(l)]
            check(not misaligned, f"README line {table.line}: the rows are aligned under the header", "\n       ".join(misaligned[:3]))
            self.balanced(lines, "callbacks list", table.line)
            first = row.match(lines[1]) if len(lines) > 1 else None
            resend = next((l for l in block.lines if "callbacks resend" in l), None)
            if first and resend:
                out2 = self.cli(["callbacks", "resend", first.group(1)], block.line + 1)
                check(out2 is not None, f"README line {block.line + 1}: `callbacks resend {first.group(1)}`")
        # 2. every option of the usage line
        out = self.cli(full, block.line)
        if out is not None:
            lines = out.splitlines()[1:]
            rows = [l for l in lines if not l.startswith("    ")]
            attempts = [l for l in lines if l.startswith("    ")]
            order = full[full.index("--order") + 1] if "--order" in full else None
            check(rows and all(row.match(l) and (order is None or row.match(l).group(5).endswith("/" + order)) for l in rows),
                  f"README line {block.line}: `callbacks {' '.join(full[1:])}` lists only {order}'s callbacks", "\n       ".join(rows[:5]) or "none")
            check(attempts and all(re.match(r"^    attempt at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ: .+ in \d+ ms$", l) for l in attempts),
                  f"README line {block.line}: --attempts prints one line per attempt", "\n       ".join(attempts[:5]) or "none")
            self.balanced(lines, "callbacks list " + " ".join(full[2:]), block.line)
        # 3. every attempt, including the walkthrough's before the receiver started
        out = self.cli(["callbacks", "list", "--attempts", "--limit", "10000"], block.line)
        if out is not None:
            lines = out.splitlines()
            failed = [l for l in lines if l.startswith("    attempt") and " HTTP 200 " not in l]
            check(failed, f"README line {block.line}: the log holds failed attempts (callbacks sent before the receiver started)", "none")
            self.balanced(lines, "callbacks list --attempts", block.line)

    def balanced(self, lines, what, line):
        def ok_parens(s):
            depth = 0
            for ch in s:
                depth += {"(": 1, ")": -1}.get(ch, 0)
                if depth < 0: return False
            return depth == 0
        bad = [l for l in lines if not ok_parens(l)]
        check(not bad, f"README line {line}: `{what}` prints balanced parentheses (LAST RESULT, attempts)", "\n       ".join(bad[:3]))

    def cli(self, args, line, env=None):
        try:
            p = subprocess.run([BIN, *args, "--database", self.db] if args[0] == "callbacks" else [BIN, *args], cwd=self.work,
                               capture_output=True, text=True, timeout=20, env=child_env(env))
        except subprocess.TimeoutExpired:
            fail(f"README line {line}: `lastmile {' '.join(args)}` took more than 20 s"); return None
        if not check(p.returncode == 0, f"README line {line}: `lastmile {' '.join(args)}` exits 0", p.stderr.strip()[-500:]): return None
        return p.stdout

    def token_command(self, blocks):
        usage = next(((b, n) for b in blocks if b.lang == "sh" for n, l in enumerate(b.lines) if re.match(r"swift run lastmile token\b", l)), None)
        if not usage: return fail("README: no `swift run lastmile token` line")
        line = usage[0].line + usage[1]
        out = self.cli(["token"], line, {"LASTMILE_PORT": str(self.port)})
        if out is None: return
        argv = words(out.replace("\\\n", " ").strip(), {})
        url = next((a for a in argv if a.startswith("http")), "")
        if not check(url.startswith(self.base + "/"), f"README line {line}: `lastmile token` asks the server at LASTMILE_PORT={self.port}", url):
            return
        status = self.curl(argv, line)["status"]
        check(status == 200, f"README line {line}: the curl command `lastmile token` prints gets a token", str(status))

    def config_banner(self):
        """README: a first start with --config loads no demo and its banner says so."""
        config = os.path.join(self.work, "acme.json")
        with open(config, "w") as f:
            json.dump({"retailers": [{"id": "acme", "oauth_clients": [{"client_id": "acme", "client_secret": "acme-client-secret-1"}],
                                      "stores": [{"location_code": "ACME-1", "name": "Acme",
                                                  "address": {"address_line_1": "101 Spear St", "postal_code": "94105"},
                                                  "delivery_hours": {"default": "08:00-21:00"}}]}]}, f)
        port = free_port()
        proc = Proc([BIN, "serve", "--config", config, "--port", str(port), "--database", os.path.join(self.work, "config.sqlite")],
                    os.path.join(self.work, "config-server.log"))
        self.procs.append(proc)
        try:
            banner = "\n".join(self.wait_banner(proc, 0))
            status, _ = self.http("POST", f"http://127.0.0.1:{port}/v2/oauth/token", {"Content-Type": "application/json"},
                                  json.dumps({"client_id": "demo", "client_secret": "demo-secret", "grant_type": "client_credentials"}).encode())
            check(status == 401, "serve --config on a fresh database loads no demo retailer (its token request is refused)", str(status))
            check("demo-secret" not in banner and "No demo retailer" in banner,
                  "serve --config on a fresh database: the banner says there is no demo retailer and prints no demo credentials",
                  "\n" + banner)
        finally:
            proc.stop()

    def cleanup(self):
        for p in reversed(self.procs):
            try: p.stop()
            except Exception: pass
        subprocess.run(["rm", "-rf", self.work])

# ---------------------------------------------------------------------------------------------------------

def main():
    if not os.access(BIN, os.X_OK): raise Fatal(f"no lastmile binary at {BIN} (set LASTMILE_BIN, or run scripts/readme-walkthrough)")
    if listening(RECEIVER_PORT):
        raise Fatal(f"127.0.0.1:{RECEIVER_PORT} is in use: the demo retailer sends its callbacks there and the README starts "
                    "scripts/callback-receiver on it; stop what listens there")
    run = Run()
    def on_alarm(*_): raise Fatal(f"the walkthrough took more than {TOTAL_SECONDS} s")
    signal.signal(signal.SIGALRM, on_alarm)
    def on_term(*_): raise Fatal("terminated")
    signal.signal(signal.SIGTERM, on_term)
    signal.alarm(TOTAL_SECONDS)
    started = time.time()
    print(f"readme-walkthrough: {BIN}, database {run.db}, port {run.port}", flush=True)
    try:
        blocks = readme_blocks()
        for k, b in enumerate(blocks):
            if b.section == "The two commands" and not b.lang and "It prints the curl commands below" in b.prose:
                run.expected_banner = b
            if b.section not in ACTIVE: continue
            run.prose_checks(b)
            if b.lang == "prose": continue
            if b.lang == "sh": run.run_block(b)
            elif b.lang == "json": run.json_block(b)
            elif not b.lang: run.text_block(b)
        run.callbacks(blocks)
        run.token_command(blocks)
        if run.receiver:
            lines = [l for l in run.receiver.snapshot() if l.strip()]
            unsigned = [l for l in lines if not re.search(r" signature ok( \(duplicate\))?$", l)]
            check(lines and not unsigned, f"the receiver started as the README says verified every callback's signature ({len(lines)} received)",
                  "\n       " + "\n       ".join(unsigned[:5]))
        run.config_banner()
    except Fatal as e:
        fail(str(e))
    except Exception as e:  # a bug here, or a README this check cannot read
        import traceback; traceback.print_exc()
        fail(f"{type(e).__name__}: {e}")
    finally:
        signal.alarm(0)
        if failures and run.server:
            print("--- server log (last lines) ---\n" + run.tail(run.server), flush=True)
        run.cleanup()
    print(f"readme-walkthrough: {'FAILED (' + str(len(failures)) + ')' if failures else 'passed'} in {time.time() - started:.0f} s", flush=True)
    return 1 if failures else 0

if __name__ == "__main__":
    try: sys.exit(main())
    except Fatal as e:
        print(f"FAIL {e}", flush=True); sys.exit(1)
