import { defineConfig, devices } from '@playwright/test';
import { APP_PORT, ENTRA_PORT, GOOGLE_PORT, MAIL_SMTP_PORT, MAIL_WEB_PORT } from './tests/support/ports';

// The real server binary (built by `cargo leptos build`) on a fresh database,
// sending mail over SMTP to a real SMTP server (maildev) on loopback, and
// signing people in through two real OpenID Connect providers
// (oidc-provider-mock, installed by `scripts/setup.sh test`).
const root = `${__dirname}/..`;
const db = `${root}/target/e2e/gatehouse.db`;
const provider = (port: number) => ({
  command: `${__dirname}/.venv/bin/oidc-provider-mock --host 127.0.0.1 --port ${port} --require-nonce true`,
  url: `http://127.0.0.1:${port}/.well-known/openid-configuration`,
  reuseExistingServer: false,
  timeout: 60_000,
});

export default defineConfig({
  testDir: './tests',
  timeout: 60_000,
  expect: { timeout: 15_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${APP_PORT}`,
    trace: 'retain-on-failure',
    ...devices['Desktop Chrome'],
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
             '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic'],
    },
  },
  webServer: [
    provider(GOOGLE_PORT),
    provider(ENTRA_PORT),
    {
      command: `npx maildev --smtp ${MAIL_SMTP_PORT} --web ${MAIL_WEB_PORT} --ip 127.0.0.1 --silent`,
      url: `http://127.0.0.1:${MAIL_WEB_PORT}/healthz`,
      reuseExistingServer: false,
      timeout: 60_000,
    },
    {
      command: `rm -f ${db} ${db}-wal ${db}-shm && ${root}/target/debug/gatehouse`,
      cwd: root,
      url: `http://127.0.0.1:${APP_PORT}/sign-in`,
      reuseExistingServer: false,
      timeout: 120_000,
      stdout: 'pipe',
      env: {
        LEPTOS_OUTPUT_NAME: 'gatehouse',
        // The build names its files by content hash (hash.txt beside the binary).
        LEPTOS_HASH_FILES: 'true',
        LEPTOS_SITE_ROOT: 'target/site',
        LEPTOS_SITE_PKG_DIR: 'pkg',
        LEPTOS_SITE_ADDR: `127.0.0.1:${APP_PORT}`,
        LEPTOS_ENV: 'DEV',
        DATABASE_URL: `sqlite://${db}`,
        MAIL_TRANSPORT: `smtp://127.0.0.1:${MAIL_SMTP_PORT}`,
        MAIL_RETRY_BASE_MS: '300',
        MAIL_MAX_ATTEMPTS: '4',
        RATE_LIMIT_INVITES: '1000',
        // Every journey signs people up from 127.0.0.1: one client to the
        // server, allowed five sign-ups per sign-in attempt allowance.
        RATE_LIMIT_SIGN_IN: '50',
        RUST_LOG: 'info,sqlx=warn',
        GOOGLE_ISSUER: `http://127.0.0.1:${GOOGLE_PORT}`,
        GOOGLE_CLIENT_ID: 'gatehouse-e2e',
        GOOGLE_CLIENT_SECRET: 'e2e-secret',
        ENTRA_ISSUER: `http://127.0.0.1:${ENTRA_PORT}`,
        ENTRA_CLIENT_ID: 'gatehouse-e2e',
        ENTRA_CLIENT_SECRET: 'e2e-secret',
        // Organizations' own providers in the journeys are on loopback http.
        SSO_ALLOW_HTTP_ISSUERS: '1',
      },
    },
  ],
});
