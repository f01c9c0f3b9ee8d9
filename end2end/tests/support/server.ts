import { ChildProcess, spawn } from 'node:child_process';
import { ENTRA_PORT, GOOGLE_PORT, MAIL_SMTP_PORT, REPLICA_PORTS } from './ports';

/** The project's root, where `cargo leptos build --split` left the server binary. */
export const ROOT = `${__dirname}/../../..`;
/** The database every server of the journeys shares: a SQLite file, or the
 * PostgreSQL database in `E2E_DATABASE_URL` (`make e2e-postgres`). */
export const DB = `${ROOT}/target/e2e/gatehouse.db`;
const DATABASE_URL = process.env.E2E_DATABASE_URL ?? `sqlite://${DB}`;

/** The environment of a server of the journeys listening on `port`. */
export function serverEnv(port: number): Record<string, string> {
  return {
    LEPTOS_OUTPUT_NAME: 'gatehouse',
    // The build names its files by content hash (hash.txt beside the binary).
    LEPTOS_HASH_FILES: 'true',
    LEPTOS_SITE_ROOT: 'target/site',
    LEPTOS_SITE_PKG_DIR: 'pkg',
    LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
    LEPTOS_ENV: 'DEV',
    DATABASE_URL,
    MAIL_TRANSPORT: `smtp://127.0.0.1:${MAIL_SMTP_PORT}`,
    MAIL_RETRY_BASE_MS: '300',
    MAIL_MAX_ATTEMPTS: '4',
    RATE_LIMIT_INVITES: '1000',
    // Every journey signs people up from 127.0.0.1: one client to the
    // server, allowed five sign-ups per sign-in attempt allowance.
    RATE_LIMIT_SIGN_IN: '50',
    // Limits are counted in the database, across every server of the
    // journeys, and all of them see one client.
    RATE_LIMIT_TOKEN_LOOKUPS: '10000',
    RUST_LOG: 'info,sqlx=warn',
    GOOGLE_ISSUER: `http://127.0.0.1:${GOOGLE_PORT}`,
    GOOGLE_CLIENT_ID: 'gatehouse-e2e',
    GOOGLE_CLIENT_SECRET: 'e2e-secret',
    ENTRA_ISSUER: `http://127.0.0.1:${ENTRA_PORT}`,
    ENTRA_CLIENT_ID: 'gatehouse-e2e',
    ENTRA_CLIENT_SECRET: 'e2e-secret',
    // Organizations' own providers in the journeys are on loopback http.
    SSO_ALLOW_HTTP_ISSUERS: '1',
  };
}

/** A further server process over the journeys' database, as another replica would run. */
export class Replica {
  readonly url: string;
  private readonly exited: Promise<void>;
  private constructor(private readonly process: ChildProcess, port: number) {
    this.url = `http://127.0.0.1:${port}`;
    this.exited = new Promise((resolve) => process.once('exit', () => resolve()));
  }

  /** Starts one on `port` and waits (bounded) until its health check answers. */
  static async start(port: number, env: Record<string, string> = {}): Promise<Replica> {
    // A server left over from an earlier run would answer in its place.
    if (await answers(`http://127.0.0.1:${port}/healthz`)) {
      throw new Error(`port ${port} is already served by another process; stop it and run again`);
    }
    const child = spawn(`${ROOT}/target/debug/gatehouse`, [], {
      cwd: ROOT,
      env: { ...process.env, ...serverEnv(port), ...env },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const replica = new Replica(child, port);
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`the replica on ${port} exited with ${child.exitCode}`);
      if (await answers(`${replica.url}/healthz`)) return replica;
      await new Promise((r) => setTimeout(r, 200));
    }
    await replica.kill();
    throw new Error(`the replica on ${port} did not answer /healthz within 60 s`);
  }

  /** Ends it at once, as `kill -9` would (no shutdown, nothing flushed), and waits until it is gone. */
  async kill() {
    if (this.process.exitCode === null && this.process.signalCode === null) this.process.kill('SIGKILL');
    await this.exited;
  }
}

/** Starts a replica per environment in `envs` (one per port of `REPLICA_PORTS`), runs `work`, and kills every one started, whatever happens. */
export async function withReplicas(envs: Record<string, string>[], work: (replicas: Replica[]) => Promise<void>) {
  const started: Replica[] = [];
  try {
    for (const [n, env] of envs.entries()) started.push(await Replica.start(REPLICA_PORTS[n], env));
    await work(started);
  } finally {
    await Promise.all(started.map((r) => r.kill()));
  }
}

async function answers(url: string): Promise<boolean> {
  try {
    return (await fetch(url)).ok;
  } catch {
    return false; // Not listening.
  }
}
