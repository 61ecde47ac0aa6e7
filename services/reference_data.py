"""The fixed channel code list (services/reference/channels.json), loaded idempotently."""

import json
from pathlib import Path

from django.db import transaction

from .models import Channel

REFERENCE_DIR = Path(__file__).resolve().parent / "reference"
CHANNEL_FIELDS = ("name_lv", "name_en", "is_digital", "is_remote", "cost_unit_class", "order")


@transaction.atomic
def load_channels():
    """Create or update the channels of the code list; returns counts of new, updated and unchanged rows."""
    with open(REFERENCE_DIR / "channels.json", encoding="utf-8") as handle:
        rows = json.load(handle)
    existing = {channel.code: channel for channel in Channel.objects.all()}
    counts = {"new": 0, "update": 0, "skip": 0}
    for row in rows:
        channel = existing.get(row["code"])
        if channel is None:
            Channel.objects.create(code=row["code"], **{field: row[field] for field in CHANNEL_FIELDS})
            counts["new"] += 1
        elif any(getattr(channel, field) != row[field] for field in CHANNEL_FIELDS):
            for field in CHANNEL_FIELDS:
                setattr(channel, field, row[field])
            channel.full_clean()
            channel.save()
            counts["update"] += 1
        else:
            counts["skip"] += 1
    return {kind: count for kind, count in counts.items() if count}
