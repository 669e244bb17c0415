// A reference step as data: the list of tensors it reads (inputs) and the operations that compute the rest,
// each with its kind, its arguments (earlier tensors), its output shape and its scalars. The same program is
// run fast (run.ts, whole tensors), evaluated one output element at a time (element.ts, what the contract
// re-executes in a dispute) and traced (every output in order). docs/PROTOCOL.md 3.8 lists the kinds.
//
// Every tensor is rows × cols, row-major binary32; integers (labels, routes, row indices) are stored as
// exact binary32 integers. Each kind reads whole rows of its arguments only (a column is read as a row of an
// explicit `transpose`), so one element is checked from a few rows.

export type Shape = readonly [rows: number, cols: number];

export type OpKind =
  /** out[i][j] = A[j][i] */
  | "transpose"
  /** out[i][j] = Σ_k A[i][k] ⊗ B[j][k], sequential in k from +0 (B holds the rows of the right factor's transpose) */
  | "matmulNT"
  /** out[i][j] = A[i][j] ⊕ v[0][j] */
  | "addRow"
  /** out[i][j] = A[i][j] ⊕ B[i][j] */
  | "add"
  /** out[i][j] = A[i][j] > 0 ? A[i][j] : +0 */
  | "relu"
  /** out[i][j] = P[i][j] > 0 ? G[i][j] : +0 */
  | "reluGrad"
  /** out[i][0] = max over A[i][·] from A[i][0], left to right */
  | "rowMax"
  /** out[i][0] = Σ_j A[i][j], sequential from +0 */
  | "rowSum"
  /** out[0][i] = Σ_j A[i][j], sequential from +0 (the same sums, laid out as one row) */
  | "rowSumT"
  /** out[0][i] = the lowest j with A[i][j] = max_j A[i][j] */
  | "rowArgmaxT"
  /** out[i][j] = A[i][j] ⊖ c[i][0] */
  | "subCol"
  /** out[i][j] = A[i][j] ⊘ c[i][0] */
  | "divCol"
  /** out[i][j] = exp32(A[i][j]) */
  | "exp"
  /** out[i][j] = log32(A[i][j]) */
  | "log"
  /** out[i][0] = A[i][y[i][0]] */
  | "pickLabel"
  /** out[i][e] = C_e[i][0] for arguments C_0 … C_{E−1} */
  | "concatCols"
  /** out[i][j] = (0 ⊖ A[i][j]) ⊘ s₀ */
  | "negDiv"
  /** out[i][j] = A[i][j] ⊘ s₀ */
  | "divScalar"
  /** out[0][e] = (s₀ ⊗ (log32(t) ⊕ p ⊘ t)) ⊘ s₂, p = A[0][e], t = p ⊕ s₁ (β, ε, n) */
  | "klGrad"
  /** out[i][j] = A[i][j] ⊕ (v[0][j] ⊗ B[i][j]) */
  | "addScaledRow"
  /** out[i][j] = A[i][j] ⊖ (B[i][j] ⊗ c[i][0]) */
  | "subScaledCol"
  /** out[i][j] = ((E[i][j] ⊘ S[i][0]) [⊖ 1 if j = y[i][0]]) ⊘ s₀ */
  | "xentGrad"
  /** out[0][k] = the k-th i (from 0) with A[0][i] = s₀ */
  | "selectIndex"
  /** out[k][j] = A[idx[0][k]][j] */
  | "gatherRows"
  /** out[i][j] = (s₀ ⊗ V[i][j]) ⊕ G[i][j] (momentum μ) */
  | "sgdVelocity"
  /** out[i][j] = P[i][j] ⊖ (s₀ ⊗ V[i][j]) (learning rate η) */
  | "sgdParam";

/** Every kind, in the order of its code (the contract's OneStep.sol numbers kinds by this list). */
export const OP_KINDS: readonly OpKind[] = [
  "transpose",
  "matmulNT",
  "addRow",
  "add",
  "relu",
  "reluGrad",
  "rowMax",
  "rowSum",
  "rowSumT",
  "rowArgmaxT",
  "subCol",
  "divCol",
  "exp",
  "log",
  "pickLabel",
  "concatCols",
  "negDiv",
  "divScalar",
  "klGrad",
  "addScaledRow",
  "subScaledCol",
  "xentGrad",
  "selectIndex",
  "gatherRows",
  "sgdVelocity",
  "sgdParam",
];

export interface TensorDef {
  readonly name: string;
  readonly shape: Shape;
}

export interface OpDef extends TensorDef {
  readonly kind: OpKind;
  /** Indices of the tensors it reads (inputs, then earlier operations' outputs). */
  readonly args: readonly number[];
  /** Binary32 scalars of the kind (see OpKind). */
  readonly scalars: readonly number[];
}

/** Tensor t < inputs.length is an input; tensor inputs.length + k is the output of ops[k]. */
export interface Program {
  readonly inputs: readonly TensorDef[];
  readonly ops: readonly OpDef[];
}

export class ProgramError extends Error {
  override name = "ProgramError";
}

/** Builds a program; `shapeOf` and `indexOf` look tensors up while it grows. */
export class ProgramBuilder {
  readonly inputs: TensorDef[] = [];
  readonly ops: OpDef[] = [];
  #byName = new Map<string, number>();

  input(name: string, shape: Shape): number {
    if (this.ops.length > 0) throw new ProgramError(`input ${name} after the first operation`);
    return this.#add(name, () => this.inputs.push({ name, shape }));
  }

  op(name: string, kind: OpKind, args: readonly number[], shape: Shape, scalars: readonly number[] = []): number {
    const total = this.inputs.length + this.ops.length;
    for (const a of args) if (!Number.isInteger(a) || a < 0 || a >= total) throw new ProgramError(`${name}: argument ${a} is not an earlier tensor`);
    if (!(shape[0] >= 0 && shape[1] >= 1)) throw new ProgramError(`${name}: bad shape ${shape.join("×")}`);
    return this.#add(name, () => this.ops.push({ name, kind, args, shape, scalars: scalars.map(Math.fround) }));
  }

  shapeOf(t: number): Shape {
    return t < this.inputs.length ? this.inputs[t]!.shape : this.ops[t - this.inputs.length]!.shape;
  }

  indexOf(name: string): number {
    const t = this.#byName.get(name);
    if (t === undefined) throw new ProgramError(`no tensor ${name}`);
    return t;
  }

  program(): Program {
    return { inputs: this.inputs.slice(), ops: this.ops.slice() };
  }

  #add(name: string, push: () => void): number {
    if (this.#byName.has(name)) throw new ProgramError(`tensor ${name} defined twice`);
    const t = this.inputs.length + this.ops.length;
    push();
    this.#byName.set(name, t);
    return t;
  }
}

/** The definition (input or operation) of tensor t. */
export function tensorDef(p: Program, t: number): TensorDef {
  return t < p.inputs.length ? p.inputs[t]! : p.ops[t - p.inputs.length]!;
}
