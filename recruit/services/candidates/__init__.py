"""Candidate use cases: eligibility, the application in sections, placement choices, submitting, your data.

Split by concern: `eligibility` (the questions asked before an account exists), `skills` (the taxonomy),
`application` (sections, check answers, submit, withdraw), `choices` (ranking placements) and `data`
(download, delete, purge).
"""
