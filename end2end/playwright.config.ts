import { defineConfig, devices } from '@playwright/test';
import { APP_PORT, ENTRA_PORT, GOOGLE_PORT, MAIL_SMTP_PORT, MAIL_WEB_PORT } from './tests/support/ports';
import { DB, ROOT, serverEnv } from './tests/support/server';

// The real server binary (built by `cargo leptos build --split`) on a fresh database,
// sending mail over SMTP to a real SMTP server (maildev) on loopback, and
// signing people in through two real OpenID Connect providers
// (oidc-provider-mock, installed by `scripts/setup.sh test`).
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
      command: `rm -f ${DB} ${DB}-wal ${DB}-shm && ${ROOT}/target/debug/gatehouse`,
      cwd: ROOT,
      url: `http://127.0.0.1:${APP_PORT}/sign-in`,
      reuseExistingServer: false,
      timeout: 120_000,
      stdout: 'pipe',
      env: serverEnv(APP_PORT),
    },
  ],
});
