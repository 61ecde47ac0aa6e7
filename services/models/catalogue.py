from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from institutions.models.base import BilingualName


class ChannelCode(models.TextChoices):
    """The fixed channel code list of domain brief §2."""

    PORTAL = "portal", _("E-service on the state portal (Latvija.gov.lv)")
    OWN_SITE = "own_site", _("E-service on the institution's own site")
    MOBILE_APP = "mobile_app", _("Mobile app")
    E_ADDRESS = "e_address", _("E-address / e-mail")
    PHONE = "phone", _("Phone")
    POST = "post", _("Post")
    INSTITUTION_IN_PERSON = "institution_in_person", _("In person at the institution")
    VPVKAC_IN_PERSON = "vpvkac_in_person", _("In person at a VPVKAC")
    VPVKAC_ASSISTED = "vpvkac_assisted", _("Assisted e-service at a VPVKAC")
    MOBILE_VPVKAC = "mobile_vpvkac", _("Mobile VPVKAC")


class CostUnitClass(models.TextChoices):
    """The classes of the relative cost units (GOV.UK, seed 001 Table 2)."""

    DIGITAL = "digital", _("Digital")
    PHONE = "phone", _("Phone")
    POST = "post", _("Post")
    FACE_TO_FACE = "face_to_face", _("Face to face")


class Channel(BilingualName):
    code = models.CharField(_("code"), max_length=30, choices=ChannelCode.choices, unique=True)
    is_digital = models.BooleanField(_("digital"))
    is_remote = models.BooleanField(_("remote"))
    cost_unit_class = models.CharField(_("relative cost unit class"), max_length=20, choices=CostUnitClass.choices)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["order"]
        verbose_name = _("channel")
        verbose_name_plural = _("channels")


class LifeSituationQuerySet(models.QuerySet):
    def with_fully_online(self):
        """Annotate `fully_online`: the life situation has at least one active service, and every active
        service in it offers at least one channel that is both digital and remote."""
        active = Service.objects.filter(life_situations=models.OuterRef("pk"), status=ServiceStatus.ACTIVE)
        online_channel = ServiceChannel.objects.filter(
            service=models.OuterRef("pk"), channel__is_digital=True, channel__is_remote=True
        )
        not_online = active.exclude(models.Exists(online_channel))
        return self.annotate(
            fully_online=models.ExpressionWrapper(
                models.Exists(active) & ~models.Exists(not_online), output_field=models.BooleanField()
            )
        )


