"""Similar runbooks for a case: offered when a case starts, checked before a runbook is made."""
