"""What to do with an inbound comment, and a compliant reply where one helps.

The action is chosen by the most urgent concern: a comment that exposes someone's PHI is
hidden first; spam is deleted; a complaint gets the generic reply; a medical question is
redirected privately; a self-disclosure is left unconfirmed.
"""

from __future__ import annotations

from clearpost.engine.text.model import PHI_CATEGORIES, Action, Category, Finding
from clearpost.engine.text.profile import PracticeProfile
from clearpost.engine.text.rewrite import generic_reply


def recommend(findings: list[Finding], profile: PracticeProfile) -> tuple[Action, str | None]:
    cats = {f.category for f in findings}
    phone = f" at {profile.phone}" if profile.phone else ""
    if cats & PHI_CATEGORIES:
        return "hide_pending_review", None
    if Category.SPAM in cats:
        return "delete_spam", None
    if Category.INBOUND_NEGATIVE_REVIEW in cats:
        return "reply_generic", (
            "We're sorry to hear you're unhappy. We take every concern seriously, and to "
            "protect privacy we can't discuss details here. Please call our office"
            f"{phone} and ask for our patient care coordinator."
        )
    if Category.INBOUND_MEDICAL_QUESTION in cats:
        # ASPS-SECURE-CHANNEL: the redirect names the practice's secure channel when the
        # profile has one; a general chat DM is not the place for clinical details.
        channel = (
            f"please call our office{phone} or reach us through {profile.secure_channel}"
            if profile.secure_channel
            else f"please call our office{phone} or send us a direct message with your phone number"
        )
        return "redirect_privately", (
            "Thank you for your question. Medical questions deserve a private answer from a "
            f"clinician: {channel} so our team can reach you. If this is urgent, seek "
            "emergency care."
        )
    if Category.INBOUND_SELF_DISCLOSURE in cats:
        return "do_not_confirm", generic_reply(profile).replace(
            "Thank you for reaching out.", "Thank you so much for the kind words!"
        )
    return "none", None
