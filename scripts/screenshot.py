"""Take the README's screenshot of the licence page: `python scripts/screenshot.py [--out docs/licence-page.png]`.

It does what a newcomer does: `points-ledger demo` on a temporary store, `points-ledger serve`, a token from
`points-ledger tokens create`, then Debian's Chromium (through Playwright; never a downloaded browser) signs in
and opens the demo's standard licence on the day its stage took effect.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from tests.served import CHROMIUM, CHROMIUM_ARGS, demo_service  # noqa: E402

LICENCE = "100975312481"
DAY = "2025-03-15"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "licence-page.png")
    parser.add_argument("--full-page", action="store_true", help="the whole page, not the first screen")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, demo_service(Path(folder)) as service, \
            sync_playwright() as playwright:
        token = service.token("--role", "prefecture", "--subject", "Préfecture du Rhône")
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=[*CHROMIUM_ARGS, "--lang=fr-FR"])
        page = browser.new_page(base_url=service.url, viewport={"width": 1280, "height": 1500}, locale="fr-FR")
        page.goto(f"/ui/?next=/ui/licences/{LICENCE}?on={DAY}")
        page.get_by_label("Jeton d'accès").fill(token)
        page.get_by_role("button", name="Se connecter").click()
        page.wait_for_selector("#balance-chart")
        args.out.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(args.out), full_page=args.full_page)
        browser.close()
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
