"""`python -m api.cli_main …` runs the `points-ledger` command without the console script."""

from api.cli import main

if __name__ == "__main__":
    main()
