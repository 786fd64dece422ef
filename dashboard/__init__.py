"""Clinician dashboard (Dash). Talks to the clinical API only; built in a later issue."""
