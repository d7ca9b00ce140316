// The LLM port: drafts of nudges. A draft is written for a whole audience with the placeholder
// {first_name}, filled per recipient when it is approved. The facts are all a draft may state:
// the listing event's and, through the placeholder, the client's first name.

export type EventType = 'new_listing' | 'price_change' | 'back_on_market' | 'pending' | 'sold' | 'expired';
export type Tone = 'warm' | 'professional' | 'brief';

export interface DraftFacts {
  eventType: EventType;
  address: string | null;
  city: string | null;
  state: string | null;
  zip: string | null;
  /** Whole dollars (the draft speaks dollars; the database keeps cents). */
  price: number | null;
  previousPrice: number | null;
  closePrice: number | null;
  beds: number | null;
  baths: number | null;
  sqft: number | null;
  yearBuilt: number | null;
  propertyType: string | null;
}

export interface DraftRequest {
  promptVersion: string;
  tone: Tone;
  /** How the user signs (the style guide's sign-off); none when null. */
  signoff: string | null;
  facts: DraftFacts;
}

export interface LlmPort {
  /** 'local', 'openai' */
  readonly name: string;
  readonly model: string;
  /** The draft, with {first_name} where the recipient's name goes. */
  draft(req: DraftRequest): Promise<string>;
}

export const FIRST_NAME = '{first_name}';
