// Browser tests of the covid-portal pages: Playwright (playwright-core) driving Debian's Chromium.
//
//   node tests/browser/run.mjs <server url> <artefacts dir>
//
// Each step prints "ok <step>"; the last line is "ALL OK". A failure prints "FAIL <step>: <reason>" and
// exits 1. Screenshots (and the downloaded query results) go to the artefacts folder.
import { chromium } from "playwright-core";
import { mkdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

const [url, artefacts] = process.argv.slice(2);
if (!url || !artefacts) {
  console.error("usage: node run.mjs <server url> <artefacts dir>");
  process.exit(2);
}
mkdirSync(artefacts, { recursive: true });
const executablePath = process.env.CHROMIUM || "/usr/bin/chromium";
const ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
  "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"];

function count(text) {
  return parseInt(text.trim().replace(/,/g, "").match(/^\d+/)[0], 10);
}

function check(condition, message) {
  if (!condition) throw new Error(message);
}

const browser = await chromium.launch({ executablePath, headless: true, args: ARGS });
let step = "start";
let failed = false;
const page = await (await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 900 } })).newPage();
// nothing may be fetched from another host: every request must go to the server under test
const foreign = [];
page.on("request", (request) => {
  if (!request.url().startsWith(url) && !request.url().startsWith("data:")) foreign.push(request.url());
});
const pageErrors = [];
page.on("pageerror", (error) => pageErrors.push(String(error)));

async function run(name, body) {
  step = name;
  await body();
  console.log(`ok ${name}`);
}

