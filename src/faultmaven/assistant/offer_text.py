"""The words of the runbook offer (seed document, "User Experience"), shared by the product's
own turns and the LLM prompts."""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "ACCEPT_PAYLOAD",
    "ADD_CAUSE_PREFIX",
    "OLD_NEW_PAYLOAD",
    "UPDATE_CAUSE_PREFIX",
    "DECLINED_ANSWER",
    "DECLINE_PAYLOAD",
    "NEW_PAYLOAD",
    "OFFER_SENTENCE",
    "UPDATE_PAYLOAD",
    "OfferDecision",
]

OFFER_SENTENCE = (
    "Glad we solved it! To help with future troubleshooting, "
    "would you like me to create a runbook for this issue?"
)
ACCEPT_PAYLOAD = "Yes, create a runbook"
DECLINE_PAYLOAD = "No thanks"
ADD_CAUSE_PREFIX = "Add as another cause of "
UPDATE_CAUSE_PREFIX = "Update cause "
NEW_PAYLOAD = "Create a new runbook"
# the answers of the duplicate question before runbooks had known causes, still understood
UPDATE_PAYLOAD = "Update the existing runbook"
OLD_NEW_PAYLOAD = "Create a new runbook anyway"
DECLINED_ANSWER = "No problem. The case is closed; you can still create a runbook from it later."


class OfferDecision(StrEnum):
    accept = "accept"
    decline = "decline"
