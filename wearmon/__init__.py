"""Composition root: the ``wearmon`` command wires the other packages. Nothing imports it."""

__version__ = "0.1.0"
