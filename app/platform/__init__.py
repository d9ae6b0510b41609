"""The city platform: HTTP client for platform-api.md, credentials in the keyring, the sync engine."""
