import { SignatureError, type SignatureProblem } from '../../platform/index.js';

/** The reason a verification refused (`missing`, `stale`, …), or undefined when it accepted. */
export function signatureProblem(verify: () => void): SignatureProblem | undefined {
  try {
    verify();
    return undefined;
  } catch (error) {
    if (error instanceof SignatureError) return error.problem;
    throw error;
  }
}
