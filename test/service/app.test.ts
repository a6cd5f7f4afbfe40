import { describe, expect, it } from 'vitest';
import { buildApp } from '../../src/service/app.ts';
import { PipelineMetrics } from '../../src/pipeline/metrics.ts';

describe('HTTP service', () => {
  it('answers /healthz, and /readyz by its checks', async () => {
    let kafka = false;
    const app = buildApp({ metrics: new PipelineMetrics({ processMetrics: false }), readiness: { checks: async () => ({ kafka, store: true }) } });
    expect((await app.inject('/healthz')).json()).toEqual({ status: 'ok' });

    const notReady = await app.inject('/readyz');
    expect(notReady.statusCode).toBe(503);
    expect(notReady.json()).toEqual({ ready: false, checks: { kafka: false, store: true } });

    kafka = true;
    const ready = await app.inject('/readyz');
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ ready: true, checks: { kafka: true, store: true } });
    await app.close();
  });

  it('serves Prometheus metrics with closed label sets', async () => {
    const metrics = new PipelineMetrics({ processMetrics: false });
    metrics.deadLettered.inc({ reason: 'invalid_json' }, 3);
    metrics.lag.set({ topic: 'clio.conversations', partition: '2' }, 7);
    const app = buildApp({ metrics, readiness: { checks: async () => ({}) } });
    const response = await app.inject('/metrics');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/text\/plain/);
    expect(response.body).toContain('clio_dead_lettered_total{reason="invalid_json"} 3');
    expect(response.body).toContain('clio_dead_lettered_total{reason="oversize_block"} 0');
    expect(response.body).toContain('clio_consumer_lag{topic="clio.conversations",partition="2"} 7');
    expect(response.body).toMatch(/clio_batch_duration_seconds_bucket/);
    await app.close();
  });
});
