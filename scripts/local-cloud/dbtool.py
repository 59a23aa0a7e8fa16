"""SQLite chores of the local cloud, run with Debian's /usr/bin/python3.

neutron-schema DB CONF...  build Neutron's schema from its models, then stamp heads
                           (`upgrade heads` cannot run on SQLite: an old migration ALTERs
                           constraints; Neutron's own unit tests build it the same way)
wal DB                     switch DB (created if absent) to WAL: concurrent readers and
                           one writer without "database is locked"
backup SRC DST             consistent copy of a database that may be in use
"""

import sqlite3
import sys


def wal(path):
    with sqlite3.connect(path) as conn:
        mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
    if mode != "wal":
        sys.exit(f"dbtool wal {path}: expected journal_mode wal, got {mode}")


def neutron_schema(path, conf_files):
    import sqlalchemy
    from neutron.db.migration import cli
    from neutron.db.migration.models import head

    wal(path)
    engine = sqlalchemy.create_engine(f"sqlite:///{path}")
    head.get_metadata().create_all(engine)
    engine.dispose()
    args = ["neutron-db-manage"]
    for conf in conf_files:
        args += ["--config-file", conf]
    sys.argv = args + ["stamp", "heads"]
    cli.main()


def backup(src, dst):
    with sqlite3.connect(f"file:{src}?mode=ro", uri=True) as source:
        with sqlite3.connect(dst) as target:
            source.backup(target)
    wal(dst)


def main(argv):
    commands = {
        "neutron-schema": lambda a: neutron_schema(a[0], a[1:]),
        "wal": lambda a: wal(a[0]),
        "backup": lambda a: backup(a[0], a[1]),
    }
    if len(argv) < 2 or argv[0] not in commands:
        sys.exit(__doc__)
    commands[argv[0]](argv[1:])


if __name__ == "__main__":
    main(sys.argv[1:])
