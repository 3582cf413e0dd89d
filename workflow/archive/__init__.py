"""County archives (县级档案移交): the whole of a county's records as one signed file that
another installation imports and ``flask audit verify`` checks (see operations.py)."""
