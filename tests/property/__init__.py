"""Property-based tests: generated valid definitions, and single-constraint mutations of them."""
