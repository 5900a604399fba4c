"""London-wide outreach reports: the diversity funnel, fairness per stage and outreach channels, under disclosure control.

population.py joins equality answers to stages in memory (the only reporting code that reads MonitoringResponse);
disclosure.py suppresses small counts; outreach.py builds the page's tables. No row about one person leaves here.
"""

from .disclosure import MIN_COUNT, Cell, Statistic, Table, protected_table, suppress
from .outreach import (
    Crossing,
    FairnessRow,
    FilterChoices,
    OutreachReport,
    Transition,
    channel_tables,
    crossing,
    fairness,
    filter_choices,
    funnel,
    outreach_report,
    parse_filters,
)
from .population import (
    NOT_ANSWERED,
    STAGES,
    Characteristic,
    Filters,
    Population,
    census_shares,
    characteristics,
    gather,
    group_codes,
    pseudonyms,
    stage_counts,
)
from .saved import save_cycle_counts, saved_counts

__all__ = [
    "MIN_COUNT",
    "NOT_ANSWERED",
    "STAGES",
    "Cell",
    "Characteristic",
    "Crossing",
    "FairnessRow",
    "FilterChoices",
    "Filters",
    "OutreachReport",
    "Population",
    "Statistic",
    "Table",
    "Transition",
    "census_shares",
    "channel_tables",
    "characteristics",
    "crossing",
    "fairness",
    "filter_choices",
    "funnel",
    "gather",
    "group_codes",
    "outreach_report",
    "parse_filters",
    "protected_table",
    "pseudonyms",
    "save_cycle_counts",
    "saved_counts",
    "stage_counts",
    "suppress",
]
