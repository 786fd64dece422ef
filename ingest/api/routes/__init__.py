"""One router per resource; ``ingest.api.app`` only wires them."""
