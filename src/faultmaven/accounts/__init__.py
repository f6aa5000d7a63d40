"""Accounts: users, teams, roles, API tokens, passwords and the audit log (DESIGN.md §3)."""
