"""Entrypoints: settings, the composition root, the HTTP API and the `conduit` command line."""
