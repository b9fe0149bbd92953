"""Sovereignty scoring from a criteria library: plain Python, no Django."""
