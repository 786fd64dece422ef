"""Database access: connection resolution, embedded server, backend detection, migrations."""
