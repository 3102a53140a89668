/** Asking before deleting: a terminal is asked; anything else needs --yes. */
import { createInterface } from 'node:readline/promises';

export async function confirm(question: string, yes: boolean): Promise<boolean> {
  if (yes) return true;
  if (!process.stdin.isTTY) throw new Error(`${question.replace(/\?$/, '')}: refusing without confirmation; pass --yes`);
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
  } finally {
    rl.close();
  }
}
