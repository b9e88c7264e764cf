#!/usr/bin/env python3
"""Fill a Dripline database with benchmark users, one API key each.

The database must exist with the current schema (``driplinectl init``).
Keys are stored the way driplinectl stores them: the hex SHA-256 of the
secret in api_keys.secret_hash, so the real authorizer resolves them. The
secrets are written to KEYFILE, one per line, in random order, so that
the first lines of the file are a random sample of the users.

Inserting through executemany in one transaction with journaling off
takes a few tens of seconds for a million users, where ``driplinectl``
would take one process and one transaction per user.
"""

import argparse
import base64
import hashlib
import os
import random
import sqlite3
import sys
import time
import uuid

# Units per day: the largest limit dripline.conf(5) accepts, so that no
# benchmark run reaches it.
DAILY_LIMIT = 1000000000000
BATCH = 50000


def new_secret(prefix):
    """Return a key in driplinectl's format: prefix and 43 base64url chars."""
    raw = base64.urlsafe_b64encode(os.urandom(32)).rstrip(b"=")
    return prefix + raw.decode("ascii")


def fill(db_path, count, prefix, keyfile):
    """Insert count users and keys, and write their secrets to keyfile."""
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    con = sqlite3.connect(db_path)
    con.execute("PRAGMA journal_mode = OFF")
    con.execute("PRAGMA synchronous = OFF")
    con.execute("PRAGMA cache_size = -1000000")  # KiB, for the inserts
    existing = con.execute("SELECT count(*) FROM users").fetchone()[0]
    if existing != 0:
        sys.exit("gen-users: %s already has %d users; start from a new "
                 "database" % (db_path, existing))

    secrets = []
    con.execute("BEGIN")
    for start in range(0, count, BATCH):
        users, keys = [], []
        for i in range(start, min(count, start + BATCH)):
            user_id = str(uuid.uuid4())
            secret = new_secret(prefix)
            digest = hashlib.sha256(secret.encode("ascii")).hexdigest()
            users.append((user_id, "bench-%d" % i, DAILY_LIMIT, now, now))
            keys.append((str(uuid.uuid4()), user_id, "bench",
                         secret[:len(prefix) + 8], digest, now))
            secrets.append(secret)
        con.executemany(
            "INSERT INTO users (id, external_id, daily_limit, created_at,"
            " updated_at) VALUES (?, ?, ?, ?, ?)", users)
        con.executemany(
            "INSERT INTO api_keys (id, user_id, name, prefix, secret_hash,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?)", keys)
    con.commit()
    con.close()

    random.shuffle(secrets)
    tmp = keyfile + ".tmp"
    with open(tmp, "w") as out:
        out.write("\n".join(secrets))
        out.write("\n")
    os.chmod(tmp, 0o600)
    os.replace(tmp, keyfile)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database", help="database made by driplinectl init")
    parser.add_argument("count", type=int, help="number of users to create")
    parser.add_argument("keyfile", help="file to write the secrets to")
    parser.add_argument("--prefix", default="dl_",
                        help="key prefix, as key_prefix in dripline.conf "
                             "(default: dl_)")
    args = parser.parse_args()
    if args.count < 1:
        parser.error("count must be at least 1")
    fill(args.database, args.count, args.prefix, args.keyfile)


if __name__ == "__main__":
    main()
