"""Oversight: findings an auditor reviews, and progress boards (挂图作战)."""
