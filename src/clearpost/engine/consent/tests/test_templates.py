from __future__ import annotations

import pytest

from clearpost.engine.consent.model import parse_authorization
from clearpost.engine.consent.template_lint import (
    DEFAULT_CHECKS,
    ForbiddenClause,
    LintResult,
    Readability,
    RequiredStatement,
    Severity,
    TemplateText,
    lint_template,
)
from clearpost.engine.consent.templates import (
    DEFAULT_TEMPLATE,
    PLACEHOLDERS,
    TemplateError,
    render_template,
    scope_in_plain_words,
    template_values,
)
from clearpost.engine.consent.tests.cases import with_changes


def blocking_rules(result: LintResult) -> set[str]:
    return {f.rule for f in result.findings if f.severity is Severity.BLOCKING}


def _values(third_party: bool = False) -> dict[str, str]:
    auth = parse_authorization(with_changes({})["authorization"])
    return template_values(
        auth.scope,
        practice_name="Example Aesthetics",
        purposes=auth.elements.purposes,
        expiry="1 March 2027",
        revocation_link="https://example.test/revoke",
        revocation_email="privacy@example.test",
        third_party_remuneration=third_party,
    )


def test_default_template_passes_with_no_findings() -> None:
    result = lint_template(DEFAULT_TEMPLATE)
    assert result.usable
    assert result.findings == []


def test_default_template_is_grade_8_or_lower() -> None:
    assert Readability().grade(TemplateText.of(DEFAULT_TEMPLATE)) <= 8
    rendered = render_template(DEFAULT_TEMPLATE, _values())
    assert Readability().grade(TemplateText.of(rendered)) <= 8


@pytest.mark.parametrize("third_party", [False, True])
def test_rendered_default_template_still_passes(third_party: bool) -> None:
    rendered = render_template(DEFAULT_TEMPLATE, _values(third_party))
    assert "{{" not in rendered
    result = lint_template(rendered, third_party_remuneration=third_party)
    assert result.usable, result.findings


def _without(*fragments: str) -> str:
    text = DEFAULT_TEMPLATE
    for fragment in fragments:
        assert fragment in text, fragment
        text = text.replace(fragment, "")
    return text


# Remove each required statement from the default template: the right rule is reported.
REMOVALS: list[tuple[str, tuple[str, ...], str]] = [
    (
        "description",
        (
            "photos, videos or words about your care",
            "# Permission to post your photos and story",
            "- What: {{media_types}}\n",
            "- Body areas: {{body_regions}}\n",
        ),
        "HIPAA-AUTH-ELEMENT-DESCRIPTION",
    ),
    (
        "discloser",
        (
            "{{practice_name}} asks for your permission",
            "{{practice_name}} and its staff may post it. ",
        ),
        "HIPAA-AUTH-ELEMENT-DISCLOSER",
    ),
    (
        "recipients",
        ("Anyone can see it on {{platforms}}.",),
        "HIPAA-AUTH-ELEMENT-RECIPIENT",
    ),
    (
        "purpose",
        ("We will use it for {{purposes}}.", "## Why we will use it"),
        "HIPAA-AUTH-ELEMENT-PURPOSE",
    ),
    (
        "expiry",
        ("This permission ends on {{expiry}}.",),
        "HIPAA-AUTH-ELEMENT-EXPIRY",
    ),
    (
        "signature and date",
        ("Signed: ______________ Date: ______________",),
        "HIPAA-AUTH-ELEMENT-SIGNATURE-DATE",
    ),
    (
        "representative authority",
        (
            "If you are a parent, guardian or legal representative, write how you are related to the\n"
            "patient and the legal authority you have to act for them.",
            "Relationship and authority: ______________",
        ),
        "HIPAA-AUTH-ELEMENT-REP-AUTHORITY",
    ),
    (
        "right to revoke",
        (
            "## You can change your mind",
            "You can take back (revoke) this permission at any time.",
        ),
        "HIPAA-AUTH-STMT-REVOKE",
    ),
    (
        "how to revoke",
        ("Tell us in writing: use {{revocation_link}} or e-mail {{revocation_email}}.",),
        "HIPAA-AUTH-STMT-REVOKE",
    ),
    (
        "no conditioning",
        (
            "You do not have to sign. Your care will not change if you say no.",
            "We will never make your treatment or payment depend on this form.",
        ),
        "HIPAA-AUTH-STMT-CONDITIONING",
    ),
    (
        "redisclosure",
        (
            "Once we post it, other people may share, copy or save it.",
            "Then the law that keeps your health facts private may no longer protect it.",
        ),
        "HIPAA-AUTH-STMT-REDISCLOSURE",
    ),
    (
        "permanence",
        ("Copies may never be fully removed from the internet, even if we delete our post.",),
        "ASPS-SM-CONSENT",
    ),
    (
        "platforms",
        ("Anyone can see it on {{platforms}}.",),
        "ASPS-SM-CONSENT",
    ),
    (
        "identifiability",
        ("- Your face: {{identifiability}}\n",),
        "ASPS-SM-CONSENT",
    ),
    (
        "compensation",
        ("{{compensation}}\n", "Paid ads: {{paid_promotion}}."),
        "ASPS-SM-CONSENT",
    ),
]


