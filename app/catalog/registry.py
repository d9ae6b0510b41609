"""Catalog versions kept in the store; one is active. A document that fails the checks never
replaces the active catalog."""

from __future__ import annotations

import logging

from sqlalchemy import select, update

from app.catalog.loader import default_catalog, parse_catalog
from app.catalog.model import Catalog
from app.clock import now
from app.store.models import CatalogVersion

log = logging.getLogger(__name__)


class CatalogRegistry:
    def __init__(self, store):
        self.store = store
        self._cache: dict[str, Catalog] = {}
        self._active: Catalog | None = None

    def active(self) -> Catalog:
        if self._active is None:
            self._active = self._load_active()
        return self._active

    def _load_active(self) -> Catalog:
        bundled = default_catalog()
        with self.store.session() as s:
            row = s.scalars(select(CatalogVersion).where(CatalogVersion.active == 1)).first()
            # A newer program ships a newer default; a catalog from the platform or a file stays.
            if row is None or (row.source == "bundled" and row.version != bundled.version):
                self._put(s, bundled, "bundled")
                return bundled
            doc = row.document
        catalog = parse_catalog(doc)
        self._cache[catalog.version] = catalog
        return catalog

    def _put(self, s, catalog: Catalog, source: str) -> None:
        s.execute(update(CatalogVersion).values(active=0))
        row = s.get(CatalogVersion, catalog.version)
        if row is None:
            s.add(CatalogVersion(version=catalog.version, document=catalog.document, source=source,
                                 loaded_at=now(), active=1))
        else:
            row.document, row.source, row.active, row.loaded_at = catalog.document, source, 1, now()
        self._cache[catalog.version] = catalog

    def install(self, document: dict, source: str) -> Catalog:
        """Check a document and make it the active catalog. On failure a CatalogError is raised and
        the previous catalog stays in use."""
        catalog = parse_catalog(document)
        with self.store.session() as s:
            self._put(s, catalog, source)
        self._active = catalog
        log.info("catalog %s installed from %s", catalog.version, source)
        return catalog

    def get(self, version: str) -> Catalog | None:
        if version in self._cache:
            return self._cache[version]
        with self.store.session() as s:
            row = s.get(CatalogVersion, version)
            doc = row.document if row else None
        if doc is None:
            return None
        self._cache[version] = catalog = parse_catalog(doc)
        return catalog

    def versions(self) -> list[tuple[str, str, bool]]:
        with self.store.session() as s:
            rows = s.execute(select(CatalogVersion.version, CatalogVersion.source, CatalogVersion.active)
                             .order_by(CatalogVersion.loaded_at)).all()
        return [(v, src, bool(a)) for v, src, a in rows]
