/** The value at index `j` of append `k` of `writer` in `round`: the crash writer writes it, the parent recomputes it. */
export function crashValue(writer: number, round: number, k: number, j: number): string {
  return `w${writer} r${round} a${k} v${j} ${'x'.repeat((k * 7 + j) % 50)}`;
}
