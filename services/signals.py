"""Changes of usage figures and costs schedule an incremental recomputation of the cost figures of their
provider and year, once per transaction, after it commits (services/costing.py)."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from . import costing
from .models import ServiceCost, ServiceFigure


@receiver(post_save, sender=ServiceFigure)
@receiver(post_delete, sender=ServiceFigure)
@receiver(post_save, sender=ServiceCost)
@receiver(post_delete, sender=ServiceCost)
def figures_changed(sender, instance, raw=False, **kwargs):
    if raw:
        return
    costing.figures_changed(instance.provider_id, instance.year)
