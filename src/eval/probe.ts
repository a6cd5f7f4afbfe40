import { writeFileSync } from 'node:fs';
import { emergenceProbe, type EmergenceCheck } from '../detect/emergence.ts';
import { linkCandidates } from '../emerging/density-contrast.ts';
import { createIdHasher } from '../privacy/account-hash.ts';
import type { EvalStream } from './stream.ts';

/**
 * Instrumentation of the emerging-group search for `clio-stream eval --probe`: at each
 * check during an emerging event's first hours, how many of its conversations are in the scored
 * window, how many have a positive contrast and clear the margin, and the largest linked group they
 * form (conversations and accounts). Figures only: no text, id or hash is printed.
 */
export function attachProbe(stream: EvalStream, secret: string, say: (line: string) => void, opts: { hours?: number; everyMinutes?: number; dumpFile?: string } = {}): () => void {
  const hash = createIdHasher(secret, 'conversation');
  const eventOf = new Map<string, number>();
  // Every planted event's conversations are labelled (the dump lets a sweep tell a spike's group from a false one).
  for (const c of stream.conversations) if (c.event !== null) eventOf.set(hash(c.conversation.id).toString('hex'), c.event);
  const events = stream.events.map((e, i) => ({ e, i })).filter(({ e }) => e.kind === 'emerging');
  const hours = opts.hours ?? 7;
  const every = (opts.everyMinutes ?? 15) * 60_000;
  // With a keep folder: every scored conversation once, for offline sweeps of the search's settings
  // (individual-level derived data, like the week kept beside it).
  const seen = new Map<string, { t: number; a: string; e: number | null; c: string; k: number[]; v: number[] }>();
  emergenceProbe.onCheck = (check) => {
    if (opts.dumpFile) {
      for (const p of check.window) {
        if (!seen.has(p.idHash)) seen.set(p.idHash, { t: p.eventTimeMs, a: p.accountHash, e: eventOf.get(p.idHash) ?? null, c: p.nearestClusterId, k: [...p.known].map((x) => Math.round(x * 1e4) / 1e4), v: Array.from(p.vector, (x) => Math.round(x * 1e5) / 1e5) });
      }
    }
    for (const { e, i } of events) {
      const since = check.endMs - e.startMs;
      if (since <= 0 || since > hours * 3_600_000 || since % every !== 0) continue;
      say(`probe ${e.name.slice(0, 12)} +${Math.round(since / 60_000)}m: ${describeCheck(check, (id) => eventOf.get(id) === i)}`);
    }
  };
  return () => {
    emergenceProbe.onCheck = null;
    if (opts.dumpFile) writeFileSync(opts.dumpFile, JSON.stringify({ events: stream.events, points: [...seen.values()] }));
  };
}

function describeCheck(check: EmergenceCheck, isEvent: (idHash: string) => boolean): string {
  const { window, scores, margin } = check;
  const ev = window.map((p, i) => ({ p, i })).filter(({ p }) => isEvent(p.idHash));
  const accounts = (xs: Array<{ p: { accountHash: string } }>) => new Set(xs.map((x) => x.p.accountHash)).size;
  const pos = ev.filter(({ i }) => scores[i]! > 0);
  const over = ev.filter(({ i }) => scores[i]! > margin && !window[i]!.explained);
  const sorted = ev.map(({ i }) => scores[i]!).sort((a, b) => a - b);
  const q = (f: number) => (sorted.length ? sorted[Math.floor(f * (sorted.length - 1))]!.toFixed(3) : '-');
  // Linked groups among all candidates, as the search forms them.
  const cand = window.map((p, i) => ({ p, i })).filter(({ p, i }) => scores[i]! > margin && !p.explained);
  const comps = linkCandidates(cand.map(({ p }) => p), check).map((members) => members.map((c) => cand[c]!));
  let best: { n: number; acc: number; mine: number; contrast: number } = { n: 0, acc: 0, mine: 0, contrast: 0 };
  for (const members of comps) {
    const mine = members.filter(({ p }) => isEvent(p.idHash)).length;
    const contrast = members.reduce((sum, { i }) => sum + scores[i]!, 0) / members.length;
    if (mine > best.mine) best = { n: members.length, acc: accounts(members), mine, contrast };
  }
  const others = cand.length - over.length;
  // The linked set before the fringe trim and the gates; its mean contrast against group_contrast says whether the gate holds it back.
  return `window ${window.length}; event ${ev.length} (${accounts(ev)} acc); >0 ${pos.length}; >margin ${over.length} (${accounts(over)} acc); score q25/50/75 ${q(0.25)}/${q(0.5)}/${q(0.75)}; best linked set ${best.mine} of ${best.n} (${best.acc} acc, mean contrast ${best.contrast.toFixed(3)} vs group_contrast ${check.groupContrast}); other candidates ${others}; groups ${check.groups}`;
}
