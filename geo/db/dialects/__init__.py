"""One module per backend (sqlite.py, postgresql.py) with the same function names, picked by dialect name."""
