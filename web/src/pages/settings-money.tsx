import { useEffect, useState, type FormEvent } from 'react';
import type { EnrichmentService } from '../../../src/domain/enrichment/enrichment.service.ts';
import type { MoneyService } from '../../../src/domain/money/money.service.ts';
import type { ProviderRegistry } from '../../../src/providers/registry.ts';
import { api, ApiError, type Answer } from '../api.ts';
import { Field, numberOrText, Outcome, toCents, useAction } from '../form.tsx';
import { useLoad } from '../load.ts';
import { Link, type PageProps } from '../router.tsx';
import { DataTable, money, num } from '../table.tsx';
import { Ago, Empty, ErrorState, Loading } from '../ui.tsx';
import { atLeast, words, type Role } from './settings-form.tsx';

// The providers that find and check owners' contacts, the waterfall that calls them (which
// adapter each stage uses, its price and daily cap, when a lead is good enough) and the budget
// every paid call is taken from.

export type Providers = { data: ReturnType<ProviderRegistry['list']> };
type Waterfall = Answer<EnrichmentService['settings']>;
export type Budget = Answer<MoneyService['show']>;
type Props = PageProps & { role: Role };

/** Each paid step: where its settings live, the port its adapter serves, what it does. */
const STEPS = [
  ['stages.append', 'append', 'Append: the owner’s phones and e-mails'],
  ['stages.skip_trace', 'skip_trace', 'Skip trace: for leads still short of contactable'],
  ['stages.verify', 'phone_verify', 'Verification: each phone and e-mail found'],
  ['pull', 'property_search', 'Vendor pulls: per record'],
] as const;
const TOP = ['contactable_threshold', 'enriched_threshold', 'min_confidence', 'value_per_conversion_cents', 'conversion_rate', 'pay_factor', 'dlq_max_attempts'] as const;

type Form = Record<string, string | boolean>;
function toForm(s: Waterfall): Form {
  const f: Form = {};
  for (const [path] of STEPS) {
    const st = path === 'pull' ? s.pull : s.stages[path.split('.')[1] as 'append'];
    f[`${path}.enabled`] = st.enabled;
    f[`${path}.provider`] = st.provider ?? '';
    f[`${path}.email_provider`] = st.email_provider ?? '';
    f[`${path}.price_cents`] = String(st.price_cents);
    f[`${path}.daily_cap`] = st.daily_cap === null ? '' : String(st.daily_cap);
  }
  for (const k of TOP) f[k] = String(s[k]);
  return f;
}
/** A form value as the API takes it. */
function value(path: string, v: string | boolean): unknown {
  if (typeof v === 'boolean') return v;
  if (path.endsWith('provider') || path.endsWith('daily_cap')) return v.trim() === '' ? null : path.endsWith('daily_cap') ? numberOrText(v) : v.trim();
  return numberOrText(v);
}

