"""Changes of contact figures and grants schedule an incremental recomputation of their municipality and
periods; changes of the network itself (centres, their status, settlements, periods, published costs) a full
one. Once per transaction, after it commits (vpvkac/network.py)."""

from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from . import network
from .models import (
    Centre,
    CentreStatusChange,
    ContactFigure,
    Grant,
    PublishedCostPerService,
    ReportingPeriod,
    Settlement,
)


def _grant_municipality(grant):
    return grant.municipality_id if grant.centre_id is None else grant.centre.municipality_id


@receiver(pre_save, sender=ContactFigure)
def contact_figure_before_change(sender, instance, raw=False, **kwargs):
    """A figure moved to another centre or day leaves its old place to be recomputed too."""
    if raw or instance.pk is None:
        return
    before = sender.objects.filter(pk=instance.pk).values_list("centre__municipality_id", "date").first()
    if before is not None:
        network.figures_changed(*before)


@receiver(post_save, sender=ContactFigure)
@receiver(post_delete, sender=ContactFigure)
def contact_figure_changed(sender, instance, raw=False, **kwargs):
    if raw:
        return
    network.figures_changed(instance.centre.municipality_id, instance.date)


@receiver(pre_save, sender=Grant)
def grant_before_change(sender, instance, raw=False, **kwargs):
    if raw or instance.pk is None:
        return
    before = sender.objects.select_related("centre").filter(pk=instance.pk).first()
    if before is not None:
        network.grants_changed(_grant_municipality(before), before.period_id)


@receiver(post_save, sender=Grant)
@receiver(post_delete, sender=Grant)
def grant_changed(sender, instance, raw=False, **kwargs):
    if raw:
        return
    network.grants_changed(_grant_municipality(instance), instance.period_id)


@receiver(post_save, sender=Centre)
@receiver(post_delete, sender=Centre)
@receiver(post_save, sender=CentreStatusChange)
@receiver(post_delete, sender=CentreStatusChange)
@receiver(post_save, sender=Settlement)
@receiver(post_delete, sender=Settlement)
@receiver(post_save, sender=ReportingPeriod)
@receiver(post_delete, sender=ReportingPeriod)
@receiver(post_save, sender=PublishedCostPerService)
@receiver(post_delete, sender=PublishedCostPerService)
def network_changed(sender, instance, raw=False, **kwargs):
    if raw:
        return
    network.network_changed()
