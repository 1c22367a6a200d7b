"""Per-practice chains sealed with the audit key (HMAC) instead of a plain hash.

Events written before this migration are re-sealed once, in writing order, into their
practice's chain: they were only as trustworthy as the plain hash chain they had, and
the upgrade is the moment to anchor them. On PostgreSQL the append-only trigger is set
aside for that one pass, inside this migration's transaction.
"""

from django.conf import settings
from django.db import migrations, models

from clearpost.engine import audit as sealing


def _body(e):  # type: ignore[no-untyped-def]
    """AuditEvent.body() (historical models carry no methods)."""
    return {
        "at": e.at.isoformat(),
        "practice": e.practice_id,
        "actor": e.actor_id,
        "actor_label": e.actor_label,
        "action": e.action,
        "rule": e.rule,
        "object_type": e.object_type,
        "object_id": e.object_id,
        "before_hash": e.before_hash,
        "after_hash": e.after_hash,
        "detail": e.detail,
        "ip": e.ip,
    }


def reseal(apps, schema_editor):  # type: ignore[no-untyped-def]
    AuditEvent = apps.get_model("audit", "AuditEvent")
    ChainHead = apps.get_model("audit", "ChainHead")
    if not AuditEvent.objects.exists():
        return
    key = settings.CLEARPOST_AUDIT_KEY
    postgres = schema_editor.connection.vendor == "postgresql"
    if postgres:
        schema_editor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_no_change")
    heads: dict[int, tuple[int, str]] = {}
    for e in AuditEvent.objects.order_by("seq").iterator(chunk_size=2000):
        chain = e.practice_id or 0
        seq, prev = heads.get(chain, (0, sealing.GENESIS))
        seq += 1
        new_hash = sealing.seal(key, chain, prev, seq, _body(e))
        # a queryset update: the model's append-only guard is not on historical models
        AuditEvent.objects.filter(pk=e.pk).update(
            chain=chain, chain_seq=seq, prev_hash=prev, hash=new_hash
        )
        heads[chain] = (seq, new_hash)
    for chain, (seq, h) in heads.items():
        ChainHead.objects.update_or_create(chain=chain, defaults={"seq": seq, "hash": h})
    if postgres:
        schema_editor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_no_change")


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0003_head_row'),
        ('practices', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='ChainHead',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('chain', models.BigIntegerField(unique=True)),
                ('seq', models.BigIntegerField(default=0)),
                ('hash', models.CharField(default='0000000000000000000000000000000000000000000000000000000000000000', max_length=64)),
            ],
        ),
        migrations.AddField(
            model_name='auditevent',
            name='chain',
            field=models.BigIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='auditevent',
            name='chain_seq',
            field=models.BigIntegerField(null=True),
        ),
        migrations.RunPython(reseal, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='auditevent',
            constraint=models.UniqueConstraint(fields=('chain', 'chain_seq'), name='audit_event_chain_seq'),
        ),
    ]