export function ProvidersSection({ role }: Props) {
  const providers = useLoad(() => api<Providers>('GET', '/v1/providers'), []);
  const waterfall = useLoad(() => api<Waterfall>('GET', '/v1/enrichments/settings'), []);
  const [form, setForm] = useState<Form>({});
  useEffect(() => {
    if (waterfall.data) setForm(toForm(waterfall.data));
  }, [waterfall.data]);
  const save = useAction();
  const admin = atLeast(role, 'admin');
  const ports = providers.data?.data ?? [];
  const adapters = (port: string) => ports.find((p) => p.port === port);
  const set = (k: string, v: string | boolean) => setForm((f) => ({ ...f, [k]: v }));

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const was = toForm(waterfall.data!);
    const patch: Record<string, unknown> = {};
    for (const [path, v] of Object.entries(form)) {
      if (v === was[path]) continue;
      const parts = path.split('.');
      let at = patch;
      for (const p of parts.slice(0, -1)) at = (at[p] ??= {}) as Record<string, unknown>;
      at[parts.at(-1)!] = value(path, v);
    }
    if (!Object.keys(patch).length) return void save.run(async () => null, 'Nothing changed.');
    void save.run(() => api<Waterfall>('PUT', '/v1/enrichments/settings', patch), (r) => {
      waterfall.set(r);
      return 'Saved the waterfall: runs started from now on use it.';
    });
  };
  const choose = (path: string, key: 'provider' | 'email_provider', port: string) => {
    const p = adapters(port);
    return (
      <Field label={key === 'provider' ? (port === 'phone_verify' ? 'Phone verifier' : 'Adapter') : 'E-mail verifier'} name={`${path}.${key}`} error={save.error}>
        {(fp) => (
          <select {...fp} value={String(form[`${path}.${key}`] ?? '')} onChange={(e) => set(`${path}.${key}`, e.target.value)}>
            <option value="">the environment’s ({p?.selected ?? '…'})</option>
            {(p?.adapters ?? []).map((a) => <option key={a.name} value={a.name}>{a.name}{a.configured ? '' : ' (not configured)'}</option>)}
          </select>
        )}
      </Field>
    );
  };

  return (
    <>
      <h2>Providers</h2>
      {providers.error ? <ErrorState error={providers.error} retry={providers.reload} />
        : !providers.data ? <Loading what="the providers" />
          : (
            <DataTable caption="Providers by port" rows={ports} columns={[
              { label: 'Port', value: (p) => words(p.port) },
              { label: 'In use', value: (p) => <>{p.selected} {p.selected_configured ? <span className="badge good">ready</span> : <span className="badge bad">not configured</span>}</> },
              { label: 'Available', value: (p) => p.adapters.map((a) => `${a.name}${a.configured ? '' : ' (needs its API key)'}`).join(', ') },
            ]} />
          )}
      <p className="note">The environment picks each port’s adapter (docs/PROVIDERS.md); a vendor’s adapter needs its API key set on the server. <code>local</code> answers with made-up, repeatable data and costs what its price says.</p>

      <h2>Enrichment waterfall</h2>
      {waterfall.error ? <ErrorState error={waterfall.error} retry={waterfall.reload} />
        : !waterfall.data || !Object.keys(form).length ? <Loading what="the waterfall" />
          : (
            <form className="settings-form" onSubmit={submit}>
              <p className="note">In this order: append, then skip trace for the leads still short of contactable, then verification of what was found, then the score. A lead is bought only where its expected value is at least its price times the pay factor.</p>
              {STEPS.map(([path, port, label]) => (
                <fieldset key={path} disabled={!admin || save.busy} className="grid">
                  <legend>{label}</legend>
                  <label className="check"><input type="checkbox" checked={form[`${path}.enabled`] === true} onChange={(e) => set(`${path}.enabled`, e.target.checked)} /> On</label>
                  {choose(path, 'provider', port)}
                  {port === 'phone_verify' ? choose(path, 'email_provider', 'email_verify') : null}
                  <Field label="Price (cents a call)" name={`${path}.price_cents`} error={save.error} help={money(Number(form[`${path}.price_cents`]) || 0)}>
                    {(p) => <input {...p} type="number" min={0} step={1} value={String(form[`${path}.price_cents`])} onChange={(e) => set(`${path}.price_cents`, e.target.value)} />}
                  </Field>
                  <Field label="Calls a day" name={`${path}.daily_cap`} error={save.error} help="empty: no cap">
                    {(p) => <input {...p} type="number" min={0} step={1} value={String(form[`${path}.daily_cap`])} onChange={(e) => set(`${path}.daily_cap`, e.target.value)} />}
                  </Field>
                </fieldset>
              ))}
              <fieldset disabled={!admin || save.busy} className="grid">
                <legend>When a lead is good enough</legend>
                {TOP.map((k) => (
                  <Field key={k} label={words(k)} name={k} error={save.error} help={k.endsWith('_cents') ? money(Number(form[k]) || 0) : k === 'conversion_rate' ? 'a share: 0.02 is 2%' : undefined}>
                    {(p) => <input {...p} type="number" step="any" value={String(form[k])} onChange={(e) => set(k, e.target.value)} />}
                  </Field>
                ))}
              </fieldset>
              {admin ? <div className="actions"><button type="submit" disabled={save.busy}>{save.busy ? 'Saving…' : 'Save the waterfall'}</button></div>
                : <p className="note">Only admins and owners change the waterfall.</p>}
              <Outcome action={save} fields={['stages', 'pull', ...TOP]} />
            </form>
          )}
    </>
  );
}

