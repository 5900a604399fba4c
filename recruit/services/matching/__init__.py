"""Matching in the service: `runs` builds the library's profiles from the database, records runs and
exports them for audit; `review` lets recruiters act on suggestions. Views import this package."""

from .blind import REMOVED, REVEALED_STAGES, SuggestionView, is_revealed, redact, reference, suggestion_view
from .bulk import (BULK_ACTIONS, FEEDBACK_TEMPLATES, BulkOutcome, decide_many, guaranteed_before_interview,
                   parse_selection, selected_matches)
from .review import (ACTIONS, STALE_MESSAGE, STAGE_LABELS, actions_for, decide, match_in_borough, placement_matches,
                     placement_suggestions, review_placements, stage_label)
from .runs import (ACTIVE_STAGES, DIGITAL_FIELD, OPEN_STAGES, MatchError, candidate_profile, export_run, gather_inputs,
                   get_run, match_weights, placement_profile, run_creators, run_match, runs, worked_example)

__all__ = [
    "BULK_ACTIONS", "FEEDBACK_TEMPLATES", "BulkOutcome", "decide_many", "guaranteed_before_interview",
    "parse_selection", "selected_matches", "REMOVED", "SuggestionView", "placement_suggestions", "redact", "suggestion_view",
    "ACTIONS", "ACTIVE_STAGES", "DIGITAL_FIELD", "OPEN_STAGES", "REVEALED_STAGES", "STAGE_LABELS", "STALE_MESSAGE",
    "MatchError", "actions_for", "candidate_profile", "decide", "export_run", "gather_inputs", "get_run",
    "is_revealed", "match_in_borough", "match_weights", "placement_matches", "placement_profile", "reference",
    "review_placements", "run_creators", "run_match", "runs", "stage_label", "worked_example",
]
