"""Dangerous-house renovation (农村危房改造): houses, appraisals, archive files, payments."""
