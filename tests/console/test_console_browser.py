#!/usr/bin/python3
"""The web console in a real browser (docs/console.md): headless chromium,
driven by selenium, on loopback, against a server with its own port and
folder, every wait bounded, everything it starts stopped by PID.

  test_console_browser.py --server ledgerd --ledgerd PATH --ledgerctl PATH
                          --out DIR
      against `ledgerd --http` itself: what runs once ledgerd serves the
      JSON API of docs/contract.md section 14 and the console. Exits 77
      (ctest: skipped) when the ledgerd given has no --http yet.
  test_console_browser.py --server fixture --ledgerctl PATH --files DIR
                          --out DIR
      against ledgerctl_api_fixture.py, which answers the same paths by
      running ledgerctl on a real ledger: the pages checked on their own.

Screenshots go to DIR/screenshots. Each test seeds its own customers
through POST /v1/commands, so the tests do not depend on their order.
"""
import argparse
import datetime
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.request

from selenium import webdriver
from selenium.common.exceptions import (StaleElementReferenceException,
                                        TimeoutException)
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

HERE = os.path.dirname(os.path.abspath(__file__))
# The service tests' reader of ledgerd's first lines (a script of its own,
# this test has no PYTHONPATH from ctest).
sys.path.insert(0, os.path.join(HERE, "..", "service"))
from startup_lines import http_address, read_lines  # noqa: E402
SKIPPED = 77
STARTUP_SECONDS = 30
WAIT_SECONDS = 15
TOKENS = {"admin": "console-test-admin-token",
          "writer": "console-test-writer-token",
          "reader": "console-test-reader-token"}
ARGS = None

# Times of the seeded commands: a little in the past, so that the
# commands the console sends without `at` (stamped now) come after them.
T0 = (datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
      - datetime.timedelta(days=2))


def at(minutes=0, days=0):
    t = T0 + datetime.timedelta(minutes=minutes, days=days)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


ZERO_DECIMALS = {"BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW",
                 "PYG", "RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF"}
THREE_DECIMALS = {"BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"}


def money(amount_minor, currency):
    """Money as ledgerctl's statements write it (FormatMoney)."""
    if currency in ZERO_DECIMALS:
        return f"{amount_minor} {currency}"
    exponent = 3 if currency in THREE_DECIMALS else 2
    scale = 10 ** exponent
    sign = "-" if amount_minor < 0 else ""
    m = abs(amount_minor)
    return f"{sign}{m // scale}.{m % scale:0{exponent}d} {currency}"


class Server:
    """ledgerd --http, or the ledgerctl fixture, in a folder of its own."""

    def __init__(self, folder):
        self.folder = folder
        self.db = os.path.join(folder, "db")
        tokens = os.path.join(folder, "tokens")
        with open(tokens, "w") as f:
            for role, token in TOKENS.items():
                digest = hashlib.sha256(token.encode()).hexdigest()
                f.write(f"{role} {digest} console-{role}\n")
        self.stderr_path = os.path.join(folder, "server.stderr")
        self._stderr = open(self.stderr_path, "wb")
        if ARGS.server == "ledgerd":
            args = [ARGS.ledgerd, "--db", self.db, "--listen", "127.0.0.1:0",
                    "--http", "127.0.0.1:0", "--tokens", tokens]
        else:
            args = [sys.executable,
                    os.path.join(HERE, "ledgerctl_api_fixture.py"),
                    "--ledgerctl", ARGS.ledgerctl, "--db", self.db,
                    "--files", ARGS.files, "--tokens", tokens]
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE,
                                     stderr=self._stderr)
        # ledgerd's first line names its gRPC address and its second the
        # HTTP one; the fixture's only line, its address. Either way the
        # ledger is open.
        lines = read_lines(self.proc, 2 if ARGS.server == "ledgerd" else 1,
                           STARTUP_SECONDS)
        if not lines or "listening on " not in lines[0]:
            self.stop()
            raise AssertionError(f"the server did not say it listens "
                                 f"({lines!r}); stderr: {self.stderr()}")
        if ARGS.server == "ledgerd":
            address = http_address(lines)
            if address is None:
                self.stop()
                raise AssertionError(f"ledgerd did not say where it serves "
                                     f"HTTP ({lines!r}); stderr: {self.stderr()}")
            self.base = "http://" + address
        else:
            self.base = "http://" + lines[0].split("listening on ", 1)[1]
        self._wait_until_serving()

    def _wait_until_serving(self):
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.base + "/console/",
                                            timeout=5) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                time.sleep(0.1)
        self.stop()
        raise AssertionError(f"{self.base}/console/ never answered; stderr: "
                             f"{self.stderr()}")

    def stderr(self):
        with open(self.stderr_path, "rb") as f:
            return f.read().decode(errors="replace")

    def stop(self):
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        self._stderr.close()

    def request(self, method, path, body=None, token=TOKENS["admin"]):
        """(status, parsed body) of one API call."""
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data,
                                     method=method)
        if token:
            req.add_header("Authorization", f"Bearer {token}")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"null")

    def submit(self, commands):
        status, results = self.request("POST", "/v1/commands", commands)
        assert status == 200, (status, results)
        for c, r in zip(commands, results):
            assert r["status"] == "ACCEPTED", (c, r)
        return results


