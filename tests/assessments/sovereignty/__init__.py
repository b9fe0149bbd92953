"""Tests of the sovereignty scoring (plain Python, no database)."""
