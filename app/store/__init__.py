"""The local SQLite store: models, engine with durable settings, migrations."""

from app.store.db import Store, open_store

__all__ = ["Store", "open_store"]
