import { describe, expect, it } from 'vitest';
import { slackMessage, sparkline } from '../../src/notify/slack-message.ts';
import { coarsenSeries } from '../../src/privacy/series-gate.ts';
import { sampleAreaAlert, sampleNotification } from '../alerts/sample-alert.ts';

const DASHBOARD = 'https://clio.example.test/dashboard';

describe('sparkline', () => {
  it('scales counts from zero to the largest, one bar each', () => {
    expect(sparkline([0, 1, 2, 3, 4, 5, 6, 7])).toBe('▁▂▃▄▅▆▇█');
    expect(sparkline([10, 10, 80])).toBe('▂▂█');
    expect(sparkline([0, 0, 0])).toBe('▁▁▁');
    expect(sparkline([])).toBe('');
  });

  it('folds a long series by maxima, so a one-bucket spike survives', () => {
    const series = Array.from({ length: 100 }, (_, i) => (i === 57 ? 500 : 5));
    const line = sparkline(series, 10);
    expect(line).toHaveLength(10);
    expect(line).toBe('▁▁▁▁▁█▁▁▁▁');
  });
});

describe('slackMessage', () => {
  const n = sampleNotification();
  const { text, blocks } = slackMessage(n, DASHBOARD);
  const json = JSON.stringify(blocks);

  it('heads with kind, severity and cluster name', () => {
    expect(blocks[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: '🔺 Spike · critical: Automated account sign-ups through the browser', emoji: true },
    });
    const resolved = slackMessage(sampleNotification({ update: true }, { kind: 'resolved' }), DASHBOARD);
    expect((resolved.blocks[0] as any).text.text).toBe('✅ Resolved: Automated account sign-ups through the browser');
  });

  it('shows the aggregate figures, the window and the sparkline', () => {
    const fields = blocks.flatMap((b: any) => b.fields ?? []).map((f: any) => f.text);
    expect(fields).toEqual([
      '*Conversations*\n412 (baseline 37.5)',
      '*Distinct accounts*\n95',
      '*Share of traffic*\n4.1% (baseline 0.38%)',
      '*Ratio*\n11.0×',
      '*Score*\n8.41 (poisson-z)',
      '*Window*\n2026-11-27 14:00–15:00 UTC',
    ]);
    // The sample's buckets [3, 4, 2, 5, 4, 3, 9, 30, 80, 120] hold counts under the floor: the small ones are summed.
    expect(json).toContain(`*Conversations over the window*  \`${sparkline([18, 12, 30, 80, 120])}\``);
  });

  it('shows no bar under the privacy minimums: small buckets are summed with their neighbours, or the line is left out', () => {
    const barsOf = (series: number[]) => {
      const section = slackMessage(sampleNotification({ series }), DASHBOARD).blocks.find((b: any) => b.text?.text?.startsWith('*Conversations over the window*')) as any;
      return section ? (section.text.text as string).match(/`(.*)`/)![1] : undefined;
    };
    // Buckets of 1 and 2 around a spike: alone they would be bars a person could count.
    expect(barsOf([1, 2, 1, 2, 1, 2, 1, 2, 40, 60])).toBe(sparkline(coarsenSeries([1, 2, 1, 2, 1, 2, 1, 2, 40, 60], 10)));
    expect(barsOf([1, 2, 1, 2, 1, 2, 1, 2, 40, 60])).toHaveLength(3);
    expect(barsOf([1, 2, 1, 2, 1, 2, 1, 2, 40, 60])).toBe(sparkline([12, 40, 60]));
    // Quiet buckets (none) stay: no one is in them.
    expect(barsOf([0, 0, 0, 15, 20])).toBe(sparkline([0, 0, 0, 15, 20]));
    // A whole window under the floor: no sparkline at all.
    expect(barsOf([1, 2, 3])).toBeUndefined();
  });

  it('names rule, policy areas and parent, and links to the dashboard for the cluster', () => {
    const context = blocks.find((b) => b.type === 'context') as any;
    expect(context.elements[0].text).toBe('Rule *share-spike*  ·  Policy areas: platform-manipulation, captcha-evasion  ·  Parent: Account automation');
    const button = (blocks.find((b) => b.type === 'actions') as any).elements[0];
    const url = new URL(button.url);
    expect(url.origin + url.pathname).toBe(DASHBOARD);
    // The dashboard's hash route for the cluster page, with the alert to highlight.
    expect(url.hash).toBe(`#/clusters/c-17?alert=${encodeURIComponent(n.alert.alert_id)}`);
  });

  it('has a plain text fallback with the headline figures', () => {
    expect(text).toBe(
      '🔺 Spike · critical: Automated account sign-ups through the browser — 412 conversations from 95 accounts, ' +
        '4.1% of traffic (baseline 0.38%), 11.0× — rule share-spike',
    );
  });

  it('escapes mrkdwn control characters, so a name cannot ping a channel or forge a link', () => {
    const tricky = sampleNotification({}, {
      cluster: { ...n.alert.cluster, name: 'Requests <!channel> & <https://evil.test|links>', description: 'a < b & c > d' },
    });
    const message = slackMessage(tricky, DASHBOARD);
    const mrkdwn = JSON.stringify(message.blocks.filter((b) => b.type !== 'header')) + message.text;
    expect(mrkdwn).not.toMatch(/<!channel>|<https:/);
    expect(message.text).toContain('Requests &lt;!channel&gt; &amp; &lt;https://evil.test|links&gt;');
    expect(JSON.stringify(message.blocks)).toContain('a &lt; b &amp; c &gt; d');
  });

  it('leaves out the sparkline when there is no series, and the parent when there is none', () => {
    const bare = slackMessage(sampleNotification({ series: [] }, { cluster: { ...n.alert.cluster, parent: null } }), DASHBOARD);
    expect(JSON.stringify(bare.blocks)).not.toContain('Conversations over the window');
    expect(JSON.stringify(bare.blocks)).toContain('Parent: none');
  });
});

describe('slackMessage for a policy-area alert', () => {
  const n = sampleNotification({}, sampleAreaAlert());
  const { text, blocks } = slackMessage(n, DASHBOARD);

  it('says it is about a policy area, across clusters, with the taxonomy\'s description', () => {
    expect((blocks[0] as any).text.text).toBe('🔺 Spike · critical: Policy area: Weapons');
    expect(JSON.stringify(blocks)).toContain('Making or acquiring weapons');
    const context = blocks.find((b) => b.type === 'context') as any;
    expect(context.elements[0].text).toBe('Rule *policy-areas*  ·  Policy area: Weapons (weapons)  ·  Across all topic clusters');
    expect(JSON.stringify(blocks)).not.toContain('Parent:');
    expect(text).toMatch(/^🔺 Spike · critical: Policy area: Weapons — 412 conversations from 95 accounts/);
    const resolved = slackMessage(sampleNotification({ update: true }, sampleAreaAlert({ kind: 'resolved' })), DASHBOARD);
    expect((resolved.blocks[0] as any).text.text).toBe('✅ Resolved: Policy area: Weapons');
  });

  it('links to the area\'s alerts on the dashboard (an area has no cluster page)', () => {
    const button = (blocks.find((b) => b.type === 'actions') as any).elements[0];
    expect(new URL(button.url).hash).toBe(`#/alerts?policy_area=weapons&alert=${encodeURIComponent(n.alert.alert_id)}`);
  });
});
