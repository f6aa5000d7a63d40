"""The troubleshooting conversation: response models, the runbook offer, (later) LLM turns."""
