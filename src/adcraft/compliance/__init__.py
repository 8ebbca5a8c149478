"""adcraft.compliance: advertising-law, platform-policy and privacy checks for ad copy.

Rules are data (adcraft/compliance/rules/*.yaml); matching folds full-width forms, case and
inserted separators, and keeps spans in the original text. See DESIGN.md and INTERFACES.md.
"""

from adcraft.compliance.checker import apply_suggestions, banned_terms, check_creative, check_text
from adcraft.compliance.pii import find_pii, scrub_pii
from adcraft.compliance.rules import CATEGORIES, Rule, RuleSet, load_rules_file

__all__ = [
    "CATEGORIES",
    "Rule",
    "RuleSet",
    "apply_suggestions",
    "banned_terms",
    "check_creative",
    "check_text",
    "find_pii",
    "load_rules_file",
    "scrub_pii",
]
