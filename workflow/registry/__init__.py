"""Subjects of procedures: households with members and income records."""
