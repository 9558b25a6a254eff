"""Problem shipments (问题件): the closed table of problem types (issue 4 builds on it)."""
