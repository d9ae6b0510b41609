"""Offline validation: normaliser, field checks, record rules, check digits, personal-data scan."""
