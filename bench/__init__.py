"""Benchmarks: run each as ``python -m bench.NAME`` from the repository root.

Speed and memory are measured here, as ratios against a baseline in the same run where
possible, not in timed tests. Nothing in the product imports this package.
"""
