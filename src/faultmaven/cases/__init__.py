"""Troubleshooting cases: the investigation record that runbooks are made from."""
