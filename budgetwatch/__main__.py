"""`python -m budgetwatch` is the same as the `budgetwatch` command."""

from budgetwatch.cli import main

main()
