"""Domain-free building blocks: database, ids, clock, pagination."""
