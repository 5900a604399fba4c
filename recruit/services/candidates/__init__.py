"""Candidate use cases: eligibility, the application in sections, placement choices, submitting, your data.

Split by concern: `eligibility` (the questions asked before an account exists), `skills` (the taxonomy),
`application` (sections, check answers, submit, withdraw), `choices` (ranking placements) and `data`
(download, delete, purge).
"""


class CandidateError(ValueError):
    """A problem a candidate can fix, with a GOV.UK-style message (and the field it belongs to)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