@pytest.mark.parametrize(
    ("fragments", "rule_id"), [r[1:] for r in REMOVALS], ids=[r[0] for r in REMOVALS]
)
def test_removing_a_required_statement_reports_its_rule(
    fragments: tuple[str, ...], rule_id: str
) -> None:
    result = lint_template(_without(*fragments))
    assert not result.usable
    assert rule_id in blocking_rules(result)


def test_remuneration_statement_required_only_when_flagged() -> None:
    text = _without("{{remuneration}}\n")
    assert lint_template(text).usable
    flagged = lint_template(text, third_party_remuneration=True)
    assert "HIPAA-AUTH-REMUNERATION" in blocking_rules(flagged)
    written = text + "\nA company whose products we use pays us for this promotion.\n"
    assert lint_template(written, third_party_remuneration=True).usable


@pytest.mark.parametrize(
    "clause",
    [
        "You agree not to post a negative review of the practice.",
        "Patient agrees to a non-disparagement clause.",
        "You must not write any review online about your results.",
        "Any review you write is assigned to us, including copyright.",
        "A $500 fee applies to reviews that harm the practice.",
    ],
)
def test_gag_clauses_are_blocked(clause: str) -> None:
    result = lint_template(DEFAULT_TEMPLATE + "\n" + clause + "\n")
    assert not result.usable
    gag = [f for f in result.findings if f.rule == "CRFA-NO-GAG"]
    assert gag and all(f.excerpt for f in gag)


@pytest.mark.parametrize(
    "clause",
    [
        "This permission never expires.",
        "This release is perpetual.",
        "There is no expiration date.",
    ],
)
def test_never_ending_release_is_blocked(clause: str) -> None:
    result = lint_template(DEFAULT_TEMPLATE.replace("This permission ends on {{expiry}}.", clause))
    assert "HIPAA-AUTH-ELEMENT-EXPIRY" in blocking_rules(result)


HARD = (
    "Notwithstanding the foregoing provisions, the undersigned irrevocably acknowledges, "
    "understands and consents to the utilization, reproduction, dissemination and "
    "publication of photographic representations, notwithstanding any contemporaneous "
    "or subsequent representations, communications or understandings, whether "
    "documentary or otherwise, pertaining to the aforementioned authorization. "
)


def test_readability_grade_thresholds() -> None:
    assert (
        Readability().run(TemplateText.of("Sign here. We post your photo. You can say no.")) == []
    )
    hard = Readability().run(TemplateText.of(HARD * 3))
    assert hard and hard[0].severity is Severity.BLOCKING
    assert hard[0].rule == "HIPAA-AUTH-PLAIN-LANGUAGE"
    middle = Readability(warn_above=2.0, block_above=40.0).run(
        TemplateText.of(DEFAULT_TEMPLATE + HARD)
    )
    assert middle and middle[0].severity is Severity.WARNING


