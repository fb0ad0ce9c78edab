"""A package imported by paths_target.py: its files are shown relative to sys.path (shop/handlers.py)."""
