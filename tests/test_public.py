"""Public pages: each one renders in the service's style, without the GOV.UK brand."""

import pytest

PUBLIC_PAGES = [
    "/",
    "/accessibility",
    "/privacy",
    "/cookies",
    "/feedback",
    "/how-matching-works",
    "/sign-in",
    "/register",
    "/forgot-password",
]


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_page_renders_with_service_name_and_footer_links(client, path):
    response = client.get(path)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "London Digital Apprenticeships" in html
    for link in ('href="/accessibility"', 'href="/privacy"', 'href="/cookies"'):
        assert link in html
    assert "govuk-phase-banner" in html
    # Not a GOV.UK service: no crown, no GOV.UK logo, no Crown copyright.
    assert (
        "govuk-logo" not in html
        and "govuk-footer__copyright-logo" not in html
        and "GOV.UK - The best place" not in html
    )


def test_start_page_says_who_can_apply_and_starts(client):
    html = client.get("/").get_data(as_text=True)
    assert "Who can apply" in html
    assert "Start now" in html and "govuk-button--start" in html


def test_privacy_notice_covers_collection_basis_retention_and_rights(client):
    html = client.get("/privacy").get_data(as_text=True)
    for heading in ("What we collect", "Why we collect it", "How long we keep it", "Your rights"):
        assert heading in html
    assert "6 months" in html
    assert "Contains OS data © Crown copyright and database right" in html


def test_unknown_page_is_a_styled_404(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)
