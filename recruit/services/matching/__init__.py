"""Matching in the service: `runs` builds the library's profiles from the database and exports runs for audit;
`rounds` starts, computes and publishes runs; `review` lets recruiters act on suggestions (`blind` keeps them
name-blind until shortlisting, `bulk` decides several at once); `positions` keeps offers within a placement's
positions; `stages` records every stage change. Views import this package."""

from . import guaranteed, outcomes
from .blind import REMOVED, REVEALED_STAGES, SuggestionView, is_revealed, redact, reference, suggestion_view
from .bulk import (BULK_ACTIONS, FEEDBACK_TEMPLATES, BulkOutcome, decide_many, guaranteed_before_interview,
                   parse_selection, selected_suggestions)
from .positions import PlacementFull, take_position
from .review import (ACTIONS, STALE_MESSAGE, STAGE_LABELS, actions_for, decide, suggestion_in_borough, placement_suggestions,
                     suggestion_views, review_placements, stage_label, view_suggestion)
from .rounds import (IN_PROGRESS, compute_run, fail_run, preview_summary, publish_refusal, publish_run, run_match,
                     start_run)
from .runs import (ACTIVE_STAGES, DIGITAL_FIELD, OPEN_STAGES, candidate_profile, export_run, gather_inputs,
                   get_run, is_published, match_weights, placement_profile, run_creators, runs, worked_example)
from ..errors import ServiceError

__all__ = [
    "BULK_ACTIONS", "FEEDBACK_TEMPLATES", "BulkOutcome", "decide_many", "guaranteed_before_interview",
    "parse_selection", "selected_suggestions", "REMOVED", "SuggestionView", "suggestion_views", "redact", "suggestion_view",
    "ACTIONS", "ACTIVE_STAGES", "guaranteed", "outcomes", "DIGITAL_FIELD", "IN_PROGRESS", "OPEN_STAGES", "REVEALED_STAGES", "STAGE_LABELS",
    "STALE_MESSAGE", "ServiceError", "PlacementFull", "actions_for", "candidate_profile", "compute_run", "decide",
    "export_run", "fail_run", "gather_inputs", "get_run", "is_published", "is_revealed", "suggestion_in_borough",
    "match_weights", "placement_suggestions", "placement_profile", "preview_summary", "publish_refusal", "publish_run",
    "reference", "review_placements", "run_creators", "run_match", "runs", "stage_label", "start_run", "take_position",
    "view_suggestion", "worked_example",
]
