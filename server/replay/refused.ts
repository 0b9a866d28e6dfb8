/** A replay (or edit, discard, bulk job) refused for a reason the operator can act on; shown as a 4xx. */
export class ReplayRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ReplayRefused";
  }
}
