"""Progress of long jobs, written where other sessions can read it while the job's transaction is open."""

from django.db import DEFAULT_DB_ALIAS, connections


class RowWriter:
    """Updates fields of one row through a database connection of its own.

    A long job (an import, a recomputation) runs in one transaction; what it writes there stays invisible until
    it commits. On PostgreSQL this writer opens a second connection, in autocommit, so a status page sees the
    progress at once. SQLite has a single writer: there the update goes through the job's own connection and
    shows when the job ends."""

    def __init__(self, model, pk, using=DEFAULT_DB_ALIAS):
        self.model = model
        self.pk = pk
        self.using = using
        main = connections[using]
        self.connection = (
            main.__class__(dict(main.settings_dict), alias=f"{using}-progress") if main.vendor == "postgresql" else None
        )

    def update(self, **values):
        if self.connection is None:
            self.model.objects.using(self.using).filter(pk=self.pk).update(**values)
            return
        meta = self.model._meta
        quote = self.connection.ops.quote_name
        fields = [meta.get_field(name) for name in values]
        assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
        params = [field.get_db_prep_save(values[field.name], self.connection) for field in fields]
        with self.connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s",
                [*params, self.pk],
            )

    def close(self):
        if self.connection is not None:
            self.connection.close()
