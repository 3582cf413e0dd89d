"""Special poverty funds: sources with budgets, allocations, disbursements, the ledgers."""
