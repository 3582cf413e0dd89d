"""问题排查整改: problems found by a check, an inspection or an audit, rectified by the
responsible place and closed (销号) by the level that found them (procedure
``states/problem_rectification.yaml``), and the problem ledger (问题台账) per level."""
