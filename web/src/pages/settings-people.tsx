import { useEffect, useMemo, useState, type FormEvent } from 'react';
import type { TenancyService } from '../../../src/domain/tenancy/tenancy.service.ts';
import { api, query, type Answer } from '../api.ts';
import { Field, Outcome, useAction } from '../form.tsx';
import { useLoad } from '../load.ts';
import { Link, type PageProps } from '../router.tsx';
import { useSession } from '../session.tsx';
import { DataTable } from '../table.tsx';
import { Ago, Empty, ErrorState, Loading } from '../ui.tsx';
import { ConfigEditor, type Kind } from './settings-config.tsx';
import { atLeast, ROLES, type Role } from './settings-form.tsx';

// The people of the organization: who they are, their role, whether they may still sign in and
// the zone their days are counted in; adding someone; and each person's voice and AI
// configuration. Admins and owners change people (never above their own rank); managers see them
// and may change anyone's voice settings; everyone may change their own.

type User = Answer<TenancyService['listUsers']>[number];
type Props = PageProps & { role: Role };
const ZONES: string[] = (() => {
  try {
    return Intl.supportedValuesOf('timeZone');
  } catch {
    return [];
  }
})();

const kindOf = (params: URLSearchParams): Kind => (params.get('kind') === 'ai' ? 'ai' : 'voice');

export function UsersSection({ params, role }: Props) {
  const users = useLoad(() => api<{ data: User[] }>('GET', '/v1/users'), []);
  const selected = params.get('user');
  const admin = atLeast(role, 'admin');
  const user = users.data?.data.find((u) => u.id === selected);
  return (
    <>
      {admin ? <InviteForm role={role} onAdded={users.reload} /> : <p className="note">Only admins and owners add people or change their roles.</p>}
      <h2>People</h2>
      {users.error ? <ErrorState error={users.error} retry={users.reload} />
        : !users.data ? <Loading what="the users" />
          : !users.data.data.length ? <Empty title="No users yet">{admin ? 'Add the first person above.' : 'Ask an admin to add people.'}</Empty>
            : (
              <DataTable caption="Users" rows={users.data.data} columns={[
                { label: 'Person', value: (u) => <Link to={`/settings/users${query({ user: u.id })}`} aria-current={u.id === selected ? 'true' : undefined}>{u.full_name ? `${u.full_name} · ${u.email}` : u.email}</Link> },
                { label: 'Role', value: (u) => u.role },
                { label: 'Status', value: (u) => <span className={`badge ${u.is_active ? 'good' : 'muted'}`}>{u.is_active ? 'active' : 'deactivated'}</span> },
                { label: 'Time zone', value: (u) => u.timezone ?? '—' },
                { label: 'Added', value: (u) => <Ago at={u.created_at} /> },
              ]} />
            )}
      {selected && users.data && !user ? <ErrorState error={new Error(`No user ${selected} in this organization.`)} /> : null}
      {user ? <UserDetail key={user.id} user={user} role={role} params={params} onChanged={(u) => users.set({ data: users.data!.data.map((x) => (x.id === u.id ? u : x)) })} /> : null}
    </>
  );
}

function InviteForm({ role, onAdded }: { role: Role; onAdded: () => void }) {
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [newRole, setNewRole] = useState<Role>('agent');
  const [added, setAdded] = useState<User | null>(null);
  const save = useAction();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setAdded(null);
    void save.run(() => api<User>('POST', '/v1/users', { email, role: newRole, ...(name.trim() ? { full_name: name.trim() } : {}) }), (u) => {
      setAdded(u);
      setEmail('');
      setName('');
      onAdded();
      return `Added ${u.email} as ${u.role}.`;
    });
  };
  return (
    <form className="settings-form" onSubmit={submit} aria-labelledby="invite-title">
      <h2 id="invite-title">Add a person</h2>
      <div className="row">
        <Field label="E-mail" name="email" error={save.error}>{(p) => <input {...p} type="email" required value={email} onChange={(e) => setEmail(e.target.value)} autoComplete="off" />}</Field>
        <Field label="Name (optional)" name="full_name" error={save.error}>{(p) => <input {...p} value={name} maxLength={200} onChange={(e) => setName(e.target.value)} />}</Field>
        <Field label="Role" name="role" error={save.error}>
          {(p) => <select {...p} value={newRole} onChange={(e) => setNewRole(e.target.value as Role)}>{ROLES.filter((r) => atLeast(role, r)).map((r) => <option key={r} value={r}>{r}</option>)}</select>}
        </Field>
        <div className="actions"><button type="submit" disabled={save.busy}>{save.busy ? 'Adding…' : 'Add'}</button></div>
      </div>
      <Outcome action={save} fields={['email', 'full_name', 'role']} />
      {added ? <p className="note">They sign in with an API key: <Link to={`/settings/keys${query({ user: added.id })}`}>create one for {added.email}</Link> and give it to them.</p> : null}
    </form>
  );
}

