"""Bulk-sender requirements of Gmail, Yahoo and Outlook.com, judged side by side for one message."""

from checker.analyses.requirements.evaluate import (
    MatrixRow,
    ProviderRequirements,
    RequirementRow,
    SenderRequirements,
    evaluate_requirements,
)
from checker.analyses.requirements.providers import PROVIDERS, RULE_ORDER, RULES
from checker.analyses.requirements.run import check_sender_requirements

__all__ = [
    "PROVIDERS",
    "RULES",
    "RULE_ORDER",
    "MatrixRow",
    "ProviderRequirements",
    "RequirementRow",
    "SenderRequirements",
    "check_sender_requirements",
    "evaluate_requirements",
]
