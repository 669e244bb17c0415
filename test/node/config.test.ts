import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, describe, it } from "mocha";
import { parseUnits } from "viem";
import {
  ConfigError,
  DEFAULT_LISTEN,
  OPTIONS,
  parseTrainerConfig,
  parseVerifierConfig,
  trainerHelp,
  verifierHelp,
  type TrainerConfig,
  type VerifierConfig,
} from "../../node/index.ts";

const COORDINATOR = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const PEER = "16Uiu2HAmQ4KKJY6ZA1TzfuQNXaRk6w3n8gU6pSMiy1ngT8yrCBuk";
const TRAINER = ["--rpc", "http://127.0.0.1:8545", "--key", "trainer.key", "--coordinator", COORDINATOR, "--run", "1", "--shard", "gate"];
const VERIFIER = ["--rpc", "http://127.0.0.1:8545", "--key", "verifier.key", "--coordinator", COORDINATOR, "--run", "1"];

const tmp = mkdtempSync(join(tmpdir(), "verihive-config-"));
after(() => rmSync(tmp, { recursive: true, force: true }));
let files = 0;

function configFile(content: string | object): string {
  const path = join(tmp, `config-${files++}.json`);
  writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content));
  return path;
}

function trainer(argv: string[], env: Record<string, string> = {}): TrainerConfig {
  const config = parseTrainerConfig(argv, env);
  assert.equal(config.help, false);
  return config as TrainerConfig;
}

function verifier(argv: string[], env: Record<string, string> = {}): VerifierConfig {
  const config = parseVerifierConfig(argv, env);
  assert.equal(config.help, false);
  return config as VerifierConfig;
}

/** The problems a trainer parse reports (it must throw a ConfigError). */
function problems(argv: string[], env: Record<string, string> = {}): readonly string[] {
  try {
    parseTrainerConfig(argv, env);
  } catch (e) {
    assert.ok(e instanceof ConfigError, String(e));
    assert.equal(e.name, "ConfigError");
    for (const p of e.problems) assert.ok(e.message.includes(p));
    return e.problems;
  }
  assert.fail("expected a ConfigError");
}

function withFlag(name: string, value: string, base = TRAINER): string[] {
  const i = base.indexOf(`--${name}`);
  return i === -1 ? [...base, `--${name}`, value] : base.map((v, j) => (j === i + 1 ? value : v));
}

function without(name: string, base = TRAINER): string[] {
  const i = base.indexOf(`--${name}`);
  return base.filter((_, j) => j !== i && j !== i + 1);
}

function assertProblem(argv: string[], expected: string, env: Record<string, string> = {}): void {
  const found = problems(argv, env);
  assert.ok(found.some((p) => p.includes(expected)), `no problem contains "${expected}": ${JSON.stringify(found)}`);
}

