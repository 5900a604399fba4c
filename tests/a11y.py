"""axe-core in Chromium: the accessibility check every page must pass."""

from axe_playwright_python.sync_playwright import Axe

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
_axe = Axe()


def axe_violations(page) -> list[dict]:
    """The WCAG 2.2 A/AA violations axe-core finds on the page, once it has loaded."""
    page.wait_for_load_state("load")  # a click may have started a navigation: check the page it leads to
    results = _axe.run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]})
    return results.response["violations"]


def assert_no_axe_violations(page) -> None:
    """Fail with a readable report naming each rule and the elements that break it."""
    violations = axe_violations(page)
    report = "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']} -> "
        + "; ".join(n["target"][0] if n["target"] else "?" for n in v["nodes"][:5])
        for v in violations
    )
    assert not violations, f"axe found {len(violations)} violation(s) on {page.url}:\n{report}"
