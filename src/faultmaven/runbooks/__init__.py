"""Runbooks: structured, versioned knowledge made from resolved cases."""
