"""Drives the operator console in a real headless Chromium (Selenium) against a development server on
127.0.0.1 (issue 13): signs in as the demo operator, sees the capacity grid, books an order through the API
and sees it appear on the open network view without a reload (within 2 s), opens the order page, closes a
window and checks checkout no longer lists it, opens the store day view, runs the axe accessibility checker
for missing labels and names on every page, checks the network view at phone width, and takes screenshots.
   console_browser_check.py BINARY [--screenshots DIR]"""
import argparse, datetime, importlib.util, json, os, subprocess, sys, tempfile, time, urllib.parse

from bench_common import call, free_port
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

# axe-core (the accessibility checker) as the axe-playwright-python wheel ships it; only its script is used.
AXE_SOURCE = open(os.path.join(importlib.util.find_spec("axe_playwright_python").submodule_search_locations[0], "axe.min.js")).read()

ap = argparse.ArgumentParser()
ap.add_argument("binary")
ap.add_argument("--screenshots", default=None)
args = ap.parse_args()

# A weekday morning in San Francisco: every demo store is open and has drivers on shift.
NOW = "2026-12-03T18:40:00Z"
work = tempfile.mkdtemp()
port = free_port()
base = f"http://127.0.0.1:{port}"
log = open(os.path.join(work, "server.log"), "w")
server = subprocess.Popen([args.binary, "serve", "--port", str(port), "--database", os.path.join(work, "db.sqlite"), "--now", NOW,
                           "--rate-limit", "10000", "--log-level", "warning"], stdout=log, stderr=subprocess.STDOUT)
failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what, flush=True)
    if not ok: failures.append(what)


def wait_for(predicate, seconds, step=0.05):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            value = predicate()
            if value: return value
        except Exception:
            pass
        time.sleep(step)
    return None


