"""One name per concept: vacancy -> placement, match -> suggestion, preference -> choice; furthest_level

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03

Renames the three tables, every column, index and constraint named after them (docs/glossary.md), and adds
`suggestion.furthest_level`, filled from each suggestion's stage history. Every row is kept.

PostgreSQL renames in place. SQLite cannot rename a constraint, so each affected table is rebuilt from its own
stored definition with the new names (SQLite's documented way to change a table) and its rows copied across.

A database created between the rename and this revision already has the new names under revision 0001; for it
this revision only records itself.
"""

import re

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TABLES = {"vacancy": "placement", "match": "suggestion", "preference": "choice"}
COLUMNS = {
    "vacancy_id": "placement_id",
    "match_id": "suggestion_id",
    "vacancy_count": "placement_count",
    "match_count": "suggestion_count",
}
# Index and constraint names follow the naming convention in recruit/extensions.py; `match_run` keeps its name
# (a run of matching), so a mechanical word swap would get some of these wrong: they are listed.
NAMES = {
    "pk_vacancy": "pk_placement",
    "ck_vacancy_positions_positive": "ck_placement_positions_positive",
    "ck_vacancy_status_known": "ck_placement_status_known",
    "ck_vacancy_wage_unit_known": "ck_placement_wage_unit_known",
    "fk_vacancy_borough_id_borough": "fk_placement_borough_id_borough",
    "fk_vacancy_created_by_id_user_account": "fk_placement_created_by_id_user_account",
    "fk_vacancy_cycle_id_recruitment_cycle": "fk_placement_cycle_id_recruitment_cycle",
    "fk_vacancy_standard_id_standard": "fk_placement_standard_id_standard",
    "ix_vacancy_borough_id": "ix_placement_borough_id",
    "ix_vacancy_closing_date": "ix_placement_closing_date",
    "ix_vacancy_cycle_id": "ix_placement_cycle_id",
    "ix_vacancy_standard_id": "ix_placement_standard_id",
    "ix_vacancy_status": "ix_placement_status",
    "pk_match": "pk_suggestion",
    "ck_match_stage_known": "ck_suggestion_stage_known",
    "fk_match_candidate_id_candidate": "fk_suggestion_candidate_id_candidate",
    "fk_match_decided_by_id_user_account": "fk_suggestion_decided_by_id_user_account",
    "fk_match_run_id_match_run": "fk_suggestion_run_id_match_run",
    "fk_match_vacancy_id_vacancy": "fk_suggestion_placement_id_placement",
    "ix_match_candidate_id": "ix_suggestion_candidate_id",
    "ix_match_run_id": "ix_suggestion_run_id",
    "ix_match_stage": "ix_suggestion_stage",
    "ix_match_vacancy_id": "ix_suggestion_placement_id",
    "uq_match_run_candidate_vacancy": "uq_suggestion_run_candidate_placement",
    "pk_preference": "pk_choice",
    "fk_preference_candidate_id_candidate": "fk_choice_candidate_id_candidate",
    "fk_preference_vacancy_id_vacancy": "fk_choice_placement_id_placement",
    "ix_preference_candidate_id": "ix_choice_candidate_id",
    "ix_preference_vacancy_id": "ix_choice_placement_id",
    "uq_preference_candidate_vacancy": "uq_choice_candidate_placement",
    "fk_interview_booking_match_id_match": "fk_interview_booking_suggestion_id_suggestion",
    "ix_interview_booking_match_id": "ix_interview_booking_suggestion_id",
    "uq_interview_booking_live_match": "uq_interview_booking_live_suggestion",
    "fk_interview_criterion_vacancy_id_vacancy": "fk_interview_criterion_placement_id_placement",
    "ix_interview_criterion_vacancy_id": "ix_interview_criterion_placement_id",
    "uq_interview_criterion_vacancy_position": "uq_interview_criterion_placement_position",
    "fk_interview_score_match_id_match": "fk_interview_score_suggestion_id_suggestion",
    "ix_interview_score_match_id": "ix_interview_score_suggestion_id",
    "fk_interview_slot_vacancy_id_vacancy": "fk_interview_slot_placement_id_placement",
    "ix_interview_slot_vacancy_id": "ix_interview_slot_placement_id",
    "fk_offer_match_id_match": "fk_offer_suggestion_id_suggestion",
    "uq_offer_match_id": "uq_offer_suggestion_id",
    "fk_slot_request_match_id_match": "fk_slot_request_suggestion_id_suggestion",
    "ix_slot_request_match_id": "ix_slot_request_suggestion_id",
    "fk_stage_change_match_id_match": "fk_stage_change_suggestion_id_suggestion",
    "ix_stage_change_match_id": "ix_stage_change_suggestion_id",
}
# The hiring path's levels as they stood when this revision was written (recruit.models.FUNNEL_LEVEL): a migration
# must keep doing what it did, whatever the code says later. Any other stage counts as 1 (suggested).
FUNNEL_LEVEL = {"shortlisted": 2, "interview": 3, "offered": 4, "accepted": 5}


