"""Entry points: the FastAPI service and the `points-ledger` command. Adapters only: no law here."""