try {
  await run("home page and charts", async () => {
    const response = await page.goto(url + "/");
    check(response.status() === 200, `home page answered ${response.status()}`);
    const charts = page.locator("svg.chart[role=img]");
    const count = await charts.count();
    check(count >= 5, `expected at least 5 charts, found ${count}`);
    for (let i = 0; i < count; i++) {
      const chart = charts.nth(i);
      check(await chart.isVisible(), `chart ${i} is not visible`);
      const box = await chart.boundingBox();
      check(box && box.width > 100 && box.height > 40, `chart ${i} is not drawn (box ${JSON.stringify(box)})`);
      check((await chart.locator("title").first().textContent()).trim().length > 0, `chart ${i} has no title`);
    }
    const bars = await page.locator("#chart-structures rect").count();
    check(bars > 0, "the structures-per-protein chart has no bars");
    const columns = await page.locator("#chart-samples rect").count();
    check(columns > 0, "the samples-per-month chart has no columns");
    console.log(`  charts: ${count}, structure bars: ${bars}, sample columns: ${columns}`);
    await page.screenshot({ path: join(artefacts, "home.png"), fullPage: true });
  });

  await run("keyboard: skip link first", async () => {
    await page.goto(url + "/");
    await page.keyboard.press("Tab");
    const focused = await page.evaluate(() => document.activeElement && document.activeElement.textContent.trim());
    check(/skip/i.test(focused || ""), `first Tab focused ${JSON.stringify(focused)}, not the skip link`);
  });

  await run("search and facet", async () => {
    await page.goto(url + "/");
    await page.getByLabel("Search all records").fill("spike");
    await page.keyboard.press("Enter");
    await page.waitForURL(/\/search\?/);
    const heading = page.locator("#result-count");
    const before = count(await heading.textContent());
    check(before > 1, `search for spike found ${before}`);
    const facet = page.locator('.facet a[href*="type=proteins"]');
    check((await facet.count()) === 1, "no Proteins facet value");
    await facet.click();
    await page.waitForURL(/type=proteins/);
    const after = count(await heading.textContent());
    check(after >= 1 && after < before, `facet did not narrow the results (${before} -> ${after})`);
    check((await page.locator('.facet a.on[aria-current="true"]').count()) === 1, "selected facet not marked");
    console.log(`  spike: ${before} results, proteins: ${after}`);
    await page.screenshot({ path: join(artefacts, "search.png"), fullPage: true });
  });

  await run("open an entity and follow a cross-link", async () => {
    const link = page.locator('ol.results a[href*="/entity/uniprot:P0DTC2"]');
    check((await link.count()) === 1, "no search result links to uniprot:P0DTC2");
    await link.click();
    await page.waitForURL(/\/entity\/uniprot:P0DTC2/);
    check((await page.locator("h1").count()) === 1, "the entity page has no h1");
    await page.screenshot({ path: join(artefacts, "entity.png"), fullPage: true });
    const here = new URL(page.url()).pathname;
    const hrefs = await page.locator('main a[href*="/entity/"]').evaluateAll((links) => links.map((a) => a.href));
    const other = hrefs.find((href) => new URL(href).pathname !== here);
    check(other, "the entity page has no cross-link to another entity");
    const response = await page.goto(other);
    check(response.status() === 200, `cross-link ${other} answered ${response.status()}`);
    check((await page.locator("h1").count()) === 1, "the linked entity page has no h1");
    console.log(`  followed ${here} -> ${new URL(page.url()).pathname}`);
    await page.screenshot({ path: join(artefacts, "entity-linked.png"), fullPage: true });
  });

  await run("run an example query and download the results", async () => {
    await page.goto(url + "/editor");
    const examples = page.locator("a.example");
    check((await examples.count()) > 0, "no example queries listed");
    const before = await page.locator("#query").inputValue();
    await examples.first().click();
    await page.waitForFunction((old) => document.getElementById("query").value !== old, before);
    const query = await page.locator("#query").inputValue();
    check(/\b(SELECT|CONSTRUCT|ASK|DESCRIBE)\b/i.test(query), "the example did not load a query");
    check((await page.locator("#highlight .tok-keyword").count()) > 0, "the query is not highlighted");
    await page.getByRole("button", { name: "Run query" }).click();
    await page.waitForFunction(() => /result|Answer|Graph/.test(document.getElementById("status").textContent), null,
      { timeout: 30000 });
    const status = await page.locator("#status").textContent();
    check(!/Error/.test(status), `the query failed: ${status}`);
    console.log(`  ${status}`);
    await page.screenshot({ path: join(artefacts, "editor.png"), fullPage: true });
    const download = page.locator("#downloads a").first();
    check((await download.count()) === 1, "no download links");
    const [file] = await Promise.all([page.waitForEvent("download"), download.click()]);
    const target = join(artefacts, "results-" + file.suggestedFilename());
    await file.saveAs(target);
    check(statSync(target).size > 0, "the downloaded results are empty");
    console.log(`  downloaded ${file.suggestedFilename()} (${statSync(target).size} bytes)`);
    const csv = page.locator("#downloads a.download-csv");
    if ((await csv.count()) === 1) {
      const [csvFile] = await Promise.all([page.waitForEvent("download"), csv.click()]);
      const csvPath = join(artefacts, "results.csv");
      await csvFile.saveAs(csvPath);
      check(readFileSync(csvPath, "utf-8").split("\n")[0].length > 0, "the CSV has no header");
    }
  });

  await run("phone layout", async () => {
    await page.setViewportSize({ width: 375, height: 812 });
    for (const path of ["/", "/search?query=spike", "/editor", "/partners"]) {
      await page.goto(url + path);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      check(overflow <= 1, `${path} is ${overflow}px wider than a phone screen`);
    }
    await page.goto(url + "/");
    await page.screenshot({ path: join(artefacts, "home-phone.png"), fullPage: true });
  });

  await run("nothing fetched from other hosts, no script errors", async () => {
    check(foreign.length === 0, `requests to other hosts: ${foreign.join(", ")}`);
    check(pageErrors.length === 0, `script errors: ${pageErrors.join("; ")}`);
  });
} catch (error) {
  failed = true;
  console.log(`FAIL ${step}: ${error.message}`);
  await page.screenshot({ path: join(artefacts, "failure.png"), fullPage: true }).catch(() => {});
} finally {
  await browser.close();
}
if (failed) process.exit(1);
console.log("ALL OK");
