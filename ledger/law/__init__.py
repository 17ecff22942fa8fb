"""French law of the permis à points as pure functions: (facts, date) -> decision.

One module per legal topic. Every rule's docstring opens with its article; every change of the law by date
is a dated, cited `InForce` entry (see `in_force.py`). Nothing here performs I/O or reads the clock.
"""
