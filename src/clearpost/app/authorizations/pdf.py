"""The patient's copy of a signed release as a PDF (HIPAA-AUTH-COPY).

fpdf2 is pure Python, so the copy renders on any machine without a browser or system
libraries; DejaVu Sans carries the accents and symbols in patients' names. Without the
font file the copy still renders with a core font (non-Latin-1 characters replaced),
because a copy with a replaced accent is better than no copy.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path

from fpdf import FPDF

FONT_PATH = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
FONT_BOLD_PATH = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")


@dataclass(frozen=True)
class CopyContent:
    practice_name: str
    authorization_id: str
    patient_name: str
    rendered_text: str
    scope_lines: list[str]
    signer_name: str
    signer_relationship: str
    authority_description: str
    minor_assent: str
    signed_at: str
    expiry: str
    content_sha256: str
    template_label: str
    signature_png: bytes
    revocation_url: str


class _Doc(FPDF):
    def __init__(self) -> None:
        super().__init__(format="Letter")
        self.unicode = FONT_PATH.exists()
        if self.unicode:
            self.add_font("DejaVu", "", str(FONT_PATH))
            self.add_font(
                "DejaVu", "B", str(FONT_BOLD_PATH if FONT_BOLD_PATH.exists() else FONT_PATH)
            )
            self.family_name = "DejaVu"
        else:
            self.family_name = "Helvetica"
        self.set_auto_page_break(auto=True, margin=18)
        self.set_margins(18, 16, 18)

    def text_of(self, value: str) -> str:
        if self.unicode:
            return value
        return value.encode("latin-1", "replace").decode("latin-1")

    def para(self, value: str, size: float = 10.5, bold: bool = False, gap: float = 1.5) -> None:
        self.set_font(self.family_name, "B" if bold else "", size)
        self.multi_cell(0, size * 0.5, self.text_of(value), new_x="LMARGIN", new_y="NEXT")
        self.ln(gap)


# "Signed: ______ Date: ______", "Relationship and authority: ______": fill-in lines
# of a paper form, answered by the signature block of the signed copy.
BLANK_FORM_LINE = re.compile(r"^(?:[^_:]{1,60}:\s*_{3,}\s*)+$")


def render_copy(content: CopyContent) -> bytes:
    doc = _Doc()
    doc.set_title(f"Media release {content.authorization_id}")
    doc.set_creator("ClearPost")
    doc.add_page()
    doc.para(content.practice_name, size=9)
    doc.para(f"Your copy of your media release · {content.authorization_id}", size=9)
    doc.para(f"Patient: {content.patient_name}", size=9, gap=4)
    for line in content.rendered_text.splitlines():
        stripped = line.strip()
        if BLANK_FORM_LINE.match(stripped):
            continue  # the paper form's blank "Signed: ____" lines: the real block follows
        if not stripped:
            doc.ln(1.5)
        elif stripped.startswith("#"):
            doc.para(
                stripped.lstrip("#").strip(),
                size=14 if stripped.startswith("# ") else 12,
                bold=True,
            )
        else:
            doc.para(stripped, gap=0.5)
    doc.ln(3)
    doc.para("What you allowed, in short", size=12, bold=True)
    for line in content.scope_lines:
        doc.para("• " + line, gap=0.5)
    doc.para(f"Ends: {content.expiry}", gap=3)
    doc.para("Signature", size=12, bold=True)
    doc.para(f"Signed by: {content.signer_name} ({content.signer_relationship})", gap=0.5)
    if content.authority_description:
        doc.para(f"Authority to sign: {content.authority_description}", gap=0.5)
    if content.minor_assent:
        doc.para(f"Minor's assent: {content.minor_assent}", gap=0.5)
    doc.para(f"Signed at: {content.signed_at}", gap=2)
    if content.signature_png:
        doc.image(io.BytesIO(content.signature_png), w=70)
        doc.ln(2)
    doc.para("How to take back this permission", size=12, bold=True)
    doc.para(
        "Open this private link and press the button. It works once. "
        "You can also tell us in writing.",
        gap=0.5,
    )
    doc.para(content.revocation_url, size=9, gap=3)
    doc.para("Record", size=12, bold=True)
    doc.para(f"Form: {content.template_label}", size=8, gap=0.5)
    doc.para(f"SHA-256 of the signed text and signature: {content.content_sha256}", size=8)
    return bytes(doc.output())
