// Shared pieces of the end-to-end tests: a static server for the built page, the system
// Chromium driven by playwright-core, console-error capture and screenshots under target/.
//
// The page must already be built into target/dist (scripts/test does `trunk build --release`
// first); the harness only serves it.

import { createServer } from "node:http";
import { readFile, mkdir } from "node:fs/promises";
import { existsSync } from "node:fs";
import { extname, join, normalize, resolve } from "node:path";
import { chromium } from "playwright-core";

export const ROOT = resolve(import.meta.dirname, "..", "..");
export const DIST = join(ROOT, "target", "dist");
export const SCREENSHOTS = join(ROOT, "target", "e2e");

const MIME = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".wasm": "application/wasm",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".json": "application/json",
};

// Chromium as verified on this machine kind: the background-networking flags keep it from
// reaching for hosts this closed network refuses.
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-dev-shm-usage",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-quic",
  "--no-first-run",
];

/** Serves target/dist on 127.0.0.1 at a free port. Resolves to { url, close }. */
export async function serveDist() {
  if (!existsSync(join(DIST, "index.html"))) {
    throw new Error(`no built page at ${DIST}: run \`trunk build --release\` (scripts/test does)`);
  }
  const server = createServer(async (request, response) => {
    const path = decodeURIComponent(new URL(request.url, "http://x").pathname);
    const file = normalize(join(DIST, path === "/" ? "index.html" : path));
    if (!file.startsWith(DIST)) {
      response.writeHead(403).end();
      return;
    }
    try {
      const body = await readFile(file);
      response.writeHead(200, { "content-type": MIME[extname(file)] ?? "application/octet-stream" });
      response.end(body);
    } catch {
      response.writeHead(404).end("not found");
    }
  });
  await new Promise((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise((done) => server.close(done)),
  };
}

/** Launches the system Chromium headless. */
export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: CHROMIUM_ARGS,
  });
}

/**
 * A fresh page (with Playwright's page `options`, 1280×800 unless they say otherwise) that
 * records every console error and uncaught exception in `page.errors`, so a test can assert
 * the page stayed clean. Nothing is loaded yet: init scripts can still be added.
 */
export async function newPage(browser, options = {}) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, ...options });
  page.errors = [];
  page.on("console", (message) => {
    if (message.type() === "error") page.errors.push(`console: ${message.text()}`);
  });
  page.on("pageerror", (error) => page.errors.push(`page: ${error.message}`));
  return page;
}

/** Opens `url` in a `newPage`. */
export async function openPage(browser, url, options = {}) {
  const page = await newPage(browser, options);
  await page.goto(url);
  return page;
}

/** Saves a full-page screenshot as target/e2e/<name>.png and returns its path. */
export async function screenshot(page, name) {
  await mkdir(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/**
 * Reads the canvas's pixels in the page: how many are painted (alpha > 0) out of the total,
 * and how many distinct colours there are, so "drawn" means more than one flat fill.
 */
export async function canvasPixels(page, selector) {
  return page.evaluate(countCanvasPixels, selector);
}

/**
 * `canvasPixels`' count, run in the page: self-contained, so any driver can send it (Playwright's
 * `evaluate`, WebDriver's `executeScript`).
 */
export function countCanvasPixels(selector) {
  const canvas = document.querySelector(selector);
  const { width, height } = canvas;
  const data = canvas.getContext("2d").getImageData(0, 0, width, height).data;
  let painted = 0;
  const colours = new Set();
  for (let i = 0; i < data.length; i += 4) {
    if (data[i + 3] > 0) painted += 1;
    if (colours.size < 64) colours.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
  }
  return { painted, total: width * height, colours: colours.size };
}