driver = None
try:
    check(wait_for(lambda: call(port, "GET", "/health", timeout=2)[0] == 200, 30) is not None, "server started")
    _, tok = call(port, "POST", "/v2/oauth/token", {"client_id": "demo", "client_secret": "demo-secret", "grant_type": "client_credentials"})
    token = tok["access_token"]
    now = datetime.datetime.fromisoformat(NOW.replace("Z", "+00:00"))
    first = now.replace(minute=0, second=0) + datetime.timedelta(hours=1)
    streets = [("500 Howard St", "94105"), ("600 Folsom St", "94107"), ("1 Dr Carlton B Goodlett Pl", "94102"), ("2200 Mission St", "94110"),
               ("501 Stanyan St", "94117"), ("1600 Holloway Ave", "94132"), ("3251 20th Ave", "94132"), ("Pier 39", "94133")]

    def book(order_id, i):
        start = first + datetime.timedelta(hours=i % 4)
        street, postal = streets[i % len(streets)]
        return call(port, "POST", "/v2/fulfillment/lastmile/orders", {
            "order_id": order_id, "location_code": "SF-001", "start_at": start.isoformat(), "end_at": (start + datetime.timedelta(hours=2)).isoformat(),
            "fallback_to_soonest_sameday": True, "first_name": "Ada", "last_name": f"Customer {i}", "user_phone": "+14155550100",
            "items_count": 5, "items_weight": 4.0, "address": {"address_line_1": street, "postal_code": postal, "city": "San Francisco", "state": "CA"}}, token)

    for i in range(7):
        status, body = book(f"SEED-{i + 1}", i)
        check(status == 200, f"seed order SEED-{i + 1} booked ({status} {body if status != 200 else ''})")
    # Two staged orders: the simulated drivers accept them, so the day view has accepted trips too.
    for oid in ["SEED-1", "SEED-2"]:
        call(port, "POST", f"/v2/fulfillment/lastmile/orders/{oid}/staged", {"bags_count": 2}, token)

    options = Options()
    for a in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1280,1000",
              "--no-proxy-server", "--disable-background-networking", "--disable-component-update", "--disable-sync"]:
        options.add_argument(a)
    chromium = next((p for p in ["/usr/bin/chromium", "/usr/bin/chromium-browser"] if os.path.exists(p)), None)
    if chromium: options.binary_location = chromium
    service = Service(next((p for p in ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"] if os.path.exists(p)), "chromedriver"))
    driver = webdriver.Chrome(service=service, options=options)
    driver.set_page_load_timeout(30)
    driver.set_script_timeout(30)
    label_rules = ["label", "button-name", "select-name", "input-button-name", "link-name", "svg-img-alt", "aria-input-field-name",
                   "document-title", "html-has-lang"]

    def accessible(page):
        driver.execute_script(AXE_SOURCE)
        result = driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "axe.run(document, {runOnly: {type: 'rule', values: arguments[0]}}).then(done).catch(e => done({error: String(e)}));",
            label_rules)
        if "error" in result:
            check(False, f"axe ran on {page}: {result['error']}")
            return
        problems = [f"{v['id']}: {n['target']}" for v in result["violations"] for n in v["nodes"]]
        check(not problems, f"axe finds no missing label or name on {page}" + (f": {problems[:5]}" if problems else ""))

    def shot(name):
        if args.screenshots:
            os.makedirs(args.screenshots, exist_ok=True)
            driver.save_screenshot(os.path.join(args.screenshots, name))

    # Sign in: /console sends an anonymous browser to the form.
    driver.get(base + "/console")
    check(driver.current_url.endswith("/console/sign-in"), "an anonymous visit goes to the sign-in form")
    accessible("the sign-in form")
    driver.find_element(By.ID, "operator").send_keys("demo")
    driver.find_element(By.ID, "password").send_keys("demo-console-password")
    driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    check(wait_for(lambda: driver.find_element(By.TAG_NAME, "h1").text == "Network", 10) is not None, "signed in: the network view opens")
    cells = driver.find_elements(By.CSS_SELECTOR, "#store-demo-SF-001 li.cell")
    check(len(cells) > 0, f"the capacity grid shows SF-001's windows ({len(cells)})")
    accessible("the network view")

    # Live: an order booked through the API appears without a reload.
    count = lambda: int(driver.find_element(By.CSS_SELECTOR, "#store-demo-SF-001 [data-testid=active-orders]").text)
    before = count()
    wait_for(lambda: driver.find_element(By.ID, "live-state").text == "live", 5)
    time.sleep(1.2)  # the stream has read its first change marks
    driver.execute_script("window.__notReloaded = true")
    booked_at = time.monotonic()
    status, _ = book("LIVE-1", 8)
    check(status == 200, "LIVE-1 booked through the API")
    seen = wait_for(lambda: count() == before + 1, 5, step=0.02)
    elapsed = time.monotonic() - booked_at
    check(seen is not None and elapsed <= 2.0, f"LIVE-1 appeared on the open network view in {elapsed:.2f} s (limit 2 s)")
    check(driver.execute_script("return window.__notReloaded === true"), "the page was not reloaded")
    driver.set_window_size(1280, 1500)
    shot("console-network.png")
    driver.set_window_size(1280, 1000)

    # The order page.
    driver.get(base + "/console/orders?order_id=LIVE-1")
    driver.find_element(By.LINK_TEXT, "LIVE-1").click()
    check(wait_for(lambda: driver.find_element(By.CSS_SELECTOR, "[data-testid=order-status]").text == "brand_new", 5) is not None,
          "the order page shows LIVE-1 as brand_new")
    check("fulfillment.brand_new" in driver.page_source, "the order page lists its status history")
    accessible("the order page")
    driver.get(base + "/console/orders")
    accessible("the orders list")

    # Close a window: it leaves checkout's listing.
    driver.get(base + "/console")
    cell = driver.find_elements(By.CSS_SELECTOR, "#store-demo-SF-001 li.cell:not(.fill-closed)")[1]
    start = cell.get_attribute("data-window")
    cell.find_element(By.CSS_SELECTOR, "button[value=close]").click()
    check(wait_for(lambda: "Window closed" in driver.page_source, 5) is not None, "closing a window says so")
    closed = driver.find_element(By.CSS_SELECTOR, f"#store-demo-SF-001 li.cell[data-window='{start}']")
    check("fill-closed" in closed.get_attribute("class"), f"the {start} window shows closed")
    call(port, "POST", "/v2/fulfillment/users", {"user_id": "browser-check", "first_name": "Ada"}, token)
    status, listing = call(port, "POST", "/v2/fulfillment/users/browser-check/service_options/cart/last_mile", {
        "address": {"address_line_1": "500 Howard St", "postal_code": "94105"}, "location_code": "SF-001", "cart_total_cents": 100, "items_count": 1}, token)
    starts = [o["window"].get("start_at") for o in listing.get("service_options", [])]
    listed = [datetime.datetime.fromisoformat(s.replace("Z", "+00:00")) for s in starts if s]
    closed_at = datetime.datetime.fromisoformat(start.replace("Z", "+00:00"))
    check(status == 200 and listed and closed_at not in listed, "checkout no longer lists the closed window")
    shot("console-network-closed.png")

    # The store day view: timelines and the map.
    driver.get(base + "/console/stores/demo/SF-001")
    svgs = driver.find_elements(By.CSS_SELECTOR, "main svg")
    check(len(svgs) == 2, "the store day view draws a timeline and a map")
    check("LIVE-1" in driver.page_source, "the day's orders include LIVE-1")
    accessible("the store day view")
    driver.set_window_size(1280, 1500)
    shot("console-store-day.png")
    driver.set_window_size(1280, 1000)
    driver.get(base + "/console/audit")
    accessible("the audit log")

    # Phone width: nothing wider than the screen.
    driver.set_window_size(390, 844)
    driver.get(base + "/console")
    overflow = driver.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
    check(overflow <= 1, f"the network view fits a 390 px wide phone (overflow {overflow} px)")
    shot("console-network-phone.png")
finally:
    if driver: driver.quit()
    server.terminate()
    try: server.wait(10)
    except subprocess.TimeoutExpired: server.kill()
    log.close()
    if failures:
        print(open(os.path.join(work, "server.log")).read()[-3000:])

print(f"console browser check: {'FAILED ' + str(len(failures)) if failures else 'all passed'}")
sys.exit(1 if failures else 0)
