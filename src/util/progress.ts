import cliProgress from 'cli-progress';

/** Progress of one long stage on stderr: a bar on a terminal, a line every 10% in logs and CI. */
export interface Progress {
  start(stage: string, total: number): void;
  update(done: number): void;
  stop(): void;
  note(line: string): void;
}

export function stderrProgress(stream: NodeJS.WriteStream = process.stderr): Progress {
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      { stream, format: '{stage} [{bar}] {value}/{total} {percentage}% | {eta_formatted} left', hideCursor: true },
      cliProgress.Presets.shades_classic,
    );
    return {
      start: (stage, total) => bar.start(total, 0, { stage }),
      update: (done) => bar.update(done),
      stop: () => bar.stop(),
      note: (line) => stream.write(`${line}\n`),
    };
  }
  let stage = '';
  let total = 0;
  let shown = -1;
  let started = 0;
  return {
    start(s, t) {
      stage = s;
      total = t;
      shown = -1;
      started = performance.now();
    },
    update(done) {
      const decile = total ? Math.floor((10 * done) / total) : 10;
      if (decile === shown) return;
      shown = decile;
      const rate = done / Math.max(0.001, (performance.now() - started) / 1000);
      stream.write(`${stage}: ${done}/${total} (${decile * 10}%, ${rate.toFixed(0)}/s)\n`);
    },
    stop() {},
    note: (line) => stream.write(`${line}\n`),
  };
}

/** For tests and library use. */
export const silentProgress: Progress = { start() {}, update() {}, stop() {}, note() {} };
