import { useState, type ReactNode } from 'react';
import { num } from '../table.tsx';

// What the sequences and campaigns pages share: the figures row, a second step for what cannot
// be undone, counted words, and the names of a sequence's working days.

/** A row of figures: each a label and a number, readable at any width. */
export function Figures({ label, items }: { label: string; items: { label: string; value: ReactNode; note?: string }[] }) {
  return (
    <dl className="oc-figures" aria-label={label}>
      {items.map((i) => (
        <div key={i.label} data-figure={i.label}>
          <dt>{i.label}</dt>
          <dd>{i.value}{i.note ? <span className="note"> {i.note}</span> : null}</dd>
        </div>
      ))}
    </dl>
  );
}

/** Two steps for what cannot be undone: the button, then a question with the real button. */
export function Confirm({ label, question, busy, onConfirm }: { label: string; question: string; busy: boolean; onConfirm: () => void }) {
  const [asking, setAsking] = useState(false);
  if (!asking) return <button type="button" className="danger" disabled={busy} onClick={() => setAsking(true)}>{label}</button>;
  return (
    <span className="oc-confirm" role="group" aria-label={label}>
      <span>{question}</span>
      <button type="button" className="danger" disabled={busy} autoFocus onClick={() => { setAsking(false); onConfirm(); }}>Yes, {label.toLowerCase()}</button>
      <button type="button" className="secondary" onClick={() => setAsking(false)}>Keep it</button>
    </span>
  );
}

export const plural = (n: number, one: string, many = `${one}s`) => `${num(n)} ${n === 1 ? one : many}`;

/** ISO days 1 (Monday) to 7, as a sequence's working_days counts them: DAYS[d - 1]. */
export const DAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
