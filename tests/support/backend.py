"""A tiny fake backend for the `run` tests (stdlib only; binds 127.0.0.1 only).

    python tests/support/backend.py --port P [--never-healthy] [--die-after SECONDS]
        [--spawn-child [--child-new-session]] [--ignore-sigterm] [--pidfile PATH]
        [--delay SECONDS]
        [--daemonize] [--leak-kb KB] [--allocate-mb MB]

Normal: GET /health answers 200, any other path 200 at once.
--never-healthy      /health answers 503 forever.
--die-after S        the process exits with code 3 after S seconds (mid-run).
--spawn-child        start a grandchild that sleeps, to prove the whole tree is stopped;
--child-new-session  ... and make it leave our process group (setsid), as daemons do.
--ignore-sigterm     ignore SIGTERM (the gate must SIGKILL after its grace period).
--pidfile PATH       write "<our pid> <child pid or 0>" there once listening.
--delay S            every answer but /health waits S seconds first (a slower release).
--daemonize          double-fork and setsid first, as `gunicorn --daemon` does: the
                     command exits 0 at once, the daemon listens half a second later.
--leak-kb KB         every answer but /health keeps KB kilobytes forever (a memory leak).
--allocate-mb MB     the first answer but /health allocates MB megabytes, kept, then no
                     more (a warm-up, a cache filling once: not a leak).
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

DIE_CODE = 3
PATH = Path(__file__).resolve()


def free_port() -> int:
    """A port on 127.0.0.1 that was free a moment ago (for tests)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Handler(BaseHTTPRequestHandler):
    never_healthy = False
    delay = 0.0
    leak_kb = 0
    allocate_mb = 0
    kept: ClassVar[list[bytes]] = []  # what the leak and the warm-up hold on to
    lock = threading.Lock()

    def do_GET(self) -> None:
        if self.path.startswith("/health"):
            status = 503 if self.never_healthy else 200
            if self.never_healthy:
                print("health: answering 503 (never healthy)", flush=True)
        else:
            time.sleep(self.delay)
            self.hold()
            status = 200
        body = b"ok\n" if status == 200 else b"unavailable\n"
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def hold(self) -> None:
        """Memory kept on purpose: written, so that it is resident (a page only mapped is not)."""
        with self.lock:
            if self.leak_kb:
                self.kept.append(b"\x01" * (self.leak_kb * 1024))
            if self.allocate_mb and not self.kept:
                self.kept.append(b"\x01" * (self.allocate_mb * 1024 * 1024))

    def log_message(self, format: str, *args: object) -> None:
        pass  # keep backend.log short: only our own lines


def daemonize() -> None:
    """The classic double fork: the command's own process exits 0, the daemon is
    re-parented to init in a session of its own."""
    if os.fork() > 0:
        os._exit(0)
    os.setsid()
    if os.fork() > 0:
        os._exit(0)
    time.sleep(0.5)  # listening only after the command has exited: health must wait


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--never-healthy", action="store_true")
    parser.add_argument("--die-after", type=float)
    parser.add_argument("--spawn-child", action="store_true")
    parser.add_argument("--child-new-session", action="store_true")
    parser.add_argument("--ignore-sigterm", action="store_true")
    parser.add_argument("--pidfile", type=Path)
    parser.add_argument("--delay", type=float, default=0.0)
    parser.add_argument("--daemonize", action="store_true")
    parser.add_argument("--leak-kb", type=int, default=0)
    parser.add_argument("--allocate-mb", type=int, default=0)
    args = parser.parse_args()
    if args.daemonize:
        daemonize()

    if args.ignore_sigterm:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        print("ignoring SIGTERM", flush=True)
    child_pid = 0
    if args.spawn_child:
        child = subprocess.Popen(
            [sys.executable, "-c", "import time; time.sleep(600)"],
            start_new_session=args.child_new_session,
        )
        child_pid = child.pid
        print(f"started a grandchild, pid {child_pid}", flush=True)

    Handler.never_healthy = args.never_healthy
    Handler.delay = args.delay
    Handler.leak_kb = args.leak_kb
    Handler.allocate_mb = args.allocate_mb
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    if args.die_after is not None:

        def die() -> None:
            print(f"fake backend: dying now with code {DIE_CODE}", flush=True)
            os._exit(DIE_CODE)

        threading.Timer(args.die_after, die).start()
    if args.pidfile is not None:
        tmp = args.pidfile.with_suffix(".tmp")
        tmp.write_text(f"{os.getpid()} {child_pid}\n")
        tmp.replace(args.pidfile)
    print(f"fake backend listening on 127.0.0.1:{args.port}, pid {os.getpid()}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
