"""Stage history: every change of a suggestion's stage is recorded beside the change itself."""

from ...extensions import db
from ...models import StageChange, Suggestion, funnel_level, utcnow


def move_stage(suggestion: Suggestion, to_stage: str, actor_id: int | None, reason: str | None = None) -> StageChange:
    """Set the suggestion's stage and add the history row to the caller's transaction (the caller commits)."""
    # No autoflush: loading the history collection here would flush the stage change early, and the
    # suggestion's version (optimistic lock) would then move twice for one decision.
    with db.session.no_autoflush:
        change = StageChange(
            suggestion=suggestion,
            from_stage=suggestion.stage,
            to_stage=to_stage,
            actor_id=actor_id,
            at=utcnow(),
            reason=reason,
        )
        suggestion.stage = to_stage
        suggestion.furthest_level = max(suggestion.furthest_level or 1, funnel_level(to_stage))
        db.session.add(change)
    return change
