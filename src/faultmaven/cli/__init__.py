"""The ``faultmaven`` command line (Typer): serve, demo, cases, runbooks, db."""
