import factory
from factory.django import DjangoModelFactory

from accounts.models import Membership, Role, User
from institutions.models import (
    DevelopmentTier,
    Institution,
    InstitutionGroup,
    InstitutionType,
    Municipality,
    MunicipalityKind,
    PlanningRegion,
)

PASSWORD = "Parole-demo-2026"


class PlanningRegionFactory(DjangoModelFactory):
    class Meta:
        model = PlanningRegion
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"region-{n}")
    name_lv = factory.Sequence(lambda n: f"Reģions {n}")
    name_en = factory.Sequence(lambda n: f"Region {n}")


class MunicipalityFactory(DjangoModelFactory):
    class Meta:
        model = Municipality

    code = factory.Sequence(lambda n: f"novads-{n}")
    name_lv = factory.Sequence(lambda n: f"Novads {n}")
    name_en = factory.Sequence(lambda n: f"Municipality {n}")
    kind = MunicipalityKind.COUNTY
    planning_region = factory.SubFactory(PlanningRegionFactory)
    development_tier = DevelopmentTier.LOCAL


class InstitutionGroupFactory(DjangoModelFactory):
    class Meta:
        model = InstitutionGroup
        django_get_or_create = ("code",)

    code = "1.1"
    name_lv = "Ministrijas un to iestādes"
    name_en = "Ministries and their institutions"
    policy_applies = True
    workplan_round1 = True


class InstitutionFactory(DjangoModelFactory):
    class Meta:
        model = Institution

    short_name = factory.Sequence(lambda n: f"IEST{n}")
    name_lv = factory.Sequence(lambda n: f"Iestāde {n}")
    name_en = factory.Sequence(lambda n: f"Institution {n}")
    registration_number = factory.Sequence(lambda n: f"9000{n:07d}")
    group = factory.SubFactory(InstitutionGroupFactory)
    institution_type = InstitutionType.STATE_AGENCY


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.lv")
    role = Role.EDITOR
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def member_of(self, create, extracted, **kwargs):
        if create:
            self.save()
        if create and extracted:
            for institution in extracted:
                Membership.objects.create(user=self, institution=institution)


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    institution = factory.SubFactory(InstitutionFactory)
