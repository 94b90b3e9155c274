"""Bounce (DSN / NDR) parsing and matching bounce text to catalog entries."""
