"""Import what teams already have: post-mortems and runbooks written in other layouts become
resolved cases (marked imported, the original text kept) and draft runbooks for review."""