def ledgerctl(*args):
    """What ledgerctl prints, read beside the live server."""
    done = subprocess.run([ARGS.ledgerctl, *args], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def start_browser(folder):
    options = webdriver.ChromeOptions()
    options.binary_location = ARGS.chromium
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu",
              "--disable-dev-shm-usage", "--window-size=1280,900",
              f"--user-data-dir={os.path.join(folder, 'chromium')}",
              "--no-first-run", "--disable-extensions"):
        options.add_argument(a)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service(executable_path=ARGS.chromedriver,
                      log_path=os.path.join(folder, "chromedriver.log"))
    driver = webdriver.Chrome(service=service, options=options)
    driver.set_page_load_timeout(30)
    driver.set_script_timeout(WAIT_SECONDS)
    return driver, service


class ConsoleInABrowser(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.folder = tempfile.mkdtemp(prefix="console-test-")
        cls.shots = os.path.join(ARGS.out, "screenshots")
        os.makedirs(cls.shots, exist_ok=True)
        cls.server = Server(cls.folder)
        # What this server does not route yet: the tests that need it are
        # skipped here, and the fixture run (which then does not skip)
        # covers them.
        cls.missing = missing_paths(cls.server.base)
        try:
            cls.driver, cls.service = start_browser(cls.folder)
        except Exception:
            cls.server.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        try:
            cls.driver.quit()
        finally:
            proc = getattr(cls.service, "process", None)
            if proc is not None and proc.poll() is None:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
            cls.server.stop()
            shutil.rmtree(cls.folder, ignore_errors=True)

    def tearDown(self):
        # A script error anywhere fails the test that caused it. Network
        # errors (the 401 and 403 answers the tests provoke) are not
        # script errors.
        errors = [e for e in self.driver.get_log("browser")
                  if e["level"] == "SEVERE" and e.get("source") != "network"]
        self.assertEqual(errors, [], "the console logged errors")

    # ----- helpers -----
    def need(self, path):
        if path in self.missing:
            self.skipTest(f"this server does not route {path} yet")

    def open(self, hash_route):
        self.driver.get(f"{self.server.base}/console/{hash_route}")

    def wait(self, condition, what):
        # The pages re-render a table whole when an answer arrives, so an
        # element a condition found may be gone before it reads it: that is
        # asked again at the next poll, not an error.
        try:
            return WebDriverWait(
                self.driver, WAIT_SECONDS,
                ignored_exceptions=(StaleElementReferenceException,)
            ).until(condition)
        except TimeoutException:
            self.fail(f"waited {WAIT_SECONDS}s for {what}; page says: "
                      f"{self.driver.find_element(By.TAG_NAME, 'body').text!r}")

    def wait_for(self, css):
        return self.wait(EC.presence_of_element_located((By.CSS_SELECTOR, css)),
                         css)

    def wait_text(self, css, text):
        self.wait(EC.text_to_be_present_in_element((By.CSS_SELECTOR, css), text),
                  f"{text!r} in {css}")
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def log_in(self, role):
        self.open("#/login")
        box = self.wait_for("#token")
        box.clear()
        box.send_keys(TOKENS[role])
        self.driver.find_element(By.ID, "login-button").click()
        # Logged in once the console has moved on to its first page.
        self.wait(EC.url_contains("#/customers"), "the customers page")
        self.wait_for("#customer-results")
        self.wait_text("#role", f"role: {'reader' if role == 'reader' else ''}")

    def figure(self, name):
        return self.wait_for(f'[data-figure="{name}"]').text

    def shot(self, name):
        self.driver.save_screenshot(os.path.join(self.shots, f"{name}.png"))

    def rows(self, table_id):
        return [[td.text for td in tr.find_elements(By.TAG_NAME, "td")]
                for tr in self.driver.find_elements(
                    By.CSS_SELECTOR, f"#{table_id} > tbody > tr")]

    def balance(self, customer):
        return json.loads(ledgerctl("balance", "--db", self.server.db,
                                    "--customer", customer))

    # ----- tests -----
    def test_the_server_sends_every_file_with_its_type_and_a_strict_policy(self):
        kinds = {".html": "text/html", ".css": "text/css",
                 ".js": "text/javascript"}
        for name in sorted(os.listdir(ARGS.files)):
            with open(os.path.join(ARGS.files, name), "rb") as f:
                want = f.read()
            for path in (["/console/", "/console/index.html"]
                         if name == "index.html" else [f"/console/{name}"]):
                with urllib.request.urlopen(self.server.base + path,
                                            timeout=30) as r:
                    self.assertEqual(r.read(), want, path)
                    self.assertTrue(r.headers["Content-Type"].startswith(
                        kinds[os.path.splitext(name)[1]]), path)
                    policy = r.headers.get("Content-Security-Policy", "")
                    self.assertIn("default-src 'self'", policy, path)
        with self.assertRaises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(self.server.base + "/console/nope.js",
                                   timeout=30)
        self.assertEqual(missing.exception.code, 404)

    def test_a_missing_or_wrong_token_shows_a_clear_message(self):
        self.open("#/login")
        self.wait_for("#token")
        self.open("#/refunds")
        self.wait_text("#login-status", "No token yet")
        self.shot("login")
        self.driver.find_element(By.ID, "login-button").click()
        self.wait_text("#login-status", "No token was typed")
        self.driver.find_element(By.ID, "token").send_keys("not-a-token")
        self.driver.find_element(By.ID, "login-button").click()
        self.wait_text("#login-status", "refused this token")
        self.shot("login-wrong-token")

    def test_finding_a_customer_pages_through_ids_from_a_prefix(self):
        self.server.submit([
            {"key": f"find-{i}", "customer": f"find-{i:02d}", "at": at(i),
             "purchase": {"purchase_id": "p", "credits": 100 + i,
                          "amount_minor": 100, "currency": "USD"}}
            for i in range(30)])
        self.log_in("reader")
        self.open("#/customers")
        box = self.wait_for("#prefix")
        box.send_keys("find-")
        self.driver.find_element(By.CSS_SELECTOR, "#find-form button").click()
        self.wait_text("#customer-table", "find-00")
        first = self.rows("customer-table")
        self.assertEqual([r[0] for r in first],
                         [f"find-{i:02d}" for i in range(25)])
        self.assertEqual(first[3][1:3], ["ACTIVE", "103"])
        self.shot("customers")
        self.driver.find_element(By.ID, "next-page").click()
        self.wait_text("#customer-table", "find-29")
        self.assertEqual([r[0] for r in self.rows("customer-table")],
                         [f"find-{i:02d}" for i in range(25, 30)])
        self.assertEqual(self.driver.find_elements(By.ID, "next-page"), [])
        self.open("#/customers?prefix=find-1")
        self.wait_text("#customer-table", "find-10")
        self.assertEqual([r[0] for r in self.rows("customer-table")],
                         [f"find-{i}" for i in range(10, 20)])

    def test_the_customer_page_shows_the_balance_as_ledgerctl_prints_it(self):
        self.server.submit([
            {"key": "bal-1", "customer": "bal-1", "at": at(0),
             "purchase": {"purchase_id": "p1", "credits": 1000,
                          "amount_minor": 1999, "currency": "USD",
                          "expires_at": at(days=90)}},
            {"key": "bal-2", "customer": "bal-1", "at": at(1),
             "grant": {"grant_id": "g1", "credits": 200, "reason": "welcome",
                       "expires_at": at(days=30),
                       "applies_to": ["AI_PROCESSING"], "priority": 10}},
            {"key": "bal-3", "customer": "bal-1", "at": at(2),
             "use": {"usage_id": "u1", "category": "AI_PROCESSING",
                     "credits": 60}},
            {"key": "bal-4", "customer": "bal-1", "at": at(3),
             "hold": {"hold_id": "h1", "credits": 30, "expires_at": at(days=5)}},
            {"key": "bal-5", "customer": "bal-1", "at": at(4),
             "set_alerts": {"thresholds": [{"code": "low", "credits": 1200},
                                           {"code": "empty", "credits": 0}]}},
            {"key": "bal-6", "customer": "bal-1", "at": at(5),
             "set_auto_top_up": {"below": 100, "target": 1000}},
        ])
        # Refused (more than the lots hold): changes no figure, and is
        # listed under "Refused commands".
        status, refused = self.server.request("POST", "/v1/commands", {
            "key": "bal-7", "customer": "bal-1", "at": at(6),
            "use": {"usage_id": "u2", "category": "AI_PROCESSING",
                    "credits": 999999}})
        self.assertEqual((status, refused["code"]), (200, "INSUFFICIENT_CREDITS"))
        self.log_in("reader")
        self.open("#/customer/bal-1")
        self.wait_for("#lots-table")
        want = self.balance("bal-1")
        self.assertEqual(self.figure("status"), want["status"])
        for name in ("available", "held", "refund_pending"):
            self.assertEqual(self.figure(name), str(want[name]), name)
        self.assertEqual(self.figure("refundable-credits"),
                         str(want["refundable"]["credits"]))
        self.assertEqual(self.figure("refundable-cash"), ", ".join(
            money(c["amount_minor"], c["currency"])
            for c in want["refundable"]["cash"]))
        lots = self.rows("lots-table")
        self.assertEqual([r[0] for r in lots], [l["lot_id"] for l in want["lots"]])
        self.assertEqual(lots[0][6], "AI_PROCESSING")
        self.assertEqual(lots[0][7], "10")
        self.assertEqual(lots[1][6], "every category")
        alerts = self.rows("alerts-table")
        self.assertEqual(alerts[0], ["low", "1200", "IN ALERT"])
        self.assertEqual(self.figure("top-up-target"), "1000")
        # The promotion's 140 expire within 30 days; the purchase's 940, in
        # 90, are past the horizon ledgerctl's `expiring` shows.
        chart_text = self.wait_for("#expiring svg").text
        self.assertEqual([str(e["credits"]) for e in want["expiring"]], ["140"])
        self.assertIn("140", chart_text)
        self.assertNotIn("940", chart_text)
        self.shot("customer")
        self.check_refused_commands("bal-1")
        self.driver.set_window_size(390, 844)
        try:
            self.driver.refresh()
            self.wait_for("#lots-table")
            self.shot("customer-phone")
        finally:
            self.driver.set_window_size(1280, 900)

    def check_refused_commands(self, customer):
        """The customer page's refused commands are what `ledgerctl
        rejections --customer` lists."""
        if "/v1/customers/nobody/rejections" in self.missing:
            return  # a server that does not route the journal's path
        self.wait_for("#refusals-table")
        want = json.loads(ledgerctl("rejections", "--db", self.server.db,
                                    "--customer", customer, "--format",
                                    "json"))["rejections"]
        self.assertEqual(len(want), 1, want)
        self.assertEqual(want[0]["code"], "INSUFFICIENT_CREDITS")
        self.assertEqual(self.rows("refusals-table"), [
            [r["recorded_at"], r["kind"] or "-", r["code"], r["message"],
             r["actor"] or "-"] for r in want])
        self.wait_for("#end-of-refusals")
        section = self.wait_for("#refusals")
        self.driver.execute_script("arguments[0].scrollIntoView();", section)
        section.screenshot(os.path.join(self.shots, "customer-refusals.png"))

    def test_a_customer_with_no_refused_command_says_so(self):
        self.need("/v1/customers/nobody/rejections")
        self.server.submit([
            {"key": "calm-1", "customer": "calm-1", "at": at(0),
             "purchase": {"purchase_id": "p1", "credits": 10,
                          "amount_minor": 100, "currency": "USD"}}])
        self.log_in("reader")
        self.open("#/customer/calm-1")
        self.wait_text("#refusals-body",
                       "No refused commands are recorded for this customer.")

    def test_credits_beyond_what_a_javascript_number_holds_are_exact(self):
        # 10 x 999999999999999 + 7 = 9999999999999997: past 2^53, odd, so a
        # double would print 9999999999999996 or ...98.
        self.server.submit(
            [{"key": f"big-{i}", "customer": "big-1", "at": at(i),
              "purchase": {"purchase_id": f"p{i}", "credits": 999999999999999,
                           "amount_minor": 1, "currency": "JPY"}}
             for i in range(10)] +
            [{"key": "big-10", "customer": "big-1", "at": at(10),
              "purchase": {"purchase_id": "p10", "credits": 7,
                           "amount_minor": 1, "currency": "JPY"}}])
        self.log_in("reader")
        self.open("#/customer/big-1")
        self.wait_for("#lots-table")
        self.assertEqual(self.figure("available"), "9999999999999997")
        self.assertEqual(self.balance("big-1")["available"], 9999999999999997)

    def test_the_history_pages_with_next_from_seq_and_shows_postings(self):
        self.need("/v1/customers/nobody/events")
        self.server.submit(
            [{"key": "hist-0", "customer": "hist-1", "at": at(0),
              "purchase": {"purchase_id": "p1", "credits": 1000,
                           "amount_minor": 1000, "currency": "USD"}}] +
            [{"key": f"hist-{i}", "customer": "hist-1", "at": at(i),
              "use": {"usage_id": f"u{i}", "category": "AUTOMATED_CALL",
                      "credits": i}} for i in range(1, 25)])
        self.log_in("reader")
        self.open("#/history/hist-1")
        self.wait_for("#events-table")
        page1 = self.rows("events-table")
        self.assertEqual(len(page1), 20)
        self.assertIn("purchase", page1[0][2])
        self.assertIn("CUSTOMER_LOTS", page1[0][4])
        self.assertIn("1000", page1[0][4])
        self.shot("history")
        self.driver.find_element(By.ID, "next-page").click()
        self.wait_for("#end-of-history")
        page2 = self.rows("events-table")
        self.assertEqual(len(page2), 5)
        self.assertIn("usage_id: u24", page2[-1][3])
        seqs = [int(r[0]) for r in page1 + page2]
        self.assertEqual(seqs, sorted(seqs))
        self.assertEqual(len(set(seqs)), 25)

    def pending_refund(self, customer, credits, amount, currency, use=0):
        commands = [{"key": f"{customer}-buy", "customer": customer,
                     "at": at(0), "purchase": {
                         "purchase_id": "p1", "credits": credits,
                         "amount_minor": amount, "currency": currency}}]
        if use:
            commands.append({"key": f"{customer}-use", "customer": customer,
                             "at": at(1), "use": {
                                 "usage_id": "u1", "category": "AI_PROCESSING",
                                 "credits": use}})
        commands.append({"key": f"{customer}-ask", "customer": customer,
                         "at": at(2), "request_refund": {
                             "refund_id": "r1", "purchase_id": "p1"}})
        self.server.submit(commands)

    def refund_row(self, customer):
        self.wait_for("#refunds-table")
        for tr in self.driver.find_elements(By.CSS_SELECTOR,
                                            "#refunds-table > tbody > tr"):
            if tr.find_elements(By.TAG_NAME, "td")[0].text == customer:
                return tr
        return None

    def refund_states(self):
        rows = json.loads(ledgerctl("refunds", "--db", self.server.db,
                                    "--format", "json"))["refunds"]
        return {r["customer"]: r["state"] for r in rows}

    def test_approving_and_denying_refunds_changes_the_balances(self):
        self.pending_refund("ref-a", 500, 999, "EUR")
        self.pending_refund("ref-b", 300, 1000, "USD", use=100)
        self.log_in("writer")
        self.open("#/customer/ref-a")
        self.wait_for("#lots-table")
        self.assertEqual(self.figure("refund_pending"), "500")
        self.open("#/refunds")
        row_a = self.refund_row("ref-a")
        cells = [td.text for td in row_a.find_elements(By.TAG_NAME, "td")]
        self.assertEqual(cells[3], "500")
        self.assertEqual(cells[4], "9.99 EUR")
        self.assertEqual(cells[5], at(2))
        row_b = self.refund_row("ref-b")
        cells = [td.text for td in row_b.find_elements(By.TAG_NAME, "td")]
        self.assertEqual(cells[3], "200")
        self.assertEqual(cells[4], "6.66 USD")  # floor(1000 * 200 / 300)
        self.assertEqual(cells[6], at(days=7))  # granted_at + 168 h
        self.shot("refunds")
        row_a.find_element(By.CSS_SELECTOR, "button.approve").click()
        self.refund_row("ref-a").find_element(
            By.CSS_SELECTOR, "button.confirm-approve").click()
        self.wait_text("#refund-status", "Approved refund r1 of ref-a")
        self.wait(lambda d: self.refund_row("ref-a") is None,
                  "ref-a to leave the queue")
        self.refund_row("ref-b").find_element(By.CSS_SELECTOR,
                                              "button.deny").click()
        row_b = self.refund_row("ref-b")
        row_b.find_element(By.CSS_SELECTOR, "input.deny-reason").send_keys(
            "bought <b>by mistake</b>? no")
        row_b.find_element(By.CSS_SELECTOR, "button.confirm-deny").click()
        self.wait_text("#refund-status", "Denied refund r1 of ref-b")
        states = self.refund_states()
        self.assertEqual((states["ref-a"], states["ref-b"]),
                         ("APPROVED", "DENIED"))
        self.open("#/customer/ref-a")
        self.wait_for("#lots-table")
        self.assertEqual(self.figure("refund_pending"), "0")
        self.assertEqual(self.figure("available"), "0")
        self.open("#/customer/ref-b")
        self.wait_for("#lots-table")
        self.assertEqual(self.figure("refund_pending"), "0")
        self.assertEqual(self.figure("available"), "200")

    def test_the_liability_report_shows_the_period_with_a_chart(self):
        self.server.submit([
            {"key": "liab-1", "customer": "liab-1", "at": at(0),
             "purchase": {"purchase_id": "p1", "credits": 700,
                          "amount_minor": 7000, "currency": "GBP"}},
            {"key": "liab-2", "customer": "liab-1", "at": at(1),
             "use": {"usage_id": "u1", "category": "TELEPHONY_USAGE",
                     "credits": 70}}])
        start = T0.strftime("%Y-%m-%d")
        end = (T0 + datetime.timedelta(days=4)).strftime("%Y-%m-%d")
        self.log_in("reader")
        self.open(f"#/liability?from={start}&to={end}")
        self.wait_for("#liability-table")
        want = json.loads(ledgerctl(
            "liability", "--db", self.server.db, "--from", start, "--to", end,
            "--format", "json"))
        rows = self.rows("liability-table")
        columns = ["opening", "granted", "used", "expired", "forfeited",
                   "voided", "refunded", "charged_back", "closing",
                   "refund_rounding"]
        self.assertEqual(len(rows), len(want["units"]))
        for row, unit in zip(rows, want["units"]):
            self.assertEqual(row[0], unit["unit"])
            self.assertEqual(row[1:11], [str(unit[c]) for c in columns])
            self.assertEqual(row[11], "adds up")
        gbp = next(r for r in rows if r[0] == "GBP")
        self.assertEqual(gbp[2:4], ["7000", "700"])
        self.assertTrue(self.driver.find_elements(
            By.CSS_SELECTOR, "#liability-chart svg rect"))
        self.shot("liability")
        self.wait_for("#liability-chart svg").screenshot(
            os.path.join(self.shots, "liability-chart.png"))

    def test_a_reader_sees_no_approve_button_and_a_forged_command_is_refused(self):
        self.pending_refund("rd-1", 100, 100, "USD")
        self.log_in("reader")
        self.assertEqual(self.driver.find_element(By.ID, "role").text,
                         "role: reader")
        self.open("#/refunds")
        row = self.refund_row("rd-1")
        self.assertIsNotNone(row)
        self.assertEqual(self.driver.find_elements(By.CSS_SELECTOR,
                                                   "button.approve"), [])
        self.assertEqual(self.driver.find_elements(By.CSS_SELECTOR,
                                                   "button.deny"), [])
        self.shot("refunds-reader")
        status = self.driver.execute_async_script("""
            const done = arguments[arguments.length - 1];
            fetch('/v1/commands', {method: 'POST', headers: {
                'Authorization': 'Bearer ' + sessionStorage.getItem('ledger-console.token'),
                'Content-Type': 'application/json'},
              body: JSON.stringify({key: 'forged-1', customer: 'rd-1',
                                    approve_refund: {refund_id: 'r1'}})})
              .then(r => done(r.status), e => done(String(e)));""")
        self.assertEqual(status, 403)
        self.assertEqual(self.refund_states()["rd-1"], "PENDING")

    def test_hostile_text_is_shown_as_text_and_never_runs(self):
        self.need("/v1/customers/nobody/events")
        hostile = "<img src=x onerror=\"window.__pwned=1\">'\""
        script = "<script>window.__pwned=2</script>"
        self.server.submit([
            {"key": "hostile-1", "customer": "hostile-1", "at": at(0),
             "metadata": {"note": hostile},
             "grant": {"grant_id": "g1", "credits": 5, "reason": script}}])
        self.log_in("reader")
        self.open("#/history/hostile-1")
        self.wait_for("#events-table")
        text = self.driver.find_element(By.ID, "events-table").text
        self.assertIn(hostile, text)
        self.assertIn(script, text)
        self.shot("hostile-history")
        evil_id = "<script>window.__pwned=3</script>\"'"
        self.open("#/customer/" + urllib.request.quote(evil_id, safe=""))
        self.wait_text("#customer-name", evil_id)
        self.wait_for("#customer-body .message")
        self.open("#/customers?prefix=" + urllib.request.quote(evil_id, safe=""))
        self.wait_text("#customer-results .message", evil_id)
        self.assertEqual(self.driver.execute_script("return window.__pwned"),
                         None)
        self.assertEqual(self.driver.find_elements(
            By.CSS_SELECTOR, "#view script, #view img"), [])


def has_http(ledgerd):
    usage = subprocess.run([ledgerd, "--help"], capture_output=True,
                           text=True, timeout=30)
    return "--http" in usage.stdout + usage.stderr


def missing_paths(base):
    """The API paths the console uses that the server at `base` does not
    route (its 404 says "no such path"), found with one request each."""
    missing = []
    for path in ("/console/", "/v1/customers", "/v1/refunds?state=PENDING",
                 "/v1/customers/nobody/balance",
                 "/v1/customers/nobody/events",
                 "/v1/customers/nobody/rejections", "/v1/liability"):
        try:
            with urllib.request.urlopen(base + path, timeout=10):
                pass
        except urllib.error.HTTPError as e:
            if e.code == 404 and b"no such path" in e.read():
                missing.append(path.split("?")[0])
        except (urllib.error.URLError, OSError):
            missing.append(path)
    return missing


def ledgerd_serves_the_console(ledgerd):
    """True when `ledgerd` has --http and routes every path the console
    uses: started once, without tokens, on loopback, in a folder of its
    own, and stopped by its PID."""
    if not has_http(ledgerd):
        return False
    folder = tempfile.mkdtemp(prefix="console-probe-")
    proc = subprocess.Popen(
        [ledgerd, "--db", os.path.join(folder, "db"), "--listen",
         "127.0.0.1:0", "--http", "127.0.0.1:0"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        address = http_address(read_lines(proc, 2, STARTUP_SECONDS))
        return address is not None and not missing_paths(f"http://{address}")
    finally:
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)


def main():
    global ARGS
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", choices=["ledgerd", "fixture"],
                        required=True)
    parser.add_argument("--ledgerd")
    parser.add_argument("--ledgerctl", required=True)
    parser.add_argument("--files", default=os.path.join(
        HERE, "..", "..", "tools", "ledgerd", "console", "files"))
    parser.add_argument("--out", required=True)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--chromedriver", default="/usr/bin/chromedriver")
    parser.add_argument("--unless-ledgerd-serves", metavar="LEDGERD",
                        help="with --server fixture: skip when this ledgerd "
                             "serves every path the console uses (the run "
                             "against it covers the pages, and CI time is "
                             "counted)")
    ARGS, rest = parser.parse_known_args()
    if (ARGS.unless_ledgerd_serves and
            ledgerd_serves_the_console(ARGS.unless_ledgerd_serves)):
        print("skipped: ledgerd serves the console; "
              "Console.PagesInABrowserAgainstLedgerd runs these checks")
        return SKIPPED
    if ARGS.server == "ledgerd" and not has_http(ARGS.ledgerd):
        print("skipped: this ledgerd has no --http (docs/console.md)")
        return SKIPPED
    program = unittest.main(argv=[sys.argv[0], *rest], exit=False,
                            verbosity=2)
    return 0 if program.result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
