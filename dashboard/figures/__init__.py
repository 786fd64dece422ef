"""Figures: pure functions from plain data (and a Translator) to ``go.Figure``."""
