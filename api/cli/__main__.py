"""`python -m api.cli …` runs the `points-ledger` command without the console script."""

from api.cli import main

if __name__ == "__main__":
    main()