def test_warning_alone_keeps_template_usable() -> None:
    checks = (Readability(warn_above=0.0, block_above=99.0),)
    result = lint_template(DEFAULT_TEMPLATE, checks=checks)
    assert result.usable and result.findings[0].severity is Severity.WARNING


def test_empty_and_oversized_templates_are_not_usable() -> None:
    assert not lint_template("").usable
    assert not lint_template("   \n\n").usable
    big = lint_template("word " * 60_000)
    assert not big.usable and big.findings[0].rule == "HIPAA-AUTH-PLAIN-LANGUAGE"


def test_checks_are_injectable() -> None:
    only = (
        RequiredStatement("ASPS-SM-CONSENT", "a kiosk note", "why", ((r"\bkiosk\b",),)),
        ForbiddenClause("CRFA-NO-GAG", "gag", "why", (r"\bhush\b",)),
    )
    assert lint_template("A kiosk note.", checks=only).usable
    result = lint_template("Hush, a kiosk. Hush.", checks=only)
    assert [f.rule for f in result.findings] == ["CRFA-NO-GAG", "CRFA-NO-GAG"]
    assert all(c.rule and c.explanation for c in DEFAULT_CHECKS)


def test_lint_result_json() -> None:
    result = lint_template("")
    data = result.to_json()
    assert data["usable"] is False
    assert isinstance(data["findings"], list)
    assert set(data["findings"][0]) == {"rule", "severity", "message", "excerpt"}


# --- render_template -------------------------------------------------------------------


def test_render_fills_every_placeholder() -> None:
    out = render_template(
        "Hi {{ practice_name }} on {{platforms}}.", {"practice_name": "A", "platforms": "B"}
    )
    assert out == "Hi A on B."


def test_render_does_not_expand_placeholders_inside_values() -> None:
    out = render_template("{{practice_name}}", {"practice_name": "{{expiry}}"})
    assert out == "{{expiry}}"


@pytest.mark.parametrize(
    ("text", "values", "words"),
    [
        ("Hi {{nickname}}", {}, "unknown placeholder(s) in the template: {{nickname}}"),
        (
            "Hi {{practice_name}} {{expiry}}",
            {"practice_name": "A"},
            "no value for placeholder(s): {{expiry}}",
        ),
        ("Hi {{practice_name}", {"practice_name": "A"}, "malformed placeholder"),
        ("Hi {{ }}", {}, "malformed placeholder"),
        ("Hi", {"nickname": "x"}, "unknown placeholder value(s): nickname"),
    ],
)
def test_render_errors(text: str, values: dict[str, str], words: str) -> None:
    with pytest.raises(TemplateError) as err:
        render_template(text, values)
    assert words in str(err.value)


def test_render_rejects_non_text_value() -> None:
    with pytest.raises(TemplateError):
        render_template("{{expiry}}", {"expiry": 2027})  # type: ignore[dict-item]


def test_template_values_cover_every_placeholder() -> None:
    assert set(_values()) == PLACEHOLDERS


