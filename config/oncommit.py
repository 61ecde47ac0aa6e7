"""What a transaction changed, acted on once when it commits.

Signals note each changed figure; a recomputation job per changed figure would flood the worker, so the notes of
one transaction are gathered and handed over together after the commit. A transaction that rolls back takes its
notes with it: Django drops the callbacks waiting on a rolled-back connection, so a note that finds none of its
batch's callbacks waiting starts a fresh collection.
"""

import threading

from django.db import DEFAULT_DB_ALIAS, transaction


class CommitBatch:
    """Collects notes into a state made by `empty()`, and calls `flush(state)` once after the commit.

    The callback is registered on every note, not only the first: a test's captured block (or a savepoint) sees
    its own registration. The first flush after a commit takes the whole state; the later ones find it empty.
    """

    def __init__(self, empty, flush):
        self._empty = empty
        self._flush = flush
        self._local = threading.local()

    def note(self, update, using=DEFAULT_DB_ALIAS):
        """Apply `update(state)` to this transaction's collection and flush it when the transaction commits."""
        connection = transaction.get_connection(using)
        waiting = any(func == self._run for _sids, func, _robust in connection.run_on_commit)
        if not waiting or getattr(self._local, "state", None) is None:
            self._local.state = self._empty()
        update(self._local.state)
        transaction.on_commit(self._run, using=using, robust=True)

    @property
    def state(self):
        """What is collected and not yet flushed (None when nothing is)."""
        return getattr(self._local, "state", None)

    def clear(self):
        self._local.state = None

    def _run(self):
        state = self.state
        self._local.state = None
        if state is not None:
            self._flush(state)
