"""Browser tests: Playwright (playwright-core) driving Chromium against a running demo server."""
