"""FaultMaven: turn resolved troubleshooting cases into searchable runbooks."""

__version__ = "0.1.0"
