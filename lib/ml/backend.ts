// Chooses the tfjs backend that runs the training step, and says which one really runs.
//   auto: @tensorflow/tfjs-node-gpu → @tensorflow/tfjs-node → wasm → cpu (first that initialises).
// tfjs falls back silently when a backend fails to initialise, so every choice is verified with
// tf.getBackend() after tf.ready(). An explicit preference that cannot run throws BackendUnavailableError.
import { createRequire } from "node:module";
import { dirname, join, sep } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { BackendUnavailableError } from "./errors.ts";

export type BackendKind = "gpu" | "node" | "wasm" | "cpu";
export type BackendPreference = "auto" | BackendKind;

/** Order in which `auto` tries the backends. */
export const BACKEND_ORDER: readonly BackendKind[] = ["gpu", "node", "wasm", "cpu"];

export interface SelectedBackend {
  /** The kind that runs (also the `ReferenceBackend` key of a run spec). */
  readonly name: BackendKind;
  /** The tfjs backend name now active (`tf.getBackend()`): "tensorflow", "wasm" or "cpu". */
  readonly tfBackend: string;
  /** One line for humans: what runs and how. */
  readonly detail: string;
  /** Kinds that `auto` tried before this one, with the reason each could not run. */
  readonly skipped: readonly { readonly name: BackendKind; readonly reason: string }[];
}

const NODE_MODULES: Record<"gpu" | "node", string> = {
  gpu: "@tensorflow/tfjs-node-gpu",
  node: "@tensorflow/tfjs-node",
};

function message(err: unknown): string {
  if (err instanceof Error) return err.message.split("\n")[0]!;
  if (typeof err === "object" && err !== null && "message" in err) return String(err.message);
  return String(err);
}

/** The `dist/` folder of @tensorflow/tfjs-backend-wasm as a path ending in a separator (the prefix tfjs prepends to file names). */
export function wasmDistDir(): string {
  const pkg = createRequire(import.meta.url).resolve("@tensorflow/tfjs-backend-wasm/package.json");
  return join(dirname(pkg), "dist") + sep;
}

async function activate(kind: BackendKind, tfName: string): Promise<void> {
  let ok: boolean;
  try {
    ok = await tf.setBackend(tfName);
    await tf.ready();
  } catch (err) {
    throw new BackendUnavailableError(`${kind}: tf.setBackend('${tfName}') failed: ${message(err)}`, { kind });
  }
  const running = tf.getBackend();
  if (!ok || running !== tfName) {
    throw new BackendUnavailableError(`${kind}: tf.setBackend('${tfName}') did not take effect, '${running}' runs`, {
      kind,
      running,
    });
  }
}

async function useNode(kind: "gpu" | "node"): Promise<string> {
  const moduleName = NODE_MODULES[kind];
  try {
    // A variable specifier: the package is optional and usually absent, so neither tsc nor a bundler may resolve it.
    await import(moduleName);
  } catch (err) {
    throw new BackendUnavailableError(`${kind}: cannot load ${moduleName}: ${message(err)}`, { kind, module: moduleName });
  }
  if (tf.findBackendFactory("tensorflow") == null) {
    throw new BackendUnavailableError(
      `${kind}: ${moduleName} loaded but registered no 'tensorflow' backend with this copy of @tensorflow/tfjs-core`,
      { kind, module: moduleName },
    );
  }
  await activate(kind, "tensorflow");
  return kind === "gpu"
    ? "tensorflow (tfjs-node-gpu: libtensorflow built with CUDA)"
    : "tensorflow (tfjs-node: native libtensorflow on the CPU)";
}

let wasmPathsSet = false;

async function useWasm(): Promise<string> {
  let wasm: typeof import("@tensorflow/tfjs-backend-wasm");
  try {
    wasm = await import("@tensorflow/tfjs-backend-wasm");
  } catch (err) {
    throw new BackendUnavailableError(`wasm: cannot load @tensorflow/tfjs-backend-wasm: ${message(err)}`, { kind: "wasm" });
  }
  // setWasmPaths must precede the backend's first initialisation and throws after a failed one.
  if (!wasmPathsSet && tf.findBackend("wasm") == null) {
    try {
      wasm.setWasmPaths(wasmDistDir());
    } catch (err) {
      throw new BackendUnavailableError(`wasm: ${message(err)}`, { kind: "wasm" });
    }
    wasmPathsSet = true;
  }
  await activate("wasm", "wasm");
  const simd = tf.env().getBool("WASM_HAS_SIMD_SUPPORT");
  const threads = wasm.getThreadsCount();
  return `wasm (${simd ? "SIMD" : "no SIMD"}, ${threads} thread${threads === 1 ? "" : "s"}, XNNPACK kernels)`;
}

async function useKind(kind: BackendKind): Promise<SelectedBackend> {
  let detail: string;
  if (kind === "gpu" || kind === "node") detail = await useNode(kind);
  else if (kind === "wasm") detail = await useWasm();
  else {
    await activate("cpu", "cpu");
    detail = "cpu (tfjs kernels in plain JavaScript)";
  }
  return { name: kind, tfBackend: tf.getBackend(), detail, skipped: [] };
}

/**
 * Makes the preferred backend the active tfjs backend and returns what really runs.
 * `auto` takes the first of gpu, node, wasm, cpu that initialises (cpu always does);
 * any other preference throws `BackendUnavailableError` with the reason when it cannot run.
 */
export async function selectBackend(preference: BackendPreference): Promise<SelectedBackend> {
  if (preference !== "auto") {
    if (!BACKEND_ORDER.includes(preference)) {
      throw new BackendUnavailableError(`unknown backend preference '${String(preference)}'`, { preference });
    }
    return useKind(preference);
  }
  const skipped: { name: BackendKind; reason: string }[] = [];
  for (const kind of BACKEND_ORDER) {
    try {
      const chosen = await useKind(kind);
      return { ...chosen, skipped };
    } catch (err) {
      if (!(err instanceof BackendUnavailableError)) throw err;
      skipped.push({ name: kind, reason: err.message });
    }
  }
  throw new BackendUnavailableError(`no backend initialised: ${skipped.map((s) => s.reason).join("; ")}`, { skipped });
}

/** Every kind that initialises here, in `BACKEND_ORDER`; leaves the last one that worked active. */
export async function availableBackends(): Promise<BackendKind[]> {
  const out: BackendKind[] = [];
  for (const kind of BACKEND_ORDER) {
    try {
      await useKind(kind);
      out.push(kind);
    } catch (err) {
      if (!(err instanceof BackendUnavailableError)) throw err;
    }
  }
  return out;
}
