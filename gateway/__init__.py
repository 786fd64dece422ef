"""Home gateway: BLE central (bleak), GATT codecs, durable outbox and uploader.

The gateway never imports the server: its contract with the ingestion API is the HTTP
JSON schema (docs/architecture.md, "Packages and their boundaries").
"""
