"""Run one action per suggestion on real threads, released together, as people clicking at the same moment."""

import threading

from recruit.extensions import db
from recruit.models import Match
from recruit.services.matching import MatchError


def at_once(app, match_ids, action, done: str) -> list[str]:
    """Call action(match) for each suggestion in its own thread and request; `done` on success, else the message."""
    barrier, results = threading.Barrier(len(match_ids)), []

    def attempt(match_id):
        with app.test_request_context():
            match = db.session.get(Match, match_id)
            _ = match.candidate.user, match.vacancy.borough, match.vacancy.standard  # loaded before the race
            barrier.wait()
            try:
                action(match)
                results.append(done)
            except MatchError as error:
                results.append(error.message)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=attempt, args=(match_id,)) for match_id in match_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(results) == len(match_ids), "a thread did not finish"
    return results
