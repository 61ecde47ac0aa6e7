"""Every change to governed data has a history (issue 10: who, when and what, visible to the coordinator).

A model of our apps either keeps django-simple-history records or is named below with the reason it needs none.
A new model fails here until one of the two is decided."""

from django.apps import apps
from simple_history.models import HistoricalChanges

from reports.audit import all_sources

OUR_APPS = ("institutions", "services", "assessments", "workplans", "vpvkac", "transformation", "reports", "accounts")

# Models without history, each with why. Nothing here is typed in by a person as the record of a decision; it is
# either recomputed from historied data, the progress of a job, or itself the audit record of what it did.
WITHOUT_HISTORY = {
    # Computed figures: written only by a recomputation from historied inputs and parameter versions, and
    # rewritten whole by the next one; their history would be the inputs' history again.
    "services.CostFigure": "computed by services/costing.py",
    "assessments.Score": "computed by assessments/scoring.py from the historied answers",
    "vpvkac.CentreFigure": "computed by vpvkac/network.py",
    "vpvkac.MunicipalityFigure": "computed by vpvkac/network.py",
    "vpvkac.CentreHourlyFigure": "computed by vpvkac/network.py",
    "vpvkac.PeriodSummary": "computed by vpvkac/network.py",
    # Job and progress rows: each already says who asked for it and when; its later changes are progress.
    "services.CostRecomputation": "recomputation job",
    "vpvkac.NetworkRecomputation": "recomputation job",
    "workplans.ExecutionReport": "report generation job and its files",
    "reports.GeneratedReport": "report generation job and its files",
    # Import batches: the audit record of a bulk import themselves (who, when, the file, the counts); the
    # audit page lists them beside the history rows.
    "services.BulkImport": "import batch, shown on the audit page",
    "vpvkac.ContactImport": "import batch, shown on the audit page",
    # Logs of reminders already sent, written by the scheduled job so that it does not send twice.
    "workplans.ReminderLog": "sent-reminder log",
    "transformation.ReviewReminderLog": "sent-reminder log",
}


def our_models():
    for label in OUR_APPS:
        for model in apps.get_app_config(label).get_models():
            if issubclass(model, HistoricalChanges):
                continue  # the history tables themselves
            yield model


def has_history(model):
    return hasattr(model._meta, "simple_history_manager_attribute")


def test_every_model_of_our_apps_holding_governed_data_keeps_history():
    missing = [model._meta.label for model in our_models() if not has_history(model)]
    missing = [label for label in missing if label not in WITHOUT_HISTORY]
    assert missing == [], f"models without history and not in WITHOUT_HISTORY: {missing}"


def test_the_allow_list_names_only_existing_models_without_history():
    for label in WITHOUT_HISTORY:
        model = apps.get_model(label)  # LookupError for a model that no longer exists
        assert not has_history(model), f"{label} keeps history now: take it off WITHOUT_HISTORY"


def test_the_audit_page_reads_every_historied_model_and_every_import_batch():
    # The audit page would not show a historied model it does not read, nor the bulk imports' batches.
    historied = {m._meta.label for m in our_models() if has_history(m)}
    read = {source.label for source in all_sources()}
    batches = {label for label, reason in WITHOUT_HISTORY.items() if reason.startswith("import batch")}
    assert historied | batches <= read
