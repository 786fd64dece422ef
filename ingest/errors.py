"""Errors raised by the server package (routes translate them to HTTP responses)."""


class IngestError(Exception):
    """Base class for every error the server raises on purpose."""
