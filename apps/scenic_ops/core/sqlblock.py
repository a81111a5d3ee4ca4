"""One short transaction in one MariaDB round trip, whoever owns the transaction.

The hot paths (a booking, a gate's usual scan) send their whole transaction as one compound
statement (`BEGIN NOT ATOMIC … END`): the server runs the statements, checks the guarding
condition (every bucket matched, the ticket's use was consumed) and commits or rolls back,
so the rows are locked for microseconds, not for network round trips.

The same statement is correct inside a caller's transaction (an Idempotency-Key request, a
desk action that also sends an SMS, a test): with autocommit off it takes a SAVEPOINT instead
of starting a transaction, and releases or rolls back to it instead of committing. One path,
whatever the context; the caller's transaction commits the work with its own.
"""

from __future__ import annotations

from collections.abc import Sequence


def transaction_block(
    *,
    savepoint: str,
    body: Sequence[str],
    ok: str,
    then: Sequence[str] = (),
    after: Sequence[str] = (),
    otherwise: Sequence[str] = (),
) -> str:
    """The compound statement: `body`; if `ok` holds, `then`, COMMIT, `after`; else ROLLBACK, `otherwise`.

    `ok` is tested right after the last statement of `body` (e.g. `ROW_COUNT() = 3`). An error in
    any statement rolls the block back (its savepoint, or the transaction it started) and is
    raised to the caller. Statements are given without their trailing semicolon.
    """
    commit = f"IF own THEN COMMIT; ELSE RELEASE SAVEPOINT {savepoint}; END IF"
    rollback = f"IF own THEN ROLLBACK; ELSE ROLLBACK TO SAVEPOINT {savepoint}; END IF"
    lines = [
        "BEGIN NOT ATOMIC",
        "DECLARE own INT DEFAULT @@autocommit;",
        # A deadlock victim's transaction is already rolled back: no savepoint is left to return to.
        "DECLARE EXIT HANDLER FOR SQLEXCEPTION BEGIN IF own THEN ROLLBACK; "
        f"ELSEIF @@in_transaction THEN ROLLBACK TO SAVEPOINT {savepoint}; END IF; RESIGNAL; END;",
        f"IF own THEN START TRANSACTION; ELSE SAVEPOINT {savepoint}; END IF;",
        *(f"{s};" for s in body),
        f"IF {ok} THEN",
        *(f"{s};" for s in then),
        f"{commit};",
        *(f"{s};" for s in after),
        "ELSE",
        f"{rollback};",
        *(f"{s};" for s in otherwise),
        "END IF;",
        "END",
    ]
    return "\n".join(lines)


def run(cursor, sql: str, params: Sequence | None = None) -> list[tuple]:
    """Execute a block; the rows of its first result set. Every later result is read, so an error
    raised after that row (at COMMIT, say) is raised here, before the caller answers anyone."""
    try:
        if params is None:
            cursor.execute(sql)
        else:
            cursor.execute(sql, params)
        rows = list(cursor.fetchall() or ())
    finally:
        while cursor.nextset():
            pass
    return rows
