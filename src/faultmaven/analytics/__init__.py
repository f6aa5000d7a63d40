"""Analytics: reports over usage events, feedback and cases (service.py), and recurring problems
(recurring.py)."""