/** A reference for one top-up: sent again (a retry, a double click) it is applied once. */
const reference = () => `web-${Array.from(crypto.getRandomValues(new Uint8Array(12)), (b) => b.toString(16).padStart(2, '0')).join('')}`;

export function BudgetSection({ role }: Props) {
  const budget = useLoad(() => api<Budget>('GET', '/v1/budget'), []);
  const [amount, setAmount] = useState('');
  const [note, setNote] = useState('');
  const [ref, setRef] = useState(reference);
  const save = useAction();
  const admin = atLeast(role, 'admin');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const cents = toCents(amount);
    if (cents === null || cents <= 0) return save.fail(new ApiError(400, 'VALIDATION', 'amount: dollars and cents, like 250 or 99.50', [{ field: 'amount_cents', message: 'an amount in dollars, like 250 or 99.50' }]));
    void save.run(() => api<{ applied: boolean; balance_cents: number }>('POST', '/v1/budget/topups', { amount_cents: cents, reference: ref, ...(note.trim() ? { note: note.trim() } : {}) }), (r) => {
      setAmount('');
      setNote('');
      setRef(reference());
      budget.reload();
      return r.applied ? `Added ${money(cents)}: the balance is ${money(r.balance_cents)}.` : `That top-up was already applied: the balance is ${money(r.balance_cents)}.`;
    });
  };
  if (budget.error) return <ErrorState error={budget.error} retry={budget.reload} />;
  if (!budget.data) return <Loading what="the budget" />;
  const b = budget.data;
  return (
    <>
      {b.enforced ? <p className="balance">Balance <strong>{money(b.balance_cents)}</strong></p>
        : <Empty title="No budget is kept">Paid calls are not capped by money. {admin ? 'A first top-up starts a budget: runs then stop buying when it runs out.' : 'An admin starts one with a first top-up.'}</Empty>}
      {admin ? (
        <form className="settings-form" onSubmit={submit} aria-labelledby="topup-title">
          <h2 id="topup-title">Add money</h2>
          <div className="row">
            <Field label="Amount (dollars)" name="amount_cents" error={save.error}>{(p) => <input {...p} inputMode="decimal" required value={amount} placeholder="250.00" onChange={(e) => setAmount(e.target.value)} />}</Field>
            <Field label="Note (optional)" name="note" error={save.error}>{(p) => <input {...p} maxLength={500} value={note} onChange={(e) => setNote(e.target.value)} />}</Field>
            <div className="actions"><button type="submit" disabled={save.busy}>{save.busy ? 'Adding…' : 'Add to the budget'}</button></div>
          </div>
          <Outcome action={save} fields={['amount_cents', 'note']} />
        </form>
      ) : <p className="note">Only admins and owners add money.</p>}
      <h2>Paid calls today</h2>
      <DataTable caption="Calls today by stage" rows={b.caps_today} empty="No paid calls yet today." columns={[
        { label: 'Stage', value: (c) => words(c.stage) }, { label: 'Calls', value: (c) => num(c.used), numeric: true },
        { label: 'Daily cap', value: (c) => (c.cap === null ? 'none' : num(c.cap)), numeric: true },
      ]} />
      <h2>Transactions</h2>
      <DataTable caption="Budget transactions" rows={b.transactions} empty="No transactions yet." columns={[
        { label: 'When', value: (t) => <Ago at={t.created_at} /> }, { label: 'Kind', value: (t) => t.kind },
        { label: 'Amount', value: (t) => money(t.amount_cents), numeric: true }, { label: 'Balance after', value: (t) => money(t.balance_after_cents), numeric: true },
        { label: 'Note', value: (t) => t.note ?? '—' },
      ]} />
      <p className="note">What was spent, by provider and by day: <Link to="/enrichment">Enrichment and spend</Link>.</p>
    </>
  );
}
