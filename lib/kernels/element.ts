// One output element of one operation of a program (program.ts), from the rows of its arguments alone, in
// the scalar arithmetic of f32.ts: what a dispute narrows to and what the contract re-executes. It gives the
// bits run.ts gives for the whole tensor (a test checks every element of real steps). `reads` lists the
// (tensor, row) pairs an element depends on: the rows a one-step proof must open.
import { add, div, exp32, log32, max, mul, relu, sub } from "./f32.ts";
import { ProgramError, tensorDef, type Program } from "./program.ts";
import { klGradOf, xentGradOf } from "./run.ts";

/** An index read from data: an exact integer in [0, n) (anything else makes the element NaN). */
function isIndex(v: number, n: number): boolean {
  return Number.isInteger(v) && v >= 0 && v < n;
}

/** Row r of tensor t, as it was computed (or given). */
export type RowSource = (t: number, r: number) => Float32Array;

/** Full tensors as a RowSource. */
export function rowsOf(p: Program, tensors: readonly Float32Array[]): RowSource {
  return (t, r) => {
    const cols = tensorDef(p, t).shape[1];
    return tensors[t]!.subarray(r * cols, (r + 1) * cols);
  };
}

/** Element (i, j) of the output of p.ops[opIndex], reading argument rows through `row`. */
export function elementOf(p: Program, row: RowSource, opIndex: number, i: number, j: number): number {
  const op = p.ops[opIndex];
  if (op === undefined) throw new ProgramError(`no operation ${opIndex}`);
  const [rows, cols] = op.shape;
  if (!(Number.isInteger(i) && Number.isInteger(j) && i >= 0 && j >= 0 && i < rows && j < cols)) {
    throw new ProgramError(`${op.name}: no element (${i}, ${j}) in ${rows}×${cols}`);
  }
  const [A, B, C] = op.args;
  const s0 = op.scalars[0]!;
  const at = (t: number, r: number, c: number) => row(t, r)[c]!;
  switch (op.kind) {
    case "transpose":
      return at(A!, j, i);
    case "matmulNT": {
      const a = row(A!, i);
      const b = row(B!, j);
      let acc = 0;
      for (let k = 0; k < a.length; k++) acc = add(acc, mul(a[k]!, b[k]!));
      return acc;
    }
    case "addRow":
      return add(at(A!, i, j), at(B!, 0, j));
    case "add":
      return add(at(A!, i, j), at(B!, i, j));
    case "relu":
      return relu(at(A!, i, j));
    case "reluGrad":
      return at(A!, i, j) > 0 ? at(B!, i, j) : 0;
    case "rowMax": {
      const a = row(A!, i);
      let m = a[0]!;
      for (let k = 1; k < a.length; k++) m = max(m, a[k]!);
      return m;
    }
    case "rowSum":
    case "rowSumT": {
      const a = row(A!, op.kind === "rowSum" ? i : j);
      let s = 0;
      for (let k = 0; k < a.length; k++) s = add(s, a[k]!);
      return s;
    }
    case "rowArgmaxT": {
      const a = row(A!, j);
      let best = 0;
      for (let k = 1; k < a.length; k++) if (a[k]! > a[best]!) best = k;
      return best;
    }
    case "subCol":
      return sub(at(A!, i, j), at(B!, i, 0));
    case "divCol":
      return div(at(A!, i, j), at(B!, i, 0));
    case "exp":
      return exp32(at(A!, i, j));
    case "log":
      return log32(at(A!, i, j));
    case "pickLabel": {
      const y = at(B!, i, 0);
      const a = row(A!, i);
      return isIndex(y, a.length) ? a[y]! : Number.NaN;
    }
    case "concatCols":
      return at(op.args[j]!, i, 0);
    case "negDiv":
      return div(sub(0, at(A!, i, j)), s0);
    case "divScalar":
      return div(at(A!, i, j), s0);
    case "klGrad":
      return klGradOf(at(A!, 0, j), op.scalars);
    case "addScaledRow":
      return add(at(A!, i, j), mul(at(B!, 0, j), at(C!, i, j)));
    case "subScaledCol":
      return sub(at(A!, i, j), mul(at(B!, i, j), at(C!, i, 0)));
    case "xentGrad":
      return xentGradOf(at(A!, i, j), at(B!, i, 0), j === at(C!, i, 0), s0);
    case "selectIndex": {
      const a = row(A!, 0);
      let k = -1;
      for (let r = 0; r < a.length; r++) if (a[r] === s0 && ++k === j) return r;
      return Number.NaN; // fewer matches than the claimed shape: no value is right
    }
    case "gatherRows": {
      const r = at(B!, 0, i);
      return isIndex(r, tensorDef(p, A!).shape[0]) ? at(A!, r, j) : Number.NaN;
    }
    case "sgdVelocity":
      return add(mul(s0, at(A!, i, j)), at(B!, i, j));
    case "sgdParam":
      return sub(at(A!, i, j), mul(s0, at(B!, i, j)));
  }
}

/** The (tensor, row) pairs element (i, j) of p.ops[opIndex] reads, in the order it reads them. */
export function elementReads(p: Program, row: RowSource, opIndex: number, i: number, j: number): { tensor: number; row: number }[] {
  const reads: { tensor: number; row: number }[] = [];
  const seen = new Set<string>();
  elementOf(
    p,
    (t, r) => {
      const key = `${t}:${r}`;
      if (!seen.has(key)) {
        seen.add(key);
        reads.push({ tensor: t, row: r });
      }
      return row(t, r);
    },
    opIndex,
    i,
    j,
  );
  return reads;
}
