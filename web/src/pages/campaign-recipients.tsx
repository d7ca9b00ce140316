import type { CampaignsService } from '../../../src/domain/campaigns/campaigns.service.ts';
import { api, query, type Answer } from '../api.ts';
import { usePaged } from '../load.ts';
import { Link } from '../router.tsx';
import { Ago, Badge, Empty, ErrorState, Loading, ShowMore } from '../ui.tsx';
import type { Campaign } from './campaign-detail.tsx';

// A campaign's recipients, a page of 100 at a time by the server's cursor, filtered by status
// (?status=): who, where it goes, its status or why it was skipped, and how far its message got.

type Page = Answer<CampaignsService['recipients']>;
type Recipient = Page['data'][number];
const STATUSES = ['', 'queued', 'sent', 'delivered', 'failed', 'skipped', 'cancelled'] as const;

/** How far a message got: the last of its times that is set. */
function progress(r: Recipient) {
  const steps = [['replied', r.replied_at], ['clicked', r.clicked_at], ['opened', r.opened_at], ['delivered', r.delivered_at], ['sent', r.sent_at]] as const;
  const last = steps.find(([, at]) => at);
  return last ? <>{last[0]} <Ago at={last[1]} /></> : r.status === 'queued' ? <>due <Ago at={r.scheduled_for} /></> : '—';
}

export function CampaignRecipients({ campaign, version, status, onStatus }: { campaign: Campaign; version: number; status: string; onStatus: (s: string) => void }) {
  const page = usePaged((cursor) => api<Page>('GET', `/v1/campaigns/${campaign.id}/recipients${query({ status, limit: 100, cursor })}`), [campaign.id, status, version]);
  const rows = page.items;
  const counts = campaign.recipients_by_status;

  return (
    <section aria-labelledby="recipients-title">
      <h2 id="recipients-title">Recipients</h2>
      <div className="tabs oc-tabs" role="group" aria-label="Recipient status">
        {STATUSES.map((s) => (
          <button key={s || 'all'} type="button" className="link" aria-pressed={status === s} onClick={() => onStatus(s)}>
            {s || 'all'} <span className="note">{s ? counts[s] : campaign.recipients}</span>
          </button>
        ))}
      </div>
      {page.error ? <ErrorState error={page.error} retry={page.reload} />
        : !page.data ? <Loading what="recipients" />
          : !rows.length ? (
            <Empty title={status ? `No ${status} recipient` : 'No recipients yet'}>
              {status ? <p>Try another status.</p>
                : <p>{campaign.status === 'draft' ? 'Launch or schedule the campaign: the leads of its segment become its recipients then.' : 'Its segment had no leads when it was launched.'}</p>}
            </Empty>
          ) : (
            <div className="table-wrap" aria-busy={page.loading}>
              <table className="oc-recipients">
                <caption className="sr-only">Recipients of {campaign.name}</caption>
                <thead><tr><th>Owner</th><th>To</th><th>Status</th><th>Message</th><th>Why</th></tr></thead>
                <tbody>
                  {rows.map((r) => (
                    <tr key={r.lead_id} data-lead={r.lead_id}>
                      <td><Link to={`/leads/${r.lead_id}`}>{r.owner_name ?? 'Unknown owner'}</Link></td>
                      <td>{r.to ?? '—'}</td>
                      <td><Badge value={r.status} /></td>
                      <td>{r.message_status ? <><Badge value={r.message_status} /> </> : null}{progress(r)}</td>
                      <td>{r.skip_reason ?? r.message_reason ?? ''}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
      <ShowMore list={page} className="secondary more" />
    </section>
  );
}
