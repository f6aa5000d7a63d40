"""Analytics: events, reports and recurring problems."""