class LifeSituation(BilingualName):
    """A life situation (dzīves situācija) that groups services across institutions."""

    objects = LifeSituationQuerySet.as_manager()

    code = models.SlugField(_("code"), max_length=80, unique=True)
    description_lv = models.TextField(_("description (Latvian)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name_lv"]
        verbose_name = _("life situation")
        verbose_name_plural = _("life situations")


class ServiceTemplate(BilingualName):
    """A unified municipal service: the shared definition that makes one service comparable across municipalities."""

    code = models.SlugField(_("code"), max_length=80, unique=True)
    description_lv = models.TextField(_("description (Latvian)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name_lv"]
        verbose_name = _("unified service template")
        verbose_name_plural = _("unified service templates")


class ServiceKind(models.TextChoices):
    """PVPP2027 §4.2."""

    FOR_PERSON = "for_person", _("For a specific resident or entrepreneur")
    FOR_SOCIETY = "for_society", _("For society as a whole")
    FOR_INSTITUTION = "for_institution", _("For a specific institution")
    FOR_ANY_INSTITUTION = "for_any_institution", _("For any institution")


class ServiceLevel(models.TextChoices):
    STATE = "state", _("State")
    MUNICIPAL = "municipal", _("Municipal")


class ServiceStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    UNDER_DEVELOPMENT = "under_development", _("Under development")
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# The 10 PVPP2027 conditions (§4.3.3.1), each marked applicable or not for a service.
SERVICE_CONDITIONS = [
    ("condition_manageability", _("Manageability")),
    ("condition_needs", _("Conformity to needs")),
    ("condition_accessibility", _("Accessibility")),
    ("condition_participation", _("Participation and cooperation")),
    ("condition_digital", _("Digital transformation")),
    ("condition_usability", _("Usability")),
    ("condition_automation", _("Automation")),
    ("condition_sharing", _("Sharing")),
    ("condition_unification", _("Unification")),
    ("condition_security", _("Security")),
]


class Service(models.Model):
    """One entry of the public service catalogue."""

    catalogue_id = models.CharField(_("catalogue identifier"), max_length=40, unique=True)
    name_lv = models.CharField(_("name (Latvian)"), max_length=500)
    name_en = models.CharField(_("name (English)"), max_length=500, blank=True)
    description_lv = models.TextField(_("description (Latvian)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    kind = models.CharField(_("kind"), max_length=30, choices=ServiceKind.choices, default=ServiceKind.FOR_PERSON)
    level = models.CharField(_("level"), max_length=20, choices=ServiceLevel.choices, default=ServiceLevel.STATE)
    holder = models.ForeignKey(
        "institutions.Institution",
        on_delete=models.PROTECT,
        related_name="held_services",
        verbose_name=_("holder"),
    )
    providers = models.ManyToManyField(
        "institutions.Institution", related_name="provided_services", blank=True, verbose_name=_("providers")
    )
    template = models.ForeignKey(
        ServiceTemplate,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="services",
        verbose_name=_("unified service template"),
    )
    for_natural_persons = models.BooleanField(_("recipients: natural persons"), default=True)
    for_legal_persons = models.BooleanField(_("recipients: legal persons"), default=False)
    status = models.CharField(_("status"), max_length=20, choices=ServiceStatus.choices, default=ServiceStatus.ACTIVE)
    valid_from = models.DateField(_("provided from"), null=True, blank=True)
    valid_to = models.DateField(_("provided until"), null=True, blank=True)
    life_situations = models.ManyToManyField(
        LifeSituation, related_name="services", blank=True, verbose_name=_("life situations")
    )
    minimum_basket = models.BooleanField(
        _("minimum basket"), default=False, help_text=_("Every VPVKAC must support this service.")
    )
    physical_presence_reason = models.CharField(_("reason physical presence is needed"), max_length=500, blank=True)
    digital_only = models.BooleanField(_("digital only"), default=False)
    legal_basis = models.TextField(_("legal basis"), blank=True)
    url = models.URLField(_("link"), max_length=500, blank=True)
    condition_manageability = models.BooleanField(_("Manageability"), default=True)
    condition_needs = models.BooleanField(_("Conformity to needs"), default=True)
    condition_accessibility = models.BooleanField(_("Accessibility"), default=True)
    condition_participation = models.BooleanField(_("Participation and cooperation"), default=True)
    condition_digital = models.BooleanField(_("Digital transformation"), default=True)
    condition_usability = models.BooleanField(_("Usability"), default=True)
    condition_automation = models.BooleanField(_("Automation"), default=True)
    condition_sharing = models.BooleanField(_("Sharing"), default=True)
    condition_unification = models.BooleanField(_("Unification"), default=True)
    condition_security = models.BooleanField(_("Security"), default=True)
    is_demo = models.BooleanField(_("demo data"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords(m2m_fields=[providers, life_situations])

    class Meta:
        ordering = ["name_lv"]
        verbose_name = _("service")
        verbose_name_plural = _("services")
        # The catalogue's lists (pages and API) are in name order: a page is read off this index, not sorted.
        indexes = [models.Index(fields=["name_lv", "catalogue_id"], name="service_name_order")]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_to__gte=models.F("valid_from")),
                name="service_valid_range",
            ),
            models.CheckConstraint(
                condition=Q(for_natural_persons=True) | Q(for_legal_persons=True) | ~Q(kind="for_person"),
                name="service_for_person_has_recipient",
            ),
        ]

    def __str__(self):
        return f"{self.catalogue_id} {self.name}"

    @property
    def name(self):
        if (get_language() or "lv").startswith("en") and self.name_en:
            return self.name_en
        return self.name_lv

    @property
    def description(self):
        if (get_language() or "lv").startswith("en") and self.description_en:
            return self.description_en
        return self.description_lv

    def applicable_conditions(self):
        return [label for field, label in SERVICE_CONDITIONS if getattr(self, field)]

    def active_in_year(self, year):
        """True when the service's lifetime overlaps calendar year `year`."""
        if self.valid_from and self.valid_from.year > year:
            return False
        if self.valid_to and self.valid_to.year < year:
            return False
        return True


class ServiceChannel(models.Model):
    """A channel through which a service is offered, with its address, fee (CPSV-AP Cost) and processing time."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="channels", verbose_name=_("service"))
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="+", verbose_name=_("channel"))
    address = models.CharField(_("address (URL, centre, phone)"), max_length=500, blank=True)
    fee_amount = models.DecimalField(_("fee"), max_digits=12, decimal_places=2, null=True, blank=True)
    fee_currency = models.CharField(_("currency"), max_length=3, default="EUR", blank=True)
    fee_conditions = models.CharField(_("fee conditions"), max_length=500, blank=True)
    processing_days = models.PositiveIntegerField(_("processing time (days)"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["service", "channel__order"]
        verbose_name = _("service channel")
        verbose_name_plural = _("service channels")
        constraints = [
            models.UniqueConstraint(fields=["service", "channel"], name="service_channel_unique"),
            models.CheckConstraint(
                condition=Q(fee_amount__isnull=True) | Q(fee_amount__gte=0), name="fee_not_negative"
            ),
        ]

    def __str__(self):
        return f"{self.service.catalogue_id} · {self.channel}"
