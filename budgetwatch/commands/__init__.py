"""One module per stage's commands; `budgetwatch.cli` assembles them explicitly."""
