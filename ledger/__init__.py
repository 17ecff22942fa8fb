"""The write side of points-ledger: facts of a licence as immutable events, and the law as pure code.

`ledger.values` and `ledger.facts` are the vocabulary, `ledger.law` the rules (pure functions of facts and a
date), `ledger.events` / `ledger.licence` / `ledger.application` the event-sourced storage of facts.
"""
