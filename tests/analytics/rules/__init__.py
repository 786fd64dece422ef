"""Tests of analytics.rules."""
