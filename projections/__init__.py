"""The read side: a licence's facts folded under the law into balances, explanations and reports.

Pure functions of (facts, date, mode, known_at); the date is always an argument.
"""
