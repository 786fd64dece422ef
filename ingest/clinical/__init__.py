"""The clinical view of one participant: stored data in, the figures a nurse reads out."""
