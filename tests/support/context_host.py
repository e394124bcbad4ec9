#!/usr/bin/env python3
"""A stand-in for an exchange's customer-context endpoint (tests only).

POST /: checks X-Parley-Signature ("v1=" + hex HMAC-SHA256(key, timestamp + "." + body)) with the
current or the previous key and refuses timestamps older than five minutes, as the docs tell a host
to; then answers by the customer id's switch: cust-ok (cards and a table, one card for supervisors
only, HTML inside a value), cust-slow (4 s late), cust-500, cust-big (over 64 KiB), cust-bad (a
number where a string belongs), cust-notjson. GET /calls: how many signed calls it answered.
Prints "ready" once listening on --port."""
import argparse
import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

parser = argparse.ArgumentParser()
parser.add_argument("--port", type=int, required=True)
parser.add_argument("--key", action="append", required=True, help="accepted keys (current, previous)")
args = parser.parse_args()
calls = 0
lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def answer(self, status, body, content_type="application/json"):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        with lock:
            self.answer(200, json.dumps({"calls": calls}))

    def do_POST(self):
        global calls
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        stamp = self.headers.get("X-Parley-Timestamp", "")
        signature = self.headers.get("X-Parley-Signature", "")
        good = any(hmac.compare_digest(signature, "v1=" + hmac.new(k.encode(), stamp.encode() + b"." + body, hashlib.sha256).hexdigest())
                   for k in args.key)
        if not good or not stamp.isdigit() or abs(time.time() - int(stamp)) > 300:
            return self.answer(401, '{"error":"bad signature"}')
        with lock:
            calls += 1
        who = json.loads(body)
        customer = who["customer_id"]
        if customer == "cust-slow":
            time.sleep(4)
        if customer == "cust-500":
            return self.answer(500, "oops")
        if customer == "cust-big":
            return self.answer(200, json.dumps({"cards": [{"label": "x", "value": "y" * 150}] * 20, "pad": "z" * 70000}))
        if customer == "cust-bad":
            return self.answer(200, json.dumps({"cards": [{"label": "Balance", "value": 1234.5}]}))
        if customer == "cust-notjson":
            return self.answer(200, "<html>login</html>", "text/html")
        self.answer(200, json.dumps({
            "as_of_ms": int(time.time() * 1000),
            "cards": [
                {"label": "Account", "value": "active"},
                {"label": "KYC level", "value": "2"},
                {"label": "Note", "value": "<b>VIP</b><script>alert(1)</script>"},
                {"label": "Risk score", "value": "12", "roles": ["supervisor", "admin"]},
                {"label": "Asked by", "value": who["agent_role"]},
            ],
            "tables": [{"title": "Recent deposits", "columns": ["time", "asset", "amount", "tx"],
                        "rows": [["2026-12-06 09:00", "USDT", "2000.00", "0xfeed01"],
                                 ["2026-12-05 18:20", "BTC", "0.05000000", "0xbeef02"]]}],
        }))


server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
print("ready", flush=True)
server.serve_forever()
