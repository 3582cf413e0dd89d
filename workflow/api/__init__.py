"""The /api/v1 JSON interface: bearer tokens, scoped reads, and every change via operations."""
