"""Layouts: functions from plain data (and a Translator) to Dash components."""
