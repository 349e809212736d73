"""The sandbox bank's own books: a SQLite file of its own under the instance
folder, apart from the app's database, as a real bank's would be."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from engine import config

SCHEMA = """
CREATE TABLE IF NOT EXISTS transactions (
    id INTEGER PRIMARY KEY,
    tmn_code TEXT NOT NULL,
    txn_ref TEXT NOT NULL,
    amount INTEGER NOT NULL,          -- đồng
    order_info TEXT NOT NULL,
    status TEXT NOT NULL,             -- paid | cancelled
    response_code TEXT NOT NULL,
    transaction_no TEXT NOT NULL UNIQUE,
    bank_code TEXT NOT NULL,
    pay_date TEXT NOT NULL,           -- yyyyMMddHHmmss, Vietnam time
    refunded INTEGER NOT NULL DEFAULT 0,
    ipn_answer TEXT,
    UNIQUE (tmn_code, txn_ref)
);
CREATE TABLE IF NOT EXISTS refunds (
    id INTEGER PRIMARY KEY,
    tmn_code TEXT NOT NULL,
    request_id TEXT NOT NULL,
    txn_ref TEXT NOT NULL,
    amount INTEGER NOT NULL,
    refund_no TEXT NOT NULL UNIQUE,
    created TEXT NOT NULL,
    UNIQUE (tmn_code, request_id)
);
"""


@dataclass(frozen=True)
class Transaction:
    tmn_code: str
    txn_ref: str
    amount: int
    order_info: str
    status: str
    response_code: str
    transaction_no: str
    bank_code: str
    pay_date: str
    refunded: int


def path() -> Path:
    return config.instance_dir() / "sandbox_bank.sqlite3"


@contextmanager
def books() -> Iterator[sqlite3.Connection]:
    """One transaction on the books (BEGIN IMMEDIATE: one writer at a time)."""
    conn = sqlite3.connect(path(), timeout=30, isolation_level=None)
    conn.row_factory = sqlite3.Row
    try:
        conn.executescript(SCHEMA)
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    finally:
        conn.close()


def find(conn: sqlite3.Connection, tmn_code: str, txn_ref: str) -> Transaction | None:
    row = conn.execute("SELECT * FROM transactions WHERE tmn_code = ? AND txn_ref = ?",
                       (tmn_code, txn_ref)).fetchone()
    if row is None:
        return None
    return Transaction(**{k: row[k] for k in Transaction.__dataclass_fields__})


def record(conn: sqlite3.Connection, tmn_code: str, txn_ref: str, amount: int, order_info: str,
           status: str, response_code: str, bank_code: str, pay_date: str) -> Transaction:
    cur = conn.execute(
        "INSERT INTO transactions (tmn_code, txn_ref, amount, order_info, status, response_code,"
        " transaction_no, bank_code, pay_date) VALUES (?, ?, ?, ?, ?, ?, '', ?, ?)",
        (tmn_code, txn_ref, amount, order_info, status, response_code, bank_code, pay_date))
    number = str(14000000 + int(cur.lastrowid or 0))
    conn.execute("UPDATE transactions SET transaction_no = ? WHERE id = ?", (number, cur.lastrowid))
    found = find(conn, tmn_code, txn_ref)
    assert found is not None
    return found


def note_ipn(tmn_code: str, txn_ref: str, answer: str) -> None:
    with books() as conn:
        conn.execute("UPDATE transactions SET ipn_answer = ? WHERE tmn_code = ? AND txn_ref = ?",
                     (answer, tmn_code, txn_ref))


def refund_by_request(conn: sqlite3.Connection, tmn_code: str, request_id: str
                      ) -> sqlite3.Row | None:
    return conn.execute("SELECT * FROM refunds WHERE tmn_code = ? AND request_id = ?",
                        (tmn_code, request_id)).fetchone()


def add_refund(conn: sqlite3.Connection, tmn_code: str, request_id: str, txn_ref: str,
               amount: int, created: str) -> str:
    cur = conn.execute(
        "INSERT INTO refunds (tmn_code, request_id, txn_ref, amount, refund_no, created)"
        " VALUES (?, ?, ?, ?, '', ?)", (tmn_code, request_id, txn_ref, amount, created))
    number = str(15000000 + int(cur.lastrowid or 0))
    conn.execute("UPDATE refunds SET refund_no = ? WHERE id = ?", (number, cur.lastrowid))
    conn.execute("UPDATE transactions SET refunded = refunded + ? WHERE tmn_code = ? AND txn_ref = ?",
                 (amount, tmn_code, txn_ref))
    return number


def refund_count(txn_ref: str) -> int:
    with books() as conn:
        return int(conn.execute("SELECT count(*) FROM refunds WHERE txn_ref = ?",
                                (txn_ref,)).fetchone()[0])
