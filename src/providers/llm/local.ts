import type { DraftFacts, DraftRequest, LlmPort, Tone } from './ports.ts';

// The local drafting adapter: deterministic templates, one per event type and tone, filled only
// from the event's facts. A fact that is missing is left out of the sentence rather than guessed,
// so a draft never says what the record does not (tested for every type and tone).

const money = (dollars: number) => `$${Math.round(dollars).toLocaleString('en-US')}`;

const TYPE_WORDS: Record<string, string> = {
  single_family: 'home', condo: 'condo', townhouse: 'townhome', multi_family: 'multi-family property', land: 'lot', manufactured: 'manufactured home',
};

function where(f: DraftFacts): string {
  const place = [f.address, f.city].filter(Boolean).join(', ');
  return place || (f.zip ? `the ${f.zip} area` : 'your area');
}

/** "3-bed, 2-bath home" with whatever of it is known. */
function what(f: DraftFacts): string {
  const parts = [f.beds != null ? `${f.beds}-bed` : null, f.baths != null ? `${f.baths}-bath` : null].filter(Boolean);
  const noun = TYPE_WORDS[f.propertyType ?? ''] ?? 'home';
  return parts.length ? `${parts.join(', ')} ${noun}` : noun;
}

const GREETING: Record<Tone, string> = { warm: 'Hi {first_name}!', professional: 'Hello {first_name},', brief: '{first_name},' };
const CLOSE: Record<Tone, Record<'buy' | 'owner', string>> = {
  warm: { buy: 'It looks like a fit for what you told me you want. Want to take a look?', owner: 'Curious what that could mean for your place? Happy to run the numbers.' },
  professional: { buy: 'Would you like the details or a showing?', owner: 'Would you like an updated estimate of your home\'s value?' },
  brief: { buy: 'Interested?', owner: 'Want a quick value check?' },
};

function body(f: DraftFacts): { text: string; kind: 'buy' | 'owner' } {
  const at = where(f);
  const price = f.price != null ? money(f.price) : null;
  switch (f.eventType) {
    case 'new_listing':
      return { kind: 'buy', text: `A ${what(f)} just came on the market at ${at}${price ? ` for ${price}` : ''}.` };
    case 'price_change': {
      if (f.previousPrice != null && price) {
        const moved = f.price! < f.previousPrice ? 'just dropped' : 'just changed';
        return { kind: 'buy', text: `The price of the ${what(f)} at ${at} ${moved} from ${money(f.previousPrice)} to ${price}.` };
      }
      return { kind: 'buy', text: `The ${what(f)} at ${at} has a new price${price ? `: ${price}` : ''}.` };
    }
    case 'back_on_market':
      return { kind: 'buy', text: `The ${what(f)} at ${at} is back on the market${price ? ` at ${price}` : ''}.` };
    case 'pending':
      return { kind: 'owner', text: `A ${what(f)} near you at ${at} just went under contract${price ? ` (listed at ${price})` : ''}.` };
    case 'sold': {
      const sold = f.closePrice != null ? money(f.closePrice) : null;
      return { kind: 'owner', text: `A ${what(f)} near you at ${at} just sold${sold ? ` for ${sold}` : ''}.` };
    }
    case 'expired':
      return { kind: 'owner', text: `The listing of the ${what(f)} at ${at} has come off the market.` };
  }
}

export function localDraft(req: DraftRequest): string {
  const { text, kind } = body(req.facts);
  const lines = [`${GREETING[req.tone]} ${text} ${CLOSE[req.tone][kind]}`];
  if (req.signoff) lines.push(`- ${req.signoff}`);
  return lines.join('\n');
}

export function createLocalLlm(): LlmPort {
  return { name: 'local', model: 'templates-v1', draft: async (req) => localDraft(req) };
}
