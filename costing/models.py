"""Price catalogs: providers, offers, GPU specs and FX rates (filled in with the engine)."""
