/** The k highest scores offered, best first; of equal scores, the one offered first ranks first. */
export class TopK {
  readonly ids: number[] = [];
  readonly scores: number[] = [];

  constructor(private readonly k: number) {}

  offer(id: number, score: number): void {
    const { ids, scores, k } = this;
    if (ids.length === k && !(score > scores[k - 1]!)) return;
    let at = Math.min(ids.length, k - 1);
    while (at > 0 && scores[at - 1]! < score) at--;
    ids.splice(at, 0, id);
    scores.splice(at, 0, score);
    if (ids.length > k) {
      ids.pop();
      scores.pop();
    }
  }
}
