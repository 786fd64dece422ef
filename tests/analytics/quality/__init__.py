"""Tests of analytics.quality."""
