"""Conditions on records that the queue views and the monthly figures share, as SQL expressions:
one definition of "accepted by the platform" and "still outstanding"."""

from __future__ import annotations

from sqlalchemy import and_, not_, or_

from app.queue import states as st
from app.store.models import Record


def accepted_by_platform(c=Record):
    """The platform holds a revision (lateness is judged on its first receipt). `c`: the records
    table, its columns, or a subquery with the same column names."""
    return or_(c.accepted_revision > 0, c.first_received_at.is_not(None))


def outstanding(c=Record):
    """Not yet accepted and not withdrawn: still to be reported."""
    return and_(not_(accepted_by_platform(c)), c.state != st.WITHDRAWN)
