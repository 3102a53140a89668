/** Opens a local HTML file in headless Chromium and collects console errors/warnings, page errors and network requests. */
import type { Page } from 'puppeteer-core';

export async function inChromium<T>(htmlFile: string, inspect: (page: Page) => Promise<T>): Promise<{ problems: string[]; result: T }> {
  const { default: puppeteer } = await import('puppeteer-core');
  const browser = await puppeteer.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--headless=new'],
  });
  try {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warn') problems.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e}`));
    page.on('request', (req) => {
      if (!req.url().startsWith('file:') && !req.url().startsWith('data:')) problems.push(`network request: ${req.url()}`);
    });
    await page.goto(`file://${htmlFile}`, { waitUntil: 'load' });
    return { problems, result: await inspect(page) };
  } finally {
    await browser.close();
  }
}
