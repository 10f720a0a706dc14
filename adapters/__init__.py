"""Adapters: the ports implemented for PostgreSQL, for memory, and for cryptography and time."""
