"""The only write paths for release templates and authorizations; each one is audited.

Views, the API and tasks call these functions and nothing else changes the rows. Each
function is one transaction: the change, its audit event and any domain event commit
together or not at all. Refusals raise `ActionError` with field-level messages that a
form can show as they are.

One module per concept (common, templates, preparing, signing, copies, ending); every
name stays importable from here, where other code imports it from.
"""

from __future__ import annotations

from clearpost.app.authorizations.actions.common import (
    DEFAULT_TEMPLATE_NAME,
    MAX_TEMPLATE_BYTES,
    REVOCATION_LINK_WORDS,
    REVOKE_LINK_LIFETIME,
    TEMPLATE_ROLES,
    ActionError,
    TemplateRejected,
    require_own_release,
    require_template_admin,
    scoped_authorizations,
    scoped_templates,
    usable_versions,
)
from clearpost.app.authorizations.actions.copies import (
    SignedRelease,
    _deliver,
    _mask_email,
    _require_pdf,
    attest_signer_verified,
    download_copy,
    email_copy,
    read_signed_release,
)
from clearpost.app.authorizations.actions.ending import (
    EXPIRY_INTERVAL,
    _close_links,
    _expire,
    _publish_end,
    _revoke,
    due_for_expiry,
    expire_authorizations,
    expire_due,
    record_expiration_event,
    revocation_page,
    revoke_by_link,
    revoke_by_staff,
    schedule_expiry,
)
from clearpost.app.authorizations.actions.preparing import (
    _information_description,
    _today,
    prepare_authorization,
    scope_input,
    scope_lines,
    validate_scope,
)
from clearpost.app.authorizations.actions.signing import (
    KioskPage,
    SignatureInput,
    SignResult,
    _base_url,
    _patient_state,
    _relationships,
    kiosk_page,
    open_kiosk,
    sign,
    signer_problems,
)
from clearpost.app.authorizations.actions.templates import (
    _check_template_text,
    _statements,
    ensure_default_template,
    lint_text,
    save_template_version,
)

__all__ = [
    "DEFAULT_TEMPLATE_NAME",
    "EXPIRY_INTERVAL",
    "MAX_TEMPLATE_BYTES",
    "REVOCATION_LINK_WORDS",
    "REVOKE_LINK_LIFETIME",
    "TEMPLATE_ROLES",
    "ActionError",
    "KioskPage",
    "SignResult",
    "SignatureInput",
    "SignedRelease",
    "TemplateRejected",
    "_base_url",
    "_check_template_text",
    "_close_links",
    "_deliver",
    "_expire",
    "_information_description",
    "_mask_email",
    "_patient_state",
    "_publish_end",
    "_relationships",
    "_require_pdf",
    "_revoke",
    "_statements",
    "_today",
    "attest_signer_verified",
    "download_copy",
    "due_for_expiry",
    "email_copy",
    "ensure_default_template",
    "expire_authorizations",
    "expire_due",
    "kiosk_page",
    "lint_text",
    "open_kiosk",
    "prepare_authorization",
    "read_signed_release",
    "record_expiration_event",
    "require_own_release",
    "require_template_admin",
    "revocation_page",
    "revoke_by_link",
    "revoke_by_staff",
    "save_template_version",
    "schedule_expiry",
    "scope_input",
    "scope_lines",
    "scoped_authorizations",
    "scoped_templates",
    "sign",
    "signer_problems",
    "usable_versions",
    "validate_scope",
]
