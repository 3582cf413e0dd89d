"""The append-only, hash-chained procedure trail, and its verification."""
