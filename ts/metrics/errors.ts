/** Errors raised by the evaluation layer: the message names what is wrong and where (window, step, file). */
export class EvalError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EvalError';
  }
}

/** A numeric array the metrics read: typed arrays or plain arrays. */
export type Numeric = ArrayLike<number>;
