"""Changes of usage figures and costs schedule an incremental recomputation of the cost figures of their
provider and year, once per transaction, after it commits (services/costing.py)."""

from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from . import costing
from .models import ServiceCost, ServiceFigure


@receiver(pre_save, sender=ServiceFigure)
@receiver(pre_save, sender=ServiceCost)
def provider_year_before_change(sender, instance, raw=False, **kwargs):
    """A row moved to another provider or year leaves figures behind at the old one: recompute it too."""
    if raw or instance.pk is None:
        return
    before = sender.objects.filter(pk=instance.pk).values_list("provider_id", "year").first()
    if before is not None and before != (instance.provider_id, instance.year):
        costing.figures_changed(*before)


@receiver(post_save, sender=ServiceFigure)
@receiver(post_delete, sender=ServiceFigure)
@receiver(post_save, sender=ServiceCost)
@receiver(post_delete, sender=ServiceCost)
def figures_changed(sender, instance, raw=False, **kwargs):
    if raw:
        return
    costing.figures_changed(instance.provider_id, instance.year)
