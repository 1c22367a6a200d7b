"""Authorizations (media releases): does a signed release cover a proposed use, and is a
release template complete enough for patients to sign?

The app, the API, the tasks and `clearpost check-consent` all call these names, so the
rules of 45 CFR 164.508 and the social-media consent literature live in one place.
Importing this package does not load textstat; only linting a template does.
"""

from clearpost.engine.consent.check import Reason, Result, check
from clearpost.engine.consent.model import (
    Authorization,
    MalformedInput,
    Use,
    parse_authorization,
    parse_case,
    parse_use,
)
from clearpost.engine.consent.template_lint import LintFinding, LintResult, lint_template
from clearpost.engine.consent.templates import (
    DEFAULT_TEMPLATE,
    TemplateError,
    render_template,
    scope_in_plain_words,
    template_values,
)

__all__ = [
    "DEFAULT_TEMPLATE",
    "Authorization",
    "LintFinding",
    "LintResult",
    "MalformedInput",
    "Reason",
    "Result",
    "TemplateError",
    "Use",
    "check",
    "lint_template",
    "parse_authorization",
    "parse_case",
    "parse_use",
    "render_template",
    "scope_in_plain_words",
    "template_values",
]
