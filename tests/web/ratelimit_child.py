"""Another web process for the shared rate-limit tests: the app on the test's database,
counting its rate limits in the store its environment names (MOTCUA_RATELIMIT_STORAGE).

Usage: python -m tests.web.ratelimit_child DATABASE_URL KEY_PREFIX
Reads commands on standard input, one a line: `login N` makes N sign-in attempts with a
wrong password and answers their statuses as one JSON list a line; `quit` ends.
"""

from __future__ import annotations

import json
import sys


def main(database_url: str, prefix: str) -> None:
    from engine import db
    from web.app import create_app

    app = create_app(db.session_factory(db.make_engine(database_url)), TESTING=True,
                     SECRET_KEY="ratelimit-child", WTF_CSRF_ENABLED=False,
                     RATELIMIT_ENABLED=True, RATELIMIT_KEY_PREFIX=prefix)
    client = app.test_client()
    print("ready", flush=True)
    for line in sys.stdin:
        command, _, count = line.strip().partition(" ")
        if command == "quit":
            return
        statuses = [client.post("/login", data={"username": "congdan", "password": "sai"})
                    .status_code for _ in range(int(count))]
        print(json.dumps(statuses), flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
