"""Alembic environment: runs against the engine the store opened (never a URL from a config file)."""

from alembic import context

from app.store.models import Base

engine = context.config.attributes["engine"]

with engine.begin() as connection:
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    context.run_migrations()
