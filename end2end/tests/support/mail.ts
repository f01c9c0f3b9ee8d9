import { expect } from '@playwright/test';
import { MAIL_WEB_PORT } from './ports';

/** A message as maildev's HTTP API returns it. */
export interface Mail {
  id: string;
  messageId: string;
  subject: string;
  text: string;
  html: string;
  to: { address: string }[];
}

const api = `http://127.0.0.1:${MAIL_WEB_PORT}`;

/** All messages the SMTP server has received, oldest first. */
export async function allMails(): Promise<Mail[]> {
  return (await fetch(`${api}/email`)).json();
}

/** All messages the SMTP server has received for `to`, oldest first. */
export async function mailsTo(to: string): Promise<Mail[]> {
  const all = await allMails();
  return all.filter((m) => m.to.some((r) => r.address.toLowerCase() === to.toLowerCase()));
}

/** Waits (bounded) for the `nth` message to `to` whose subject contains `subject`. */
export async function waitForMail(to: string, subject: string, nth = 1): Promise<Mail> {
  let found: Mail | undefined;
  await expect
    .poll(async () => {
      const matching = (await mailsTo(to)).filter((m) => m.subject.includes(subject));
      found = matching[nth - 1];
      return matching.length;
    }, { timeout: 20_000, message: `mail "${subject}" to ${to}` })
    .toBeGreaterThanOrEqual(nth);
  return found!;
}

/** The first link in a message's text part whose path contains `marker`, as a path. */
export function linkIn(mail: Mail, marker: string): string {
  const link = mail.text.split(/\s+/).find((w) => w.startsWith('http') && w.includes(marker));
  if (!link) throw new Error(`no ${marker} link in: ${mail.text}`);
  const url = new URL(link);
  return url.pathname + url.search;
}
