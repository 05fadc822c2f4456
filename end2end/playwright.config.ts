import { defineConfig } from "@playwright/test";

// Runs against the release build (where a bad wasm-opt would show), on a
// fresh SQLite file, in Debian's Chromium. Every spec runs twice: hydrated,
// and with JavaScript disabled (server-rendered forms must still work).
const port = Number(process.env.PORTICO_E2E_PORT ?? 3100);
const baseURL = `http://127.0.0.1:${port}`;
export const REVIEWER = { email: "reviewer@example.com", password: "reviewer-password-123" };

export default defineConfig({
  testDir: "./tests",
  timeout: 30_000,
  expect: { timeout: 10_000 },
  fullyParallel: true,
  forbidOnly: !!process.env.CI,
  retries: 0,
  workers: 2,
  reporter: [["list"]],
  use: {
    baseURL,
    trace: "retain-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
  projects: [
    { name: "hydrated", use: { javaScriptEnabled: true } },
    { name: "no-js", use: { javaScriptEnabled: false } },
  ],
  webServer: {
    command: `rm -rf ../target/e2e && mkdir -p ../target/e2e && exec ../target/release/portico`,
    url: `${baseURL}/healthz`,
    reuseExistingServer: !process.env.CI,
    timeout: 60_000,
    stdout: "pipe",
    stderr: "pipe",
    env: {
      DATABASE_URL: "sqlite://../target/e2e/portico.db",
      LEPTOS_SITE_ROOT: "../target/site",
      LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
      PORTICO_PUBLIC_URL: baseURL,
      PORTICO_REVIEWER_EMAIL: REVIEWER.email,
      PORTICO_REVIEWER_PASSWORD: REVIEWER.password,
      // The webhook specs run their receiver on this machine.
      PORTICO_ALLOW_PRIVATE_OUTBOUND: "true",
      RUST_LOG: "warn",
    },
  },
});
