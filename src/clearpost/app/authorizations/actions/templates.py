"""Release templates: linting, saving versions, the shipped default."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest

from clearpost.app.accounts.models import User
from clearpost.app.audit.actions import record
from clearpost.app.authorizations.actions.common import (
    DEFAULT_TEMPLATE_NAME,
    MAX_TEMPLATE_BYTES,
    ActionError,
    TemplateRejected,
    require_template_admin,
)
from clearpost.app.authorizations.models import (
    ReleaseTemplate,
    TemplateVersion,
)
from clearpost.app.practices.models import Practice
from clearpost.engine.consent.template_lint import (
    DEFAULT_CHECKS,
    LintResult,
    Readability,
    RequiredStatement,
    TemplateText,
    lint_template,
)
from clearpost.engine.consent.templates import (
    DEFAULT_TEMPLATE,
    TemplateError,
    render_template,
)


# Templates --------------------------------------------------------------------------
def lint_text(
    text: str, *, third_party_remuneration: bool = False
) -> tuple[LintResult, float | None]:
    """The engine's lint plus the reading grade to show beside it."""
    result = lint_template(text, third_party_remuneration=third_party_remuneration)
    try:
        grade: float | None = round(Readability().grade(TemplateText.of(text)), 1)
    except Exception:  # the lint already reports an unmeasurable grade as blocking
        grade = None
    return result, grade


def _check_template_text(text: str) -> str:
    if "\x00" in text:
        raise ActionError({"text": "The template contains binary data; paste plain text."})
    if len(text.encode("utf-8")) > MAX_TEMPLATE_BYTES:
        raise ActionError(
            {"text": f"The template is larger than {MAX_TEMPLATE_BYTES // 1000} KB; shorten it."}
        )
    text = text.replace("\r\n", "\n").strip() + "\n"
    try:
        render_template(text, {})
    except TemplateError as exc:
        if "no value for placeholder" not in str(exc):
            raise ActionError({"text": str(exc)}) from None
    return text


def save_template_version(
    actor: User | None,
    *,
    name: str,
    text: str,
    template: ReleaseTemplate | None = None,
    practice: Practice | None = None,
    request: HttpRequest | None = None,
) -> TemplateVersion:
    """Save a new version (versions are never edited). Refused when lint finds it unusable."""
    if actor is not None:
        require_template_admin(actor, request)
        practice = actor.practice
    if practice is None:
        raise PermissionDenied("No practice for this template.")
    name = " ".join(name.split())
    if not name:
        raise ActionError({"name": "Give the template a name."})
    text = _check_template_text(text)
    lint, grade = lint_text(text)
    if not lint.usable:
        record(
            "template.refused",
            actor=actor,
            practice=practice,
            rule="HIPAA-AUTH-DEFECT-INCOMPLETE",
            object_type="authorizations.releasetemplate",
            object_id=str(template.pk) if template else "",
            detail={"rules": sorted({f.rule for f in lint.findings})},
            request=request,
        )
        raise TemplateRejected(lint)
    with transaction.atomic():
        if template is None:
            if ReleaseTemplate.objects.filter(practice=practice, name=name).exists():
                raise ActionError({"name": "A template with this name exists; edit it instead."})
            template = ReleaseTemplate.objects.create(
                practice=practice, name=name, created_by=actor
            )
        elif template.practice_id != practice.pk:
            raise PermissionDenied("Not a template of your practice.")
        elif template.name != name:
            if (
                ReleaseTemplate.objects.filter(practice=practice, name=name)
                .exclude(pk=template.pk)
                .exists()
            ):
                raise ActionError({"name": "Another template has this name."})
            template.name = name
            template.save(update_fields=["name"])
        latest = template.latest_version()
        version = TemplateVersion.objects.create(
            template=template,
            number=(latest.number + 1) if latest else 1,
            text=text,
            lint=lint.to_json(),
            usable=lint.usable,
            readability_grade=grade,
            created_by=actor,
        )
        record(
            "template.version",
            actor=actor,
            practice=practice,
            obj=template,
            rule="HIPAA-AUTH-PLAIN-LANGUAGE",
            after={"text": text},
            detail={"version": version.number, "grade": grade},
            request=request,
        )
    return version


def ensure_default_template(practice: Practice) -> ReleaseTemplate:
    """Give a practice the shipped template once (idempotent; used by the demo seed)."""
    existing: ReleaseTemplate | None = ReleaseTemplate.objects.filter(
        practice=practice, name=DEFAULT_TEMPLATE_NAME
    ).first()
    if existing is not None and existing.latest_version() is not None:
        return existing
    version = save_template_version(
        None,
        name=DEFAULT_TEMPLATE_NAME,
        text=DEFAULT_TEMPLATE,
        template=existing,
        practice=practice,
    )
    template: ReleaseTemplate = version.template
    return template


def _statements(text: str, third_party_remuneration: bool) -> dict[str, bool]:
    """Which required statements the template carries: the contract's *_statement flags."""
    prepared = TemplateText.of(text, third_party_remuneration=True)
    required = [c for c in DEFAULT_CHECKS if isinstance(c, RequiredStatement)]

    def present(rule_id: str, name_part: str = "") -> bool:
        checks = [c for c in required if c.rule == rule_id and name_part in c.name]
        return bool(checks) and not any(c.run(prepared) for c in checks)

    return {
        "revocation_statement": present("HIPAA-AUTH-STMT-REVOKE"),
        "no_conditioning_statement": present("HIPAA-AUTH-STMT-CONDITIONING"),
        "redisclosure_statement": present("HIPAA-AUTH-STMT-REDISCLOSURE"),
        "permanence_statement": present("ASPS-SM-CONSENT", "never be fully removed"),
        "remuneration_statement": present("HIPAA-AUTH-REMUNERATION"),
    }
