import pytest
from django.db import transaction

from config.oncommit import CommitBatch


@pytest.fixture
def batch():
    flushed = []
    return CommitBatch(empty=set, flush=flushed.append), flushed


def test_the_notes_of_one_transaction_are_flushed_once_together_after_the_commit(transactional_db, batch):
    commit_batch, flushed = batch
    with transaction.atomic():
        commit_batch.note(lambda state: state.add(1))
        commit_batch.note(lambda state: state.add(2))
        assert flushed == []
    assert flushed == [{1, 2}]


def test_the_notes_of_a_rolled_back_transaction_never_reach_the_next_commit(transactional_db, batch):
    commit_batch, flushed = batch
    with pytest.raises(RuntimeError), transaction.atomic():
        commit_batch.note(lambda state: state.add("rolled back"))
        raise RuntimeError
    assert flushed == []
    with transaction.atomic():
        commit_batch.note(lambda state: state.add("committed"))
    assert flushed == [{"committed"}]


def test_a_note_outside_a_transaction_is_flushed_at_once(transactional_db, batch):
    commit_batch, flushed = batch
    commit_batch.note(lambda state: state.add("now"))
    assert flushed == [{"now"}] and commit_batch.state is None
