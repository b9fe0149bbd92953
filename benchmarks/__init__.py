"""Scripts that print measured figures (``make bench``); not timed tests."""
