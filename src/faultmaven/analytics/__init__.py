"""Reports over usage events, feedback and cases (see service.py)."""
