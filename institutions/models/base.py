from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class BilingualName(models.Model):
    """A Latvian name (authoritative) and an English one; `name` follows the active language."""

    name_lv = models.CharField(_("name (Latvian)"), max_length=255)
    name_en = models.CharField(_("name (English)"), max_length=255, blank=True)

    class Meta:
        abstract = True

    @property
    def name(self):
        if (get_language() or "lv").startswith("en") and self.name_en:
            return self.name_en
        return self.name_lv

    def __str__(self):
        return self.name
