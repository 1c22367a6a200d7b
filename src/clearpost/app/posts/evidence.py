"""One evidence package per post for an auditor: `evidence.json` (the machine-readable
records), `summary.pdf` (the same in words) and `manifest.json` (each file's SHA-256),
in one zip.

The records are the releases and their versions, media hashes and de-identification
reports, every gate run with its text findings and the justifications, the patient's
preview decision and the approvals. The package proves itself against the audit trail:
each event of the post is listed with its chain hash, `checks` recomputes each link
hash, and each gate run, approval and preview decision is matched to the event that
recorded it (by the hash stored in the event). Names of patients never appear: patients
are named by their public IDs.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from typing import Any

from django.conf import settings
from fpdf import FPDF

from clearpost.app.audit.models import AuditEvent
from clearpost.app.authorizations.models import Authorization
from clearpost.app.authorizations.pdf import FONT_BOLD_PATH, FONT_PATH
from clearpost.app.posts import content
from clearpost.app.posts.models import Post
from clearpost.engine import audit as chain

_REPORT_KEYS = (
    "status",
    "reason",
    "format",
    "width",
    "height",
    "output_sha256",
    "metadata_removed",
    "provenance",
    "faces",
    "text_regions",
    "sensitive_regions",
    "verification",
)


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _release(auth: Authorization) -> dict[str, Any]:
    return {
        "id": auth.public_id,
        "status": auth.status,
        "template_version": auth.template_version.number,
        "template_id": auth.template_version.template_id,
        "content_sha256": auth.content_sha256,
        "pdf_sha256": auth.pdf_sha256,
        "signed_at": _iso(auth.signed_at),
        "signer_relationship": auth.signer_relationship,
        "expires_on": _iso(auth.expires_on),
        "revoked_at": _iso(auth.revoked_at),
        "scope": {
            "platforms": auth.platforms,
            "media_types": auth.media_types,
            "identifiability": auth.identifiability,
            "name": auth.name_shown,
            "body_regions": auth.body_regions,
            "purposes": auth.purposes,
            "paid_promotion": auth.paid_promotion,
        },
    }


def build_records(post: Post) -> dict[str, Any]:
    media = []
    releases: dict[str, Authorization] = {}
    for pm in post.ordered_media():
        item = pm.item
        links = []
        for ln in item.links.select_related("patient", "authorization__template_version"):
            links.append(
                {
                    "patient": ln.patient.public_id,
                    "authorization": ln.authorization.public_id if ln.authorization else None,
                }
            )
            if ln.authorization is not None:
                releases[ln.authorization.public_id] = ln.authorization
        report = item.report_dict
        media.append(
            {
                "id": item.public_id,
                "position": pm.position,
                "kind": item.kind,
                "status": item.status,
                "derivative_sha256": item.derivative_sha256,
                "original_sha256": item.original_sha256,
                "faces_left_visible": item.faces_left_visible,
                "shows_no_patient": item.shows_no_patient,
                "provenance_flags": item.provenance_flags,
                "body_regions": item.body_regions,
                "deid_report": {k: report[k] for k in _REPORT_KEYS if k in report},
                "links": links,
            }
        )
    events = list(AuditEvent.objects.filter(object_id=post.public_id).order_by("seq")) + list(
        AuditEvent.objects.filter(object_id__in=list(releases)).order_by("seq")
    )
    events.sort(key=lambda e: e.seq)
    records: dict[str, Any] = {
        "format": "clearpost-post-evidence/1",
        "post": {
            "id": post.public_id,
            "practice": post.practice.name,
            "type": post.post_type,
            "state": post.state,
            "caption": post.caption,
            "caption_sha256": hashlib.sha256(post.caption.encode("utf-8")).hexdigest(),
            "scheduled_at": _iso(post.scheduled_at),
            "risk": post.risk,
            "identifiable": post.identifiable,
            "name_shown": post.name_shown,
            "purpose": post.purpose,
            "paid_promotion": post.paid_promotion,
            "author": post.author.public_id,
            "targets": [
                {"id": a.public_id, "platform": a.platform, "kind": a.kind, "handle": a.handle}
                for a in post.target_accounts()
            ],
        },
        "media": media,
        "releases": [_release(a) for a in releases.values()],
        "gate_runs": [
            {
                "id": r.pk,
                "stage": r.stage,
                "checked_for": _iso(r.at),
                "ran_at": _iso(r.ran_at),
                "passed": r.passed,
                "result": r.result,
                "result_sha256": r.result_sha256,
                "content_sha256": r.content_sha256,
            }
            for r in post.gate_runs.order_by("pk")
        ],
        "justifications": [
            {
                "key": j.key,
                "rule": j.rule,
                "text": j.text,
                "by": j.written_by.public_id,
                "at": _iso(j.written_at),
            }
            for j in post.justifications.select_related("written_by").order_by("pk")
        ],
        "previews": [
            {
                "id": p.public_id,
                "status": p.status,
                "content_sha256": p.content_sha256,
                "created_at": _iso(p.created_at),
                "decided_at": _iso(p.decided_at),
                "expires_at": _iso(p.expires_at),
                "reason": p.reason,
            }
            for p in post.previews.order_by("pk")
        ],
        "approvals": [
            {
                "id": a.pk,
                "kind": a.kind,
                "approver": a.approver.public_id,
                "media_sha256": a.media_sha256,
                "caption": a.caption,
                "targets": a.targets,
                "window": [_iso(a.window_start), _iso(a.window_end)],
                "content_sha256": a.content_sha256,
                "approved_at": _iso(a.approved_at),
                "voided_at": _iso(a.voided_at),
                "void_reason": a.void_reason,
                "note": a.note,
            }
            for a in post.approvals.select_related("approver").order_by("pk")
        ],
        "audit_events": [
            {
                "seq": e.seq,
                "chain_seq": e.chain_seq,
                "at": _iso(e.at),
                "action": e.action,
                "rule": e.rule,
                "object_id": e.object_id,
                "actor": e.actor_label,
                "before_hash": e.before_hash,
                "after_hash": e.after_hash,
                "detail": e.detail,
                "prev_hash": e.prev_hash,
                "hash": e.hash,
            }
            for e in events
        ],
    }
    records["checks"] = _checks(records, events)
    return records


def _checks(records: dict[str, Any], events: list[AuditEvent]) -> list[dict[str, Any]]:
    """Each record matched to the audit event that sealed it, and each event's seal
    recomputed with the audit key (an HMAC: only the app holds the key, so whoever edits
    the package cannot re-seal it). `ok` is false on any mismatch."""
    out: list[dict[str, Any]] = []
    for e in events:
        ok = e.chain_seq is not None and e.hash == chain.seal(
            settings.CLEARPOST_AUDIT_KEY, e.chain, e.prev_hash, e.chain_seq, e.body()
        )
        out.append({"what": f"audit event {e.seq} ({e.action}) hash", "ok": ok})
    gate_events = {e.detail.get("gate_run"): e for e in events if e.action == "post.gate"}
    for run in records["gate_runs"]:
        ev = gate_events.get(run["id"])
        ok = ev is not None and ev.detail.get("result_sha256") == run["result_sha256"]
        ok = ok and content.sha256_json(run["result"]) == run["result_sha256"]
        out.append(
            {
                "what": f"gate run {run['id']} ({run['stage']})",
                "ok": ok,
                "event": ev.seq if ev else None,
            }
        )
    approve_events = {e.detail.get("approval"): e for e in events if e.action == "post.approve"}
    for ap in records["approvals"]:
        ev = approve_events.get(ap["id"])
        after = {"media": ap["media_sha256"], "caption": ap["caption"], "targets": ap["targets"]}
        ok = (
            ev is not None
            and ev.detail.get("content_sha256") == ap["content_sha256"]
            and ev.after_hash == chain.content_hash(after)
        )
        out.append(
            {
                "what": f"approval {ap['id']} ({ap['kind']})",
                "ok": ok,
                "event": ev.seq if ev else None,
            }
        )
    decisions = {e.detail.get("preview"): e for e in events if e.action == "post.preview_decision"}
    for pv in records["previews"]:
        if pv["status"] not in ("approved", "declined") and pv["id"] not in decisions:
            continue
        ev = decisions.get(pv["id"])
        ok = ev is not None and ev.after_hash == chain.content_hash(
            {"status": pv["status"], "reason": pv["reason"]}
        )
        out.append(
            {
                "what": f"patient preview {pv['id']} ({pv['status']})",
                "ok": ok,
                "event": ev.seq if ev else None,
            }
        )
    return out


class _Pdf(FPDF):
    def __init__(self) -> None:
        super().__init__(format="Letter")
        self.unicode = FONT_PATH.exists()
        if self.unicode:
            self.add_font("DejaVu", "", str(FONT_PATH))
            self.add_font(
                "DejaVu", "B", str(FONT_BOLD_PATH if FONT_BOLD_PATH.exists() else FONT_PATH)
            )
            self.fam = "DejaVu"
        else:
            self.fam = "Helvetica"
        self.set_auto_page_break(auto=True, margin=16)
        self.set_margins(16, 14, 16)

    def line_of(self, value: str, size: float = 10, bold: bool = False) -> None:
        text = value if self.unicode else value.encode("latin-1", "replace").decode("latin-1")
        self.set_font(self.fam, "B" if bold else "", size)
        self.multi_cell(0, size * 0.5, text, new_x="LMARGIN", new_y="NEXT")
        self.ln(1)


def render_pdf(records: dict[str, Any]) -> bytes:
    doc = _Pdf()
    doc.set_title(f"Evidence for post {records['post']['id']}")
    doc.add_page()
    p = records["post"]
    doc.line_of(f"Evidence package: post {p['id']}", 15, True)
    doc.line_of(f"{p['practice']} · {p['type']} · state {p['state']} · risk {p['risk']}")
    doc.line_of(f"Scheduled for {p['scheduled_at'] or 'not scheduled'}")
    doc.line_of(f"Caption (SHA-256 {p['caption_sha256']}):", bold=True)
    doc.line_of(p["caption"] or "(empty)")
    doc.line_of("Targets: " + ", ".join(f"{t['platform']} {t['handle']}" for t in p["targets"]))
    doc.line_of("Media", 12, True)
    for m in records["media"]:
        v = m["deid_report"].get("verification") or {}
        doc.line_of(
            f"{m['id']} ({m['kind']}, {m['status']}): derivative {m['derivative_sha256']}; "
            f"faces left visible: {m['faces_left_visible']}; verification passed: "
            f"{v.get('passed')}; flags: {', '.join(m['provenance_flags']) or 'none'}; "
            f"patients: {', '.join(ln['patient'] for ln in m['links']) or 'none'}"
        )
    doc.line_of("Releases", 12, True)
    for r in records["releases"]:
        doc.line_of(
            f"{r['id']} version {r['template_version']}: {r['status']}, signed {r['signed_at']}, "
            f"expires {r['expires_on']}, revoked {r['revoked_at']}; document SHA-256 "
            f"{r['content_sha256']}"
        )
    doc.line_of("Checks (gate runs)", 12, True)
    for run in records["gate_runs"]:
        rules = sorted({f["rule"] for f in run["result"].get("findings", []) if f.get("blocking")})
        doc.line_of(
            f"{run['stage']} at {run['ran_at']}: {'passed' if run['passed'] else 'blocked'}"
            + (f" ({', '.join(rules)})" if rules else "")
        )
    for j in records["justifications"]:
        doc.line_of(f"Justification for {j['rule']} by {j['by']}: {j['text']}")
    doc.line_of("Patient preview", 12, True)
    for pv in records["previews"]:
        doc.line_of(f"{pv['id']}: {pv['status']} {pv['decided_at'] or ''} {pv['reason']}")
    doc.line_of("Approvals", 12, True)
    for a in records["approvals"]:
        doc.line_of(
            f"{a['kind']} by {a['approver']} at {a['approved_at']}; window {a['window'][0]} to "
            f"{a['window'][1]}; content {a['content_sha256']}"
            + (f"; VOID {a['voided_at']} ({a['void_reason']})" if a["voided_at"] else "")
        )
    doc.line_of("Audit trail", 12, True)
    bad = [c for c in records["checks"] if not c["ok"]]
    doc.line_of(
        f"{len(records['audit_events'])} events; {len(records['checks'])} checks, "
        f"{len(bad)} failed."
    )
    for c in bad:
        doc.line_of(f"FAILED: {c['what']}")
    return bytes(doc.output())


def build_zip(post: Post) -> tuple[bytes, str]:
    """The package bytes and the SHA-256 of its evidence.json."""
    records = build_records(post)
    data = json.dumps(records, indent=2, sort_keys=True, default=str).encode("utf-8")
    pdf = render_pdf(records)
    manifest = {
        "evidence.json": hashlib.sha256(data).hexdigest(),
        "summary.pdf": hashlib.sha256(pdf).hexdigest(),
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("evidence.json", data)
        zf.writestr("summary.pdf", pdf)
        zf.writestr("manifest.json", json.dumps(manifest, indent=2))
    return buf.getvalue(), manifest["evidence.json"]
