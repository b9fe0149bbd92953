"""The TCO engine: plain Python and numpy, no Django (sizing, cash flows, finance, uncertainty)."""
