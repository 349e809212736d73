"""Delivery speed on SQLite: notices sent over SMTP to a local aiosmtpd server
(each through the idempotency record: two short transactions and one SMTP
session), and portal updates posted over HTTP to a local receiver and
acknowledged. Prints medians and p95 in ms.

    .venv/bin/python -m bench.delivery [--n 200]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from aiosmtpd.controller import Controller

from connectors import register_all
from connectors.channels import Message, SmtpChannel
from connectors.portal_sync import post
from connectors.sending import send_once
from engine import db, migrate


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Sink:
    async def handle_DATA(self, server, session, envelope):
        return "250 OK"


class Ack(BaseHTTPRequestHandler):
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        data = json.dumps({"ack": True, "seq": body["seq"]}).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


def summary(name: str, samples: list[float]) -> None:
    samples = sorted(samples)
    p95 = samples[int(len(samples) * 0.95) - 1]
    print(f"{name:44} median {statistics.median(samples):7.2f} ms   p95 {p95:7.2f} ms   n={len(samples)}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=200)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp())
    os.environ["MOTCUA_INSTANCE"] = str(folder)
    engine = db.make_engine(f"sqlite:///{folder / 'bench.db'}")
    migrate.upgrade(engine)
    sessions = db.session_factory(engine)
    register_all()
    smtp = Controller(Sink(), hostname="127.0.0.1", port=free_port())
    smtp.start()
    channel = SmtpChannel("127.0.0.1", smtp.port, "none")
    text = "Kính gửi Nguyễn Văn An,\n\nHồ sơ đã được tiếp nhận.\n" * 5
    sent, repeated = [], []
    for i in range(args.n):
        message = Message(to=["an@example.vn"], subject=f"Hồ sơ {i} đã được tiếp nhận",
                          text=text, message_id=f"<{i}@bench>")
        t0 = time.perf_counter()
        send_once(sessions, channel, message, key=f"bench/{i}", template="received", dossier_id=None)
        sent.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        send_once(sessions, channel, message, key=f"bench/{i}", template="received", dossier_id=None)
        repeated.append((time.perf_counter() - t0) * 1000)
    smtp.stop()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Ack)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/"
    posted = []
    for i in range(args.n):
        t0 = time.perf_counter()
        post(url, {"dossier_code": "X", "seq": i, "status_code": 4}, f"X/{i}")
        posted.append((time.perf_counter() - t0) * 1000)
    server.shutdown()
    summary("notice over SMTP, recorded once", sent)
    summary("the same notice again (nothing sent)", repeated)
    summary("portal update POST + acknowledgement", posted)


if __name__ == "__main__":
    main()
