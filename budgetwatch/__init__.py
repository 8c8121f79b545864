"""budgetwatch: the glue — the command line, the one config module, the cycle."""
