"""The server: FastAPI app, authentication, ingestion, storage (psycopg 3)."""