describe("node config (node/config.ts)", () => {
  describe("defaults", () => {
    it("fills every optional trainer setting with its default", () => {
      const c = trainer(TRAINER);
      assert.equal(c.role, "trainer");
      assert.equal(c.rpc, "http://127.0.0.1:8545");
      assert.deepEqual(c.key, { kind: "key-file", path: resolve("trainer.key") });
      assert.equal(c.coordinator, COORDINATOR);
      assert.equal(c.runId, 1n);
      assert.equal(c.shard, "gate");
      assert.equal(c.stake, undefined);
      assert.deepEqual(c.listen, DEFAULT_LISTEN);
      assert.deepEqual(c.bootstrap, []);
      assert.equal(c.backend, "auto");
      assert.equal(c.log, "auto");
      assert.equal(c.attack, undefined);
      assert.ok(!("attack" in c));
      assert.equal(c.configFile, undefined);
      assert.equal(c.dataDir, resolve(".verihive", "trainer-1-gate"));
    });

    it("gives a verifier its own default data directory and no shard", () => {
      const c = verifier(VERIFIER);
      assert.equal(c.role, "verifier");
      assert.equal(c.dataDir, resolve(".verihive", "verifier-1"));
      assert.ok(!("shard" in c));
      assert.ok(!("attack" in c));
    });

    it("checksums the coordinator address", () => {
      assert.equal(trainer(withFlag("coordinator", COORDINATOR.toLowerCase())).coordinator, COORDINATOR);
    });

    it("takes the dispute game's address when given (none by default), checked like the coordinator's", () => {
      assert.equal(trainer(TRAINER).game, undefined);
      assert.equal(trainer([...TRAINER, "--game", COORDINATOR.toLowerCase()]).game, COORDINATOR);
      assertProblem([...TRAINER, "--game", "0x1234"], "--game must be a 0x-prefixed 20-byte hex address");
    });
  });

  describe("sources and precedence", () => {
    it("reads every setting from its environment variable", () => {
      const c = trainer([], {
        VERIHIVE_RPC: "https://rpc.example/v1",
        VERIHIVE_KEY: "/keys/a.key",
        VERIHIVE_COORDINATOR: COORDINATOR,
        VERIHIVE_RUN: "7",
        VERIHIVE_SHARD: "expert-3",
        VERIHIVE_STAKE: "12.5",
        VERIHIVE_LISTEN: "/ip4/0.0.0.0/tcp/4001, /ip6/::/tcp/4001",
        VERIHIVE_BOOTSTRAP: `/dns4/boot.example/tcp/4001/p2p/${PEER}`,
        VERIHIVE_BACKEND: "wasm",
        VERIHIVE_DATA_DIR: "/data/t",
        VERIHIVE_LOG: "json",
        VERIHIVE_ATTACK: "sign-flip",
        VERIHIVE_ATTACK_LAMBDA: "2.5",
      });
      assert.equal(c.rpc, "https://rpc.example/v1");
      assert.deepEqual(c.key, { kind: "key-file", path: "/keys/a.key" });
      assert.equal(c.runId, 7n);
      assert.equal(c.shard, "expert-3");
      assert.equal(c.stake, parseUnits("12.5", 18));
      assert.deepEqual(c.listen, ["/ip4/0.0.0.0/tcp/4001", "/ip6/::/tcp/4001"]);
      assert.deepEqual(c.bootstrap, [`/dns4/boot.example/tcp/4001/p2p/${PEER}`]);
      assert.equal(c.backend, "wasm");
      assert.equal(c.dataDir, "/data/t");
      assert.equal(c.log, "json");
      assert.deepEqual(c.attack, { name: "sign-flip", lambda: 2.5 });
    });

    it("documents an environment variable for every flag", () => {
      const names = OPTIONS.map((o) => o.env);
      assert.equal(new Set(names).size, names.length);
      for (const o of OPTIONS) assert.equal(o.env, `VERIHIVE_${o.name.toUpperCase().replace(/-/g, "_")}`);
    });

    it("prefers a flag to the environment, the environment to the file, and the file to the default", () => {
      const file = configFile({ run: 3, log: "json", backend: "cpu", stake: "5" });
      const env = { VERIHIVE_CONFIG: file, VERIHIVE_RUN: "2", VERIHIVE_LOG: "pretty" };
      const c = trainer(withFlag("run", "1", without("run")), env);
      assert.equal(c.runId, 1n); // flag over env over file
      assert.equal(c.log, "pretty"); // env over file
      assert.equal(c.backend, "cpu"); // file over default
      assert.equal(c.stake, 5n * 10n ** 18n);
      assert.equal(c.configFile, file);
      assert.equal(trainer(without("run"), env).runId, 2n);
      assert.equal(trainer(without("run"), { VERIHIVE_CONFIG: file }).runId, 3n);
    });

    it("takes --config over VERIHIVE_CONFIG", () => {
      const a = configFile({ backend: "cpu" });
      const b = configFile({ backend: "wasm" });
      assert.equal(trainer([...TRAINER, "--config", a], { VERIHIVE_CONFIG: b }).backend, "cpu");
    });

    it("lets a repeatable flag replace the environment's list", () => {
      const env = { VERIHIVE_LISTEN: "/ip4/0.0.0.0/tcp/1" };
      assert.deepEqual(trainer(TRAINER, env).listen, ["/ip4/0.0.0.0/tcp/1"]);
      const c = trainer([...TRAINER, "--listen", "/ip4/0.0.0.0/tcp/2", "--listen", "/dns/host.example/tcp/3"], env);
      assert.deepEqual(c.listen, ["/ip4/0.0.0.0/tcp/2", "/dns/host.example/tcp/3"]);
    });

    it("treats --key and --keystore as one setting: the highest source naming either wins", () => {
      const env = { VERIHIVE_KEYSTORE: "/keys/ks.json", VERIHIVE_KEYSTORE_PASSWORD: "pw" };
      assert.deepEqual(trainer(TRAINER, env).key, { kind: "key-file", path: resolve("trainer.key") });
      assert.deepEqual(trainer(without("key"), env).key, { kind: "keystore", path: "/keys/ks.json", password: "pw" });
    });

    it("accepts an empty keystore password as long as the variable is set", () => {
      const c = trainer(withFlag("keystore", "/keys/ks.json", without("key")), { VERIHIVE_KEYSTORE_PASSWORD: "" });
      assert.deepEqual(c.key, { kind: "keystore", path: "/keys/ks.json", password: "" });
    });

    it("resolves relative paths in the config file against the file's folder", () => {
      const file = configFile({ key: "keys/a.key", "data-dir": "state" });
      const c = trainer([...without("key"), "--config", file]);
      assert.deepEqual(c.key, { kind: "key-file", path: join(tmp, "keys/a.key") });
      assert.equal(c.dataDir, join(tmp, "state"));
    });

    it("reads a complete configuration from the file alone", () => {
      const file = configFile({
        rpc: "http://10.0.0.1:8545",
        keystore: "/keys/ks.json",
        coordinator: COORDINATOR,
        run: "42",
        shard: "expert-0",
        listen: ["/ip4/0.0.0.0/tcp/4001"],
        bootstrap: [],
      });
      const c = trainer(["--config", file], { VERIHIVE_KEYSTORE_PASSWORD: "pw" });
      assert.equal(c.runId, 42n);
      assert.equal(c.shard, "expert-0");
      assert.deepEqual(c.bootstrap, []);
    });

    it("ignores empty environment variables", () => {
      assert.equal(trainer(TRAINER, { VERIHIVE_LOG: "", VERIHIVE_RUN: " " }).log, "auto");
    });
  });

  describe("validation", () => {
    it("refuses a run id that is not a positive integer", () => {
      assertProblem(withFlag("run", "abc"), "--run must be a positive integer (got 'abc')");
      assertProblem(withFlag("run", "0"), "--run must be a positive integer (got '0')");
      assertProblem(withFlag("run", "1.5"), "--run must be a positive integer");
      assertProblem(withFlag("run", (2n ** 256n).toString()), "--run must be a positive integer");
    });

    it("names the environment variable a bad value came from", () => {
      assertProblem(without("run"), "--run must be a positive integer (got 'x' from VERIHIVE_RUN)", { VERIHIVE_RUN: "x" });
    });

    it("refuses an RPC that is not an http(s) URL", () => {
      assertProblem(withFlag("rpc", "ws://127.0.0.1:8546"), "--rpc must be an http(s) URL");
      assertProblem(withFlag("rpc", "localhost:8545"), "--rpc must be an http(s) URL");
    });

    it("refuses a shard other than gate or expert-<n>", () => {
      for (const bad of ["expert", "expert-01", "expert--1", "Gate", "expert-65535"]) assertProblem(withFlag("shard", bad), "--shard must be 'gate' or 'expert-<n>'");
    });

    it("requires exactly one of --key and --keystore", () => {
      assertProblem(without("key"), "give exactly one of --key and --keystore");
      assertProblem([...TRAINER, "--keystore", "ks.json"], "give exactly one of --key and --keystore (both are set as flags)");
      assertProblem(without("key"), "give exactly one of --key and --keystore (both are set in the environment)", { VERIHIVE_KEY: "a", VERIHIVE_KEYSTORE: "b" });
    });

    it("requires the keystore password in VERIHIVE_KEYSTORE_PASSWORD", () => {
      assertProblem(withFlag("keystore", "ks.json", without("key")), "--keystore needs its password in VERIHIVE_KEYSTORE_PASSWORD");
    });

    it("refuses a malformed, mis-checksummed or zero coordinator address", () => {
      assertProblem(withFlag("coordinator", "0x1234"), "--coordinator must be a 0x-prefixed 20-byte hex address");
      assertProblem(withFlag("coordinator", COORDINATOR.replace("F", "f")), "--coordinator has a bad checksum");
      assertProblem(withFlag("coordinator", `0x${"0".repeat(40)}`), "--coordinator must not be the zero address");
    });

    it("refuses a stake that is not a positive decimal amount", () => {
      for (const bad of ["0", "-1", "abc", "1e3", ".5", "1.0000000000000000001", "0.000"]) assertProblem([...TRAINER, `--stake=${bad}`], "--stake must be a token amount greater than 0");
      assert.equal(trainer(withFlag("stake", "0.000000000000000001")).stake, 1n);
      assert.equal(trainer(withFlag("stake", "250")).stake, 250n * 10n ** 18n);
    });

    it("refuses multiaddrs that do not parse or are not host/tcp", () => {
      assertProblem([...TRAINER, "--listen", "/ip4/999.0.0.1/tcp/1"], "--listen is not a valid multiaddr");
      assertProblem([...TRAINER, "--listen", "not-an-addr"], "--listen is not a valid multiaddr");
      assertProblem([...TRAINER, "--listen", "/ip4/127.0.0.1/udp/1"], "--listen must have the shape /ip4|ip6|dns|dns4|dns6/HOST/tcp/PORT");
      assertProblem([...TRAINER, "--listen", `/ip4/127.0.0.1/tcp/1/p2p/${PEER}`], "--listen must have the shape");
      assertProblem([...TRAINER, "--bootstrap", "/tcp/1"], "--bootstrap must have the shape");
      assertProblem([...TRAINER, "--bootstrap", "/ip4/127.0.0.1/tcp/1/p2p/notapeer"], "--bootstrap has an invalid /p2p/ peer id");
      assertProblem(TRAINER, "--listen needs at least one address", { VERIHIVE_LISTEN: "," });
    });

    it("refuses an unknown backend, log format or attack name", () => {
      assertProblem(withFlag("backend", "tpu"), "--backend must be one of auto, gpu, node, wasm, cpu (got 'tpu')");
      assertProblem(withFlag("log", "xml"), "--log must be one of auto, json, pretty (got 'xml')");
      assertProblem(withFlag("attack", "scale-update"), "--attack must be one of sign-flip, noise, label-flip, equivocate, withhold, alie, ipm, stale, free-ride, one-op, hide-one-op (got 'scale-update')");
    });

    it("names each missing required setting and its variable", () => {
      const found = problems([]);
      for (const p of ["--rpc is required (or set VERIHIVE_RPC)", "--coordinator is required", "--run is required", "--shard is required", "give exactly one of --key and --keystore"]) {
        assert.ok(found.includes(p) || found.some((f) => f.startsWith(p)), p);
      }
      assert.equal(found.length, 5);
    });

    it("refuses unknown flags, positionals and a repeated single-valued flag", () => {
      assert.deepEqual(problems([...TRAINER, "--bogus"]), ["Unknown option '--bogus'"]);
      assert.deepEqual(problems(["extra"]), ["Unexpected argument 'extra'. This command does not take positional arguments"]);
      assertProblem(["--run", "--shard", "gate"], "Option '--run' argument is ambiguous. Did you forget to specify the option argument for '--run'?");
      assertProblem([...TRAINER, "--run", "2"], "--run is given more than once");
      assert.throws(() => parseVerifierConfig([...VERIFIER, "--shard", "gate"], {}), /Unknown option '--shard'/);
    });

    it("collects several problems into one error", () => {
      const argv = ["--rpc", "ftp://x", "--key", "k", "--coordinator", "0x12", "--run", "abc", "--shard", "expert-x", "--stake=-5", "--backend", "tpu"];
      const found = problems(argv);
      assert.equal(found.length, 6, JSON.stringify(found));
      for (const flag of ["--rpc", "--coordinator", "--run", "--shard", "--stake", "--backend"]) assert.ok(found.some((p) => p.startsWith(flag)), flag);
      try {
        parseTrainerConfig(argv, {});
      } catch (e) {
        assert.match((e as Error).message, /^invalid trainer configuration:\n {2}- --rpc must be an http\(s\) URL/);
        assert.deepEqual((e as ConfigError).context.problems, found);
      }
    });
  });

  describe("config file", () => {
    it("refuses a file that is not JSON", () => {
      assertProblem([...TRAINER, "--config", configFile("{ rpc: ")], "is not valid JSON");
    });

    it("refuses a file that is not a JSON object", () => {
      assertProblem([...TRAINER, "--config", configFile("[1]")], "must hold a JSON object");
    });

    it("refuses unknown keys, and trainer-only keys in a verifier's file", () => {
      assertProblem([...TRAINER, "--config", configFile({ rpcUrl: "http://x" })], "unknown key 'rpcUrl'");
      assertProblem([...TRAINER, "--config", configFile({ config: "other.json" })], "unknown key 'config'");
      assert.throws(() => parseVerifierConfig([...VERIFIER, "--config", configFile({ shard: "gate" })], {}), /unknown key 'shard'/);
    });

    it("refuses values of the wrong type", () => {
      assertProblem([...TRAINER, "--config", configFile({ listen: "/ip4/0.0.0.0/tcp/1" })], "'listen' must be an array of strings");
      assertProblem([...TRAINER, "--config", configFile({ backend: 1 })], "'backend' must be a string");
      assertProblem([...TRAINER, "--config", configFile({ run: true })], "'run' must be a string or a number");
    });

    it("refuses a file over 64 KiB", () => {
      const big = configFile({ log: "pretty", pad: "x".repeat(64 * 1024) });
      const found = problems([...TRAINER, "--config", big]);
      assert.equal(found.length, 1);
      assert.match(found[0]!, /is larger than 64 KiB/);
    });

    it("reports a missing file", () => {
      assertProblem([...TRAINER, "--config", join(tmp, "missing.json")], "cannot read config file");
    });

    it("names the file a bad value came from", () => {
      const file = configFile({ backend: "tpu" });
      assertProblem([...TRAINER, "--config", file], `--backend must be one of auto, gpu, node, wasm, cpu (got 'tpu' from config file ${file})`);
    });
  });

  describe("attacks", () => {
    it("takes each attack name, with lambda defaulting to 1", () => {
      for (const name of ["sign-flip", "noise", "label-flip", "equivocate", "withhold", "alie", "ipm", "stale", "free-ride", "one-op", "hide-one-op"]) {
        assert.deepEqual(trainer(withFlag("attack", name)).attack, { name, lambda: 1 });
      }
    });

    it("reads --attack-lambda", () => {
      const c = trainer([...TRAINER, "--attack", "noise", "--attack-lambda", "10"]);
      assert.deepEqual(c.attack, { name: "noise", lambda: 10 });
      assert.equal(trainer([...TRAINER, "--attack", "noise", "--attack-lambda", "2e-1"]).attack?.lambda, 0.2);
    });

    it("takes lambda as a number in the config file, and refuses the removed attack-fraction", () => {
      const file = configFile({ attack: "sign-flip", "attack-lambda": 3 });
      assert.deepEqual(trainer([...TRAINER, "--config", file]).attack, { name: "sign-flip", lambda: 3 });
      assert.throws(() => parseTrainerConfig([...TRAINER, "--config", configFile({ attack: "noise", "attack-fraction": 0.5 })], {}), /unknown key 'attack-fraction'/);
    });

    it("refuses a lambda that is not a finite number above 0", () => {
      for (const v of ["0", "-1", "Infinity", "1e999", "0x10", "abc", ""]) {
        assertProblem([...TRAINER, "--attack", "noise", `--attack-lambda=${v}`], `--attack-lambda must be a finite number greater than 0 (got '${v}')`);
      }
    });

    it("refuses lambda without an attack", () => {
      assertProblem([...TRAINER, "--attack-lambda", "2"], "--attack-lambda needs --attack");
      assertProblem(TRAINER, "--attack-lambda needs --attack", { VERIHIVE_ATTACK_LAMBDA: "0.5" });
    });

    it("refuses a verifier attack name for a trainer", () => {
      assertProblem(withFlag("attack", "lazy"), "--attack must be one of sign-flip, noise, label-flip, equivocate, withhold, alie, ipm, stale, free-ride, one-op, hide-one-op (got 'lazy')");
    });

    it("documents every attack and its strength in the trainer's help", () => {
      const text = trainerHelp();
      for (const name of ["sign-flip", "noise", "label-flip", "equivocate", "withhold", "alie", "ipm", "stale", "free-ride", "one-op", "hide-one-op"]) assert.ok(text.includes(name), name);
      assert.ok(text.includes("--attack-lambda X") && !text.includes("--attack-fraction"));
    });
  });

  describe("--aggregation", () => {
    it("defaults to centered-clip", () => {
      assert.equal(trainer(TRAINER).aggregation, "centered-clip");
    });

    it("takes mean or centered-clip from a flag, VERIHIVE_AGGREGATION or the config file", () => {
      assert.equal(trainer([...TRAINER, "--aggregation", "mean"]).aggregation, "mean");
      assert.equal(trainer([...TRAINER, "--aggregation", "centered-clip"]).aggregation, "centered-clip");
      assert.equal(trainer(TRAINER, { VERIHIVE_AGGREGATION: "mean" }).aggregation, "mean");
      assert.equal(trainer([...TRAINER, "--config", configFile({ aggregation: "mean" })]).aggregation, "mean");
      assert.equal(trainer([...TRAINER, "--aggregation", "centered-clip"], { VERIHIVE_AGGREGATION: "mean" }).aggregation, "centered-clip");
    });

    it("refuses another kind, naming where it came from", () => {
      assertProblem(withFlag("aggregation", "median"), "--aggregation must be one of centered-clip, mean (got 'median')");
      assertProblem(TRAINER, "--aggregation must be one of centered-clip, mean (got 'krum' from VERIHIVE_AGGREGATION)", { VERIHIVE_AGGREGATION: "krum" });
    });

    it("is trainer-only", () => {
      assert.throws(() => parseVerifierConfig([...VERIFIER, "--aggregation", "mean"], {}), /Unknown option '--aggregation'/);
      assert.ok(!("aggregation" in verifier(VERIFIER, { VERIHIVE_AGGREGATION: "mean" })));
      assert.ok(!verifierHelp().includes("--aggregation"));
      assert.ok(trainerHelp().includes("--aggregation KIND"));
    });
  });

  describe("verifier attacks", () => {
    /** The problems a verifier parse reports (it must throw a ConfigError). */
    function verifierProblems(argv: string[], env: Record<string, string> = {}): readonly string[] {
      try {
        parseVerifierConfig(argv, env);
      } catch (e) {
        assert.ok(e instanceof ConfigError, String(e));
        return e.problems;
      }
      assert.fail("expected a ConfigError");
    }

    it("takes lazy and false-challenge from a flag", () => {
      for (const name of ["lazy", "false-challenge"]) assert.equal(verifier([...VERIFIER, "--attack", name]).attack, name);
    });

    it("takes the attack from VERIHIVE_ATTACK and from the config file", () => {
      assert.equal(verifier(VERIFIER, { VERIHIVE_ATTACK: "lazy" }).attack, "lazy");
      assert.equal(verifier([...VERIFIER, "--config", configFile({ attack: "false-challenge" })]).attack, "false-challenge");
    });

    it("leaves an honest verifier without an attack", () => {
      assert.ok(!("attack" in verifier(VERIFIER)));
    });

    it("refuses a trainer attack name for a verifier, naming where it came from", () => {
      assert.deepEqual(verifierProblems([...VERIFIER, "--attack", "sign-flip"]), ["--attack must be one of lazy, false-challenge (got 'sign-flip')"]);
      assert.deepEqual(verifierProblems(VERIFIER, { VERIHIVE_ATTACK: "noise" }), ["--attack must be one of lazy, false-challenge (got 'noise' from VERIHIVE_ATTACK)"]);
    });

    it("takes --watch in basis points (default 0) from a flag, the environment or a file, and refuses anything else", () => {
      assert.equal(verifier(VERIFIER).watchBps, 0);
      assert.equal(verifier([...VERIFIER, "--watch", "2500"]).watchBps, 2500);
      assert.equal(verifier(VERIFIER, { VERIHIVE_WATCH: "10000" }).watchBps, 10_000);
      assert.equal(verifier([...VERIFIER, "--config", configFile({ watch: 500 })]).watchBps, 500);
      for (const bad of ["10001", "0.5", "1e3", "lots"]) assert.deepEqual(verifierProblems([...VERIFIER, "--watch", bad]), [`--watch must be an integer from 0 to 10000 (basis points) (got '${bad}')`]);
      assert.deepEqual(problems([...TRAINER, "--watch", "100"]), ["Unknown option '--watch'"]);
    });

    it("keeps --attack-lambda trainer-only", () => {
      assert.deepEqual(verifierProblems([...VERIFIER, "--attack", "lazy", "--attack-lambda", "2"]), ["Unknown option '--attack-lambda'"]);
      assert.throws(() => parseVerifierConfig([...VERIFIER, "--config", configFile({ "attack-lambda": 0.5 })], {}), /unknown key 'attack-lambda'/);
      assert.ok(!("attack" in verifier(VERIFIER, { VERIHIVE_ATTACK_LAMBDA: "2" })));
    });

    it("documents both verifier attacks, and no trainer attack, in the verifier's help", () => {
      const text = verifierHelp();
      assert.ok(text.includes("--attack NAME") && text.includes("lazy") && text.includes("false-challenge"));
      assert.ok(text.includes("default: none; env: VERIHIVE_ATTACK"));
      for (const name of ["sign-flip", "label-flip", "equivocate", "withhold"]) assert.ok(!text.includes(name), name);
      assert.ok(!trainerHelp().includes("false-challenge"));
    });
  });

  describe("--help", () => {
    it("returns a help request without validating anything", () => {
      assert.deepEqual(parseTrainerConfig(["--help"], {}), { help: true });
      assert.deepEqual(parseTrainerConfig(["-h", "--run", "abc"], {}), { help: true });
      assert.deepEqual(parseVerifierConfig(["--rpc", "--help"], {}), { help: true });
    });

    it("lists every trainer flag with its default and variable, and an example", () => {
      const text = trainerHelp();
      assert.match(text, /^Usage: npx verihive trainer /);
      for (const o of OPTIONS.filter((x) => !x.verifierOnly)) {
        assert.ok(text.includes(`--${o.name} ${o.arg}`), o.name);
        assert.ok(text.includes(`default: ${o.fallback}; env: ${o.env}`), o.env);
      }
      assert.ok(text.includes("VERIHIVE_KEYSTORE_PASSWORD"));
      assert.match(text, /Example:\n {2}.*npx verihive trainer --rpc/);
    });

    it("leaves the trainer-only flags out of the verifier's help", () => {
      const text = verifierHelp();
      assert.match(text, /^Usage: npx verihive verifier /);
      assert.ok(!text.includes("--shard") && !text.includes("--attack-lambda"));
      assert.ok(text.includes("--watch BPS") && !trainerHelp().includes("--watch"), "--watch is the verifier's only");
      assert.ok(text.includes("--bootstrap MULTIADDR") && text.includes("VERIHIVE_DATA_DIR"));
      assert.match(text, /Example:\n {2}npx verihive verifier --rpc/);
    });
  });
});
