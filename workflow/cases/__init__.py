"""Cases: one running procedure for one subject; ``operations`` is the only code that changes one."""