def upgrade():
    tables = sa.inspect(op.get_bind()).get_table_names()
    if "vacancy" not in tables and "placement" in tables:
        return  # made by 0001 after the rename: the names and furthest_level are already there
    _rename({**TABLES, **COLUMNS, **NAMES}, add_furthest_level=True)
    _fill_furthest_level()


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE suggestion DROP COLUMN furthest_level")
    else:
        op.drop_column("suggestion", "furthest_level")
    _rename({new: old for old, new in {**TABLES, **COLUMNS, **NAMES}.items()}, add_furthest_level=False)


def _rename(names: dict[str, str], add_furthest_level: bool) -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_sqlite_tables(names, add_furthest_level)
    else:
        _rename_in_place(names, add_furthest_level)


def _rename_in_place(names: dict[str, str], add_furthest_level: bool) -> None:
    """PostgreSQL: rename tables, columns, constraints, indexes and id sequences where they stand."""
    bind = op.get_bind()
    inspector = sa.inspect(bind)
    for table in inspector.get_table_names():
        for column in inspector.get_columns(table):
            if column["name"] in names:
                op.alter_column(table, column["name"], new_column_name=names[column["name"]])
        if table in names:
            op.rename_table(table, names[table])
            op.execute(f'ALTER SEQUENCE IF EXISTS "{table}_id_seq" RENAME TO "{names[table]}_id_seq"')
    for old, new in names.items():
        owner = bind.execute(
            sa.text("SELECT conrelid::regclass::text FROM pg_constraint WHERE conname = :n"), {"n": old}
        )
        table = owner.scalar()
        if table is not None:  # a constraint (a primary key's or unique constraint's index follows its name)
            op.execute(f'ALTER TABLE {table} RENAME CONSTRAINT "{old}" TO "{new}"')
        elif bind.execute(sa.text("SELECT to_regclass(:n)"), {"n": old}).scalar() is not None:
            op.execute(f'ALTER INDEX "{old}" RENAME TO "{new}"')
    if add_furthest_level:
        op.add_column("suggestion", sa.Column("furthest_level", sa.Integer(), nullable=True))


def _rebuild_sqlite_tables(names: dict[str, str], add_furthest_level: bool) -> None:
    """SQLite: each table whose definition uses an old name is made again from that definition with the new names."""
    bind = op.get_bind()
    word = re.compile(r"\b(" + "|".join(sorted(map(re.escape, names), key=len, reverse=True)) + r")\b")
    schema = bind.execute(
        sa.text(
            "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE sql IS NOT NULL AND type IN ('table', 'index')"
        )
    ).all()
    affected = {row.name for row in schema if row.type == "table" and word.search(row.sql)}
    for table in sorted(affected):
        new_name = names.get(table, table)
        definition = word.sub(lambda found: names[found.group(1)], _sql_without_header(schema, table))
        if add_furthest_level and new_name == "suggestion":
            stage = "\tstage VARCHAR(12) NOT NULL, \n"
            assert definition.count(stage) == 1, "the suggestion table is not as revision 0001 made it"
            definition = definition.replace(stage, stage + "\tfurthest_level INTEGER NOT NULL, \n")
        op.execute(f'CREATE TABLE "_new_{new_name}" {definition}')
        old_columns = [column["name"] for column in sa.inspect(bind).get_columns(table)]
        new_columns = [names.get(column, column) for column in old_columns]
        copied, extra = ", ".join(f'"{c}"' for c in new_columns), ""
        if add_furthest_level and new_name == "suggestion":
            copied, extra = copied + ', "furthest_level"', ", 1"  # filled from the stage history next
        selected = ", ".join(f'"{c}"' for c in old_columns) + extra
        op.execute(f'INSERT INTO "_new_{new_name}" ({copied}) SELECT {selected} FROM "{table}"')
    # SQLite does not enforce foreign keys here (the app never turns them on), so dropping a table cascades nothing.
    for table in sorted(affected):
        op.execute(f'DROP TABLE "{table}"')
    for table in sorted(affected):
        op.execute(f'ALTER TABLE "_new_{names.get(table, table)}" RENAME TO "{names.get(table, table)}"')
    for row in schema:
        if row.type == "index" and row.tbl_name in affected:
            op.execute(word.sub(lambda found: names[found.group(1)], row.sql))


def _sql_without_header(schema, table: str) -> str:
    """A table's stored CREATE TABLE statement from its opening bracket on."""
    sql = next(row.sql for row in schema if row.type == "table" and row.name == table)
    return sql[sql.index("(") :]


def _fill_furthest_level() -> None:
    """Each suggestion's furthest level: the highest level of its current stage and every stage in its history."""

    def level(column: str) -> str:
        whens = " ".join(f"WHEN '{stage}' THEN {number}" for stage, number in FUNNEL_LEVEL.items())
        return f"CASE {column} {whens} ELSE 1 END"

    history = f"SELECT MAX({level('to_stage')}) FROM stage_change WHERE stage_change.suggestion_id = suggestion.id"
    op.execute(f"UPDATE suggestion SET furthest_level = {level('stage')}")
    op.execute(f"UPDATE suggestion SET furthest_level = ({history}) WHERE ({history}) > furthest_level")
    if op.get_bind().dialect.name != "sqlite":
        op.alter_column("suggestion", "furthest_level", nullable=False)
