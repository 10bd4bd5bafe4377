"""A small stand-in for a customer-support agent's backend, for the support-agent example.

Three channels take a customer's message: `POST /api/webform`, `POST /api/email` and
`POST /api/whatsapp`. A pool of `--agents` agents (default 16) handles them, each message
taking `--service-ms` (default 100 ms); a message that finds every agent busy is answered
`503 all agents busy` at once. So the load decides the error rate: 10 users never find
the pool full (each user waits for its answer), a few dozen do. `GET /health` answers 200.

    python server.py --port 8765 [--agents 16] [--service-ms 100]

Standard library only; binds 127.0.0.1.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CHANNELS = ("/api/webform", "/api/email", "/api/whatsapp")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--agents", type=int, default=16)
    parser.add_argument("--service-ms", type=float, default=100.0)
    options = parser.parse_args()
    agents = threading.BoundedSemaphore(options.agents)
    service = options.service_ms / 1000

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive: one connection per Locust user

        def do_GET(self) -> None:
            self._answer(200 if self.path == "/health" else 404, {"ok": self.path == "/health"})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            if self.path not in CHANNELS:
                self._answer(404, {"error": "no such channel"})
            elif not agents.acquire(blocking=False):
                self._answer(503, {"error": "all agents busy"})
            else:
                try:
                    time.sleep(service)  # an agent reads and files the message
                finally:
                    agents.release()
                self._answer(202, {"ticket": "accepted"})

        def _answer(self, status: int, body: dict[str, object]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:
            pass  # one line per request would flood backend.log

    class Server(ThreadingHTTPServer):
        daemon_threads = True
        request_queue_size = 512  # every user connects at once when a stage starts

        def handle_error(self, request: object, client_address: object) -> None:
            pass  # a client that hangs up early (the load test ended) is not news

    server = Server(("127.0.0.1", options.port), Handler)
    sys.stdout.write(f"support-agent backend on http://127.0.0.1:{options.port} "
          f"({options.agents} agents, {options.service_ms:g} ms a message)\n")
    sys.stdout.flush()
    server.serve_forever()


if __name__ == "__main__":
    main()
