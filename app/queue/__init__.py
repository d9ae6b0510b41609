"""The record lifecycle and the only write path for records."""
