/** Keys the crash writer cycles through. */
export const KEYS = 40;

/** The value (and index choice) the crash writer puts as its `i`-th operation. */
export function crashValue(i: number): { value: { t: string; i: number; extra?: string[] }; index: false | undefined } {
  const words = ['lunar', 'orbit', 'bread', 'recipe', 'tokyo', 'budget', 'garden', 'zebra'];
  const t = `${words[i % words.length]} ${words[(i * 3) % words.length]} item ${i}`;
  const extra = i % 3 === 0 ? [`${words[(i + 1) % words.length]} note ${i}`, `second ${i}`] : undefined;
  return { value: { t, i, ...(extra ? { extra } : {}) }, index: i % 5 === 0 ? false : undefined };
}