# --- scope_in_plain_words ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {},
            [
                "Instagram and our website",
                "Photos and videos",
                "Your face will be hidden",
                "Only your first name may be shown",
                "Body areas: abdomen and face",
                "Will not be used in paid ads",
                "You are not paid for this",
            ],
        ),
        (
            {
                "authorization.scope.platforms": ["instagram", "facebook"],
                "authorization.scope.media_types": ["photo"],
                "authorization.scope.identifiability": "deidentified",
                "authorization.scope.name": "full_name",
                "authorization.scope.body_regions": ["any"],
                "authorization.scope.paid_promotion": True,
                "authorization.scope.patient_compensation": "20% discount",
            },
            [
                "Instagram and Facebook",
                "Photos",
                "You will not be recognisable: your face and anything else that could identify you will be hidden",
                "No name will be shown",
                "Body areas: any body area",
                "May be used in paid ads",
                "You get: 20% discount",
            ],
        ),
        (
            {
                "authorization.scope.platforms": ["tiktok", "youtube", "x"],
                "authorization.scope.identifiability": "face_visible",
                "authorization.scope.name": "none",
            },
            [
                "TikTok, YouTube and X (Twitter)",
                "Photos and videos",
                "Your face may be shown",
                "No name will be shown",
                "Body areas: abdomen and face",
                "Will not be used in paid ads",
                "You are not paid for this",
            ],
        ),
    ],
)
def test_scope_in_plain_words(changes: dict[str, object], expected: list[str]) -> None:
    scope = parse_authorization(with_changes(changes)["authorization"]).scope
    assert scope_in_plain_words(scope) == expected


# A practice's own, more formal wording: every statement present in other words.
FORMAL = """# Authorization for Use of Photographs on Social Media

I, the undersigned patient, authorize Bella Vista Plastic Surgery, Dr. Ann Lee and their marketing agency to use and disclose before-and-after photographs and video of my abdomen and breasts.

These images may be published to the general public on Instagram, Facebook and the practice website for the purpose of marketing and patient education. My face will be cropped or masked and my name will not be used.

I will not receive any payment or discount for this authorization.

This authorization expires on 12/31/2027.

I understand that I may revoke this authorization at any time by sending a written notice to privacy@bellavista.example. Revocation does not affect uses made before it was received.

I understand that my treatment, payment, enrollment or eligibility for benefits will not be conditioned on whether I sign this authorization.

I understand that information disclosed under this authorization may be redisclosed by the recipient and may no longer be protected by federal privacy law. Images posted online may never be completely removed.

If signed by a personal representative, describe your authority to act for the patient: ________

Patient signature: ________ Date: ________
"""

BUNDLED = """# Photo Release

I grant Glow Med Spa a perpetual, irrevocable license to use my photos in any media.
I agree not to post negative reviews about Glow Med Spa on Yelp or Google.

Signature: ____ Date: ____
"""


def test_formal_practice_wording_is_usable_with_a_readability_warning() -> None:
    result = lint_template(FORMAL)
    assert result.usable, result.findings
    assert [(f.rule, f.severity) for f in result.findings] == [
        ("HIPAA-AUTH-PLAIN-LANGUAGE", Severity.WARNING)
    ]


def test_typical_spa_photo_release_is_rejected_with_reasons() -> None:
    result = lint_template(BUNDLED)
    assert not result.usable
    rules = blocking_rules(result)
    assert {"CRFA-NO-GAG", "HIPAA-AUTH-STMT-REVOKE", "HIPAA-AUTH-ELEMENT-EXPIRY"} <= rules
    assert "HIPAA-AUTH-ELEMENT-DISCLOSER" not in rules  # "Glow Med Spa ... to use" names it
    irrevocable = [
        f for f in result.findings if f.message.startswith("Remove: a release that cannot")
    ]
    assert irrevocable and "Glow Med Spa" in irrevocable[0].excerpt


@pytest.mark.parametrize(
    "clause",
    [
        "This release is irrevocable.",
        "You cannot withdraw this permission.",
        "It can not be revoked.",
    ],
)
def test_irrevocable_release_is_blocked(clause: str) -> None:
    result = lint_template(DEFAULT_TEMPLATE + "\n" + clause + "\n")
    assert "HIPAA-AUTH-STMT-REVOKE" in blocking_rules(result)


@pytest.mark.parametrize(
    "sentence",
    [
        "Copies may stay online forever.",
        "We cannot undo what we did before we got your note.",
        "You can read reviews of our practice on Google.",
    ],
)
def test_harmless_wording_is_not_forbidden(sentence: str) -> None:
    result = lint_template(DEFAULT_TEMPLATE + "\n" + sentence + "\n")
    assert result.usable and result.findings == []
