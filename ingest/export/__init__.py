"""Pseudonymised research exports (docs/privacy.md "Research export").

Pure modules (no I/O): ``pseudonym``, ``dates``, ``hierarchy``, ``risk``, ``lattice``.
The rest reads the database under the custodian role and writes files.
"""