function UserDetail({ user, role, params, onChanged }: { user: User; role: Role; params: URLSearchParams; onChanged: (u: User) => void }) {
  const { me } = useSession();
  const admin = atLeast(role, 'admin') && atLeast(role, user.role);
  const [form, setForm] = useState({ full_name: user.full_name ?? '', role: user.role, timezone: user.timezone ?? '', is_active: user.is_active });
  useEffect(() => setForm({ full_name: user.full_name ?? '', role: user.role, timezone: user.timezone ?? '', is_active: user.is_active }), [user]);
  const save = useAction();
  const self = me?.user?.id === user.id;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const patch: Record<string, unknown> = {};
    if (form.full_name.trim() !== (user.full_name ?? '')) patch.full_name = form.full_name.trim() || null;
    if (form.role !== user.role) patch.role = form.role;
    if (form.timezone !== (user.timezone ?? '')) patch.timezone = form.timezone;
    if (form.is_active !== user.is_active) patch.is_active = form.is_active;
    if (!Object.keys(patch).length) return void save.run(async () => null, 'Nothing changed.');
    void save.run(() => api<User>('PATCH', `/v1/users/${user.id}`, patch), (u) => {
      onChanged(u);
      return `Saved ${u.email}.`;
    });
  };
  const zones = useMemo(() => <datalist id="time-zones">{ZONES.map((z) => <option key={z} value={z} />)}</datalist>, []);
  return (
    <article className="settings-detail" aria-label={user.email}>
      <h2>{user.full_name ?? user.email}</h2>
      <form className="settings-form" onSubmit={submit}>
        <fieldset disabled={!admin || save.busy} className="row">
          <legend className="sr-only">{user.email}</legend>
          <Field label="Name" name="full_name" error={save.error}>{(p) => <input {...p} value={form.full_name} maxLength={200} onChange={(e) => setForm({ ...form, full_name: e.target.value })} />}</Field>
          <Field label="Role" name="role" error={save.error}>
            {(p) => <select {...p} value={form.role} onChange={(e) => setForm({ ...form, role: e.target.value as Role })}>{ROLES.filter((r) => atLeast(role, r) || r === user.role).map((r) => <option key={r} value={r}>{r}</option>)}</select>}
          </Field>
          <Field label="Time zone" name="timezone" error={save.error} help="their days in the voice metrics">
            {(p) => <input {...p} list="time-zones" value={form.timezone} onChange={(e) => setForm({ ...form, timezone: e.target.value })} />}
          </Field>
          <label className="check"><input type="checkbox" checked={form.is_active} onChange={(e) => setForm({ ...form, is_active: e.target.checked })} /> May sign in (active)</label>
        </fieldset>
        {zones}
        {admin ? <div className="actions"><button type="submit" disabled={save.busy}>{save.busy ? 'Saving…' : 'Save'}</button>
          {self && form.role !== user.role ? <span className="warnings">You are changing your own role.</span> : null}</div>
          : <p className="note">Only admins and owners at or above {user.role} change this person.</p>}
        <Outcome action={save} fields={['full_name', 'role', 'timezone', 'is_active']} />
      </form>
      <ConfigEditor userId={user.id} kind={kindOf(params)} canEdit={self || atLeast(role, 'manager')} base={`/settings/users${query({ user: user.id })}`} />
    </article>
  );
}

/** The signed-in person's own voice and AI configuration. */
export function ProfileSection({ params }: Props) {
  const { me } = useSession();
  if (!me?.user) return <Empty title="No user behind this key">This API key belongs to the organization, not a person: sign in with a person's key to change their voice settings.</Empty>;
  return (
    <>
      <p className="note">Signed in as {me.user.email} ({me.role}): how your calls sound, and how the AI writes and speaks for you.</p>
      <ConfigEditor userId={me.user.id} kind={kindOf(params)} canEdit base="/settings/profile" />
    </>
  );
}
