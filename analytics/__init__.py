"""Pure numpy/scipy analytics: cardiac rhythm and rate, glycaemic metrics, data quality, rules.

Nothing in this package performs I/O (enforced by import-linter).
"""
