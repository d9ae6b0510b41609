"""The catalog: record kinds, fields, code lists and rules, as a versioned JSON document."""

from app.catalog.loader import CatalogError, default_catalog, load_document, parse_catalog
from app.catalog.model import Catalog, CodeList, Field, Kind

__all__ = ["Catalog", "CatalogError", "CodeList", "Field", "Kind", "default_catalog", "load_document",
           "parse_catalog"]
