"""`authorizations/actions` is a package split by concept; every name other code
imported from `clearpost.app.authorizations.actions` still imports from there, and no
module of the package grows back past the size limit."""

from __future__ import annotations

from pathlib import Path

from clearpost.app.authorizations import actions

# The public names of the single module before the split (other branches build on them).
BEFORE_SPLIT = [
    "ActionError",
    "DEFAULT_TEMPLATE_NAME",
    "EXPIRY_INTERVAL",
    "KioskPage",
    "MAX_TEMPLATE_BYTES",
    "REVOCATION_LINK_WORDS",
    "REVOKE_LINK_LIFETIME",
    "SignResult",
    "SignatureInput",
    "SignedRelease",
    "TEMPLATE_ROLES",
    "TemplateRejected",
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


def test_every_name_is_still_importable_from_actions() -> None:
    missing = [n for n in BEFORE_SPLIT if not hasattr(actions, n)]
    assert missing == []
    assert set(BEFORE_SPLIT) <= set(actions.__all__)


def test_the_task_keeps_working_under_its_new_path() -> None:
    assert actions.expire_authorizations.module_path.endswith(
        "actions.ending.expire_authorizations"
    )


def test_each_module_stays_small() -> None:
    folder = Path(actions.__file__).parent
    sizes = {p.name: len(p.read_text().splitlines()) for p in folder.glob("*.py")}
    assert len(sizes) >= 6 and max(sizes.values()) < 400, sizes
