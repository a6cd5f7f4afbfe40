import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { DEAD_LETTER_REASONS } from '../ingest/validate.ts';

/**
 * The process's Prometheus metrics. Labels are closed sets (reasons, topics, partitions):
 * never ids, accounts or text.
 */
export class PipelineMetrics {
  readonly registry = new Registry();
  readonly consumed = new Counter({ name: 'clio_consumed_total', help: 'Records read from the source.', registers: [this.registry] });
  readonly deadLettered = new Counter({
    name: 'clio_dead_lettered_total',
    help: 'Invalid records sent to the dead-letter sink, by reason.',
    labelNames: ['reason'],
    registers: [this.registry],
  });
  readonly processed = new Counter({ name: 'clio_processed_total', help: 'Valid conversations counted for the first time.', registers: [this.registry] });
  readonly duplicates = new Counter({ name: 'clio_duplicates_total', help: 'Valid conversations whose id was already counted.', registers: [this.registry] });
  readonly alreadyApplied = new Counter({
    name: 'clio_already_applied_total',
    help: 'Records skipped because the store had applied their offset (redelivery after a crash).',
    registers: [this.registry],
  });
  readonly late = new Counter({
    name: 'clio_late_conversations_total',
    help: 'Conversations that arrived after the watermark closed their bucket (still stored and counted).',
    registers: [this.registry],
  });
  readonly chunkSeconds = new Histogram({
    name: 'clio_batch_duration_seconds',
    help: 'Time to validate, assign and store one chunk of records.',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly stalePartitionsReleased = new Counter({
    name: 'clio_stale_partitions_released_total',
    help: 'Stored partitions the consumer group no longer reads (another topic, a partition gone) released from holding the event clock back.',
    registers: [this.registry],
  });
  readonly lag = new Gauge({
    name: 'clio_consumer_lag',
    help: 'Records behind the partition high watermark after the last applied chunk.',
    labelNames: ['topic', 'partition'],
    registers: [this.registry],
  });

  constructor(options: { processMetrics?: boolean } = {}) {
    for (const reason of DEAD_LETTER_REASONS) this.deadLettered.inc({ reason }, 0);
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: 'clio_' });
  }
}

/** A metric's value summed over all its label sets (for progress lines and summaries). */
export async function sumMetric(metric: { get(): Promise<{ values: Array<{ value: number }> }> }): Promise<number> {
  return (await metric.get()).values.reduce((sum, v) => sum + v.value, 0);
}
