"""Portfolio placement: every workload on one option, owned fleets shared, as an exact MILP."""
