"""The candidate journey through the test client: eligibility, sections, choices, check answers, submit."""

from recruit.extensions import db
from recruit.models import AuditEvent, Candidate, OutboxEmail

from candidate_journey import ELIGIBLE_ANSWERS, Poster, complete_sections, make_eligible, make_vacancy


def test_smoke_whole_journey(app, client, login_as):
    user = login_as()
    make_eligible(app, user.candidate_id)
    post = Poster(client)
    vacancy = make_vacancy(app)
    complete_sections(post)
    assert post("/candidates/choices/add", {"vacancy_id": str(vacancy)}).status_code == 302
    for path in ["/candidates/", "/candidates/application", "/candidates/application/check", "/candidates/choices",
                 "/candidates/your-data"] + [f"/candidates/application/{k}" for k in
                 ["about-you", "where-you-live", "when-you-can-work", "skills", "interests", "qualifications", "support", "how-you-heard"]] + ["/candidates/application/where-you-live/borough"]:
        response = client.get(path)
        assert response.status_code == 200, (path, response.get_data(as_text=True)[-3000:])
    response = post("/candidates/application/check", {"declaration": "agreed"})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert client.get("/candidates/application/sent").status_code == 200
    assert client.get("/candidates/equality-questions").status_code == 200
