"""What the browser tests check on every screen they open: nothing wider than the window, and
no serious or critical accessibility fault found by axe-core.

axe-core comes from the npm registry (package.json pins it, ``make test`` runs ``npm ci``) and is
evaluated into the page by Playwright, outside the page's Content-Security-Policy, so the site's
policy needs no exception for it. CSP violations and console errors are the ``browser``
fixture's (root conftest): it fails the test on any.
"""

from pathlib import Path

from django.conf import settings

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
WIDTHS = (360, 390, 768, 1366)
# The levels of axe's findings that fail a screen ("moderate" and "minor" are reported by axe
# too, but are advice: heading order, landmarks of a print layout...).
FAILING_IMPACTS = ("serious", "critical")

# The elements sticking out past the right edge of the window, as "tag.class (right edge px)":
# the deepest ones, which are the culprits, not the containers they stretch.
_OVERFLOW = """
() => {
  const width = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth <= width) return null;
  const wide = [];
  for (const el of document.body.querySelectorAll("*")) {
    const box = el.getBoundingClientRect();
    if (box.right > width + 1 && box.width > 0 && getComputedStyle(el).position !== "fixed") {
      let hidden = false;
      for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
        const style = getComputedStyle(up);
        if (style.overflowX !== "visible" && up.getBoundingClientRect().right <= width + 1) { hidden = true; break; }
      }
      if (!hidden && ![...el.children].some((child) => child.getBoundingClientRect().right > width + 1)) {
        const name = el.tagName.toLowerCase() + (el.className && typeof el.className === "string"
          ? "." + el.className.trim().split(/\\s+/).join(".") : "");
        wide.push(`${name} (${Math.round(box.right)} px): ${(el.innerText || "").trim().slice(0, 40)}`);
      }
    }
  }
  return {scrollWidth: document.documentElement.scrollWidth, width, wide: wide.slice(0, 5)};
}
"""

# Boxes that scroll sideways inside the page and hide part of their content (a table's last
# columns), unless marked data-scrolls (a schedule grid that is meant to be panned).
_HIDDEN_SCROLL = """
() => [...document.body.querySelectorAll("*")].filter((el) => {
  const style = getComputedStyle(el);
  return ["auto", "scroll"].includes(style.overflowX) && el.scrollWidth > el.clientWidth + 1
    && el.clientWidth > 0 && !el.closest("[data-scrolls]");
}).slice(0, 3).map((el) => `${el.tagName.toLowerCase()}.${[...el.classList].join(".")} shows ${el.clientWidth} of ${el.scrollWidth} px`)
"""

_AXE_RUN = """
async (impacts) => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.filter((v) => impacts.includes(v.impact)).map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ") + (n.failureSummary ? " — " + n.failureSummary.split("\\n").slice(1, 2).join("") : "")),
  }));
}
"""


def axe_source() -> str:
    if not AXE.exists():
        raise AssertionError(f"{AXE} is missing: run `npm ci` (make test does) to install axe-core")
    return AXE.read_text()


def overflow(page) -> str | None:
    """Why the page scrolls sideways, or None when it fits its window."""
    found = page.evaluate(_OVERFLOW)
    if not found:
        return None
    return f"{found['scrollWidth']} px wide in a {found['width']} px window; sticking out: {found['wide']}"


def axe_violations(page) -> list[str]:
    """axe-core's serious and critical findings on the page as it is now, one line each."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source())
    return [
        f"{v['impact']} {v['id']} ({v['help']}): {'; '.join(v['nodes'])}"
        for v in page.evaluate(_AXE_RUN, list(FAILING_IMPACTS))
    ]


def resize(page, width: int, height: int = 900) -> None:
    """Give the page a new window size and let its scripts lay it out again (the header's
    navigation is fitted on the next animation frame)."""
    page.set_viewport_size({"width": width, "height": height})
    page.evaluate("() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")


def screen_problems(page, *, axe: bool = True) -> list[str]:
    """Overflow, a header on more than one row, and accessibility problems of the page as it
    is now."""
    problems = []
    header = page.evaluate(
        # A visitor's two links may sit under the name on a phone; a signed-in menu may not.
        "() => { const el = document.querySelector('.header-inner:has([data-nav-toggle]):not(:has(.open))');"
        " return el ? el.getBoundingClientRect().height : 0; }"
    )
    empty = page.evaluate(
        """() => [...document.querySelectorAll(".card, .form-card, .auth-page form")].filter((el) =>
            el.getClientRects().length && !el.innerText.trim() && !el.querySelector("img, input:not([type=hidden])")
        ).length"""
    )
    if empty:
        problems.append(f"{empty} empty card(s)")
    if header > 64:
        problems.append(f"the header takes more than one row ({header:.0f} px high)")
    wide = overflow(page)
    if wide:
        problems.append(f"scrolls sideways: {wide}")
    problems.extend(f"hides content in a sideways-scrolling box: {box}" for box in page.evaluate(_HIDDEN_SCROLL))
    if axe:
        problems.extend(axe_violations(page))
    return problems


def assert_screen_ok(page, what: str = "") -> None:
    """Fail, listing every problem, unless the page as it is now has none."""
    problems = screen_problems(page)
    assert not problems, f"{what or page.url}:\n" + "\n".join(problems)
