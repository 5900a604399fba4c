"""Run one action per suggestion on real threads, released together, as people clicking at the same moment."""

import threading

from recruit.extensions import db
from recruit.models import Suggestion
from recruit.services.matching import ServiceError


def at_once(app, suggestion_ids, action, done: str) -> list[str]:
    """Call action(match) for each suggestion in its own thread and request; `done` on success, else the message."""
    barrier, results = threading.Barrier(len(suggestion_ids)), []

    def attempt(suggestion_id):
        with app.test_request_context():
            suggestion = db.session.get(Suggestion, suggestion_id)
            _ = (
                suggestion.candidate.user,
                suggestion.placement.borough,
                suggestion.placement.standard,
            )  # loaded before the race
            barrier.wait()
            try:
                action(suggestion)
                results.append(done)
            except ServiceError as error:
                results.append(error.message)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=attempt, args=(suggestion_id,)) for suggestion_id in suggestion_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(results) == len(suggestion_ids), "a thread did not finish"
    return results
