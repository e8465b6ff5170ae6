/** Dimensions of the test embeddings. */
export const DIMS = 24;

/**
 * A deterministic embedding: hashed character trigrams, each adding a signed weight from 1 to 1000 to
 * one component. Texts sharing words share trigrams, so similarity means something; components are
 * integers, exact in float32, so scores from stored vectors equal those from the model's numbers; the
 * weights make two different texts' cosines equal only by accident, so rankings have no ties that
 * float rounding could order either way (equal texts still tie, exactly, in both stores).
 */
export function embedText(text: string): number[] {
  const v = new Array<number>(DIMS).fill(0);
  const s = ` ${text.toLowerCase()} `;
  for (let i = 0; i + 3 <= s.length; i++) {
    let h = 2166136261;
    for (let j = i; j < i + 3; j++) h = Math.imul(h ^ s.charCodeAt(j), 16777619) >>> 0;
    const weight = 1 + ((h >>> 8) % 1000);
    v[h % DIMS] = (v[h % DIMS] as number) + ((h >>> 18) & 1 ? weight : -weight);
  }
  return v;
}

/** A LangChain-shaped embeddings object over `embedText` that counts its calls and texts. */
export function countingEmbeddings() {
  const calls: string[][] = [];
  const queries: string[] = [];
  return {
    calls,
    queries,
    async embedDocuments(texts: string[]) {
      calls.push(texts);
      return texts.map(embedText);
    },
    async embedQuery(text: string) {
      queries.push(text);
      return embedText(text);
    },
  };
}
