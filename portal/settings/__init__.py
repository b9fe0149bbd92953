"""Settings package: `base` reads the environment, `test` makes the suite fast."""
