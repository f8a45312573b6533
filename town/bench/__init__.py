"""`town bench` and `town soak`: benchmarks that print figures. Beside the command line, above every other layer."""
