"""Pure CMS care-management rules: month lines, fees, program choice (shared/spec/cms-rules.md)."""

from ccm.rules.month import evaluate_month

__all__ = ["evaluate_month"]
