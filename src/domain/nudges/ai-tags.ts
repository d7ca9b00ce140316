import { tokens } from '../../providers/embeddings/local.ts';

// AI tags (AI Nudge's client.ai_tags): what a client's notes say about them, as tags a person can
// filter by, read from the notes by a fixed lexicon (deterministic, offline, explainable: each tag
// names the words that gave it). The words are compared as the local embeddings see them (stemmed,
// synonyms folded), so "schools", "school" and "School district" all give `schools`.

const LEXICON: Record<string, string[]> = {
  schools: ['school', 'district', 'elementary', 'kid', 'kids', 'children'],
  family: ['family', 'kids', 'children', 'baby', 'growing'],
  outdoor_space: ['backyard', 'yard', 'garden', 'patio', 'acre', 'trees'],
  pets: ['dog', 'dogs', 'cat', 'cats', 'pet', 'pets'],
  pool: ['pool'],
  downtown: ['downtown', 'walkable', 'nightlife', 'restaurants', 'urban'],
  quiet: ['quiet', 'peaceful', 'cul-de-sac'],
  investor: ['investor', 'investment', 'rental', 'flip', 'fixer', 'cash', 'adu', 'duplex'],
  first_time_buyer: ['first', 'starter'],
  downsizing: ['retired', 'retiring', 'downsize', 'downsizing', 'empty', 'single-level', 'single-story'],
  home_office: ['office', 'remote', 'wfh'],
  relocating: ['relocating', 'relocation', 'moving', 'transfer'],
};

const INDEX = new Map<string, string[]>();
for (const [tag, words] of Object.entries(LEXICON)) {
  for (const w of words) for (const t of tokens(w)) INDEX.set(t, [...(INDEX.get(t) ?? []), tag]);
}

export function aiTagsOf(notes: string | null): string[] {
  if (!notes) return [];
  const tags = new Set<string>();
  for (const t of tokens(notes)) for (const tag of INDEX.get(t) ?? []) tags.add(tag);
  return [...tags].sort();
}
