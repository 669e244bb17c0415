import assert from "node:assert/strict";
import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "mocha";
import { Journal, JournalCorruptError, JournalError, JournalRecordError, JOURNAL_FILE, MAX_RECORD_BYTES } from "../../node/index.ts";
import { runCrashWriter } from "./helpers.ts";
import { crashRecord } from "./fixtures/crash-record.ts";

const root = mkdtempSync(join(tmpdir(), "verihive-journal-"));
after(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const freshDir = (): string => join(root, `d${dirs++}`);

function line(seq: number, kind = "round-state", extra: object = {}): string {
  return `${JSON.stringify({ seq, at: new Date(0).toISOString(), kind, ...extra })}\n`;
}

describe("journal (node/journal.ts)", () => {
  it("appends records and reads them back", async () => {
    const journal = await Journal.open(freshDir());
    const a = await journal.append("commit-intent", { round: 3, root: "0xabc" });
    const b = await journal.append("commit-sent", { round: 3, tx: "0xdef" });
    assert.equal(a.seq, 1);
    assert.equal(b.seq, 2);
    assert.equal(a.kind, "commit-intent");
    assert.equal(a.round, 3);
    assert.ok(!Number.isNaN(Date.parse(a.at)));
    assert.deepEqual(journal.records(), [a, b]);
    await journal.close();
  });

  it("finds the newest record of a kind, optionally filtered", async () => {
    const journal = await Journal.open(freshDir());
    await journal.append("round-state", { round: 1 });
    await journal.append("commit-sent", { round: 1 });
    await journal.append("round-state", { round: 2 });
    assert.equal(journal.last("round-state")?.round, 2);
    assert.equal(journal.last("round-state", (r) => r.round === 1)?.seq, 1);
    assert.equal(journal.last("commit-confirmed"), undefined);
    await journal.close();
  });

  it("replays the file on reopen and continues the sequence", async () => {
    const dir = freshDir();
    const first = await Journal.open(dir);
    await first.append("round-state", { round: 1, nested: { list: [1, "two", null, true] } });
    await first.append("commit-intent", { round: 1 });
    await first.close();
    const second = await Journal.open(dir);
    assert.equal(second.truncatedBytes, 0);
    assert.deepEqual(
      second.records().map((r) => [r.seq, r.kind]),
      [
        [1, "round-state"],
        [2, "commit-intent"],
      ],
    );
    assert.deepEqual(second.records()[0]!.nested, { list: [1, "two", null, true] });
    assert.equal((await second.append("commit-sent", {})).seq, 3);
    await second.close();
  });

  it("writes concurrent appends in call order with consecutive seqs", async () => {
    const dir = freshDir();
    const journal = await Journal.open(dir);
    const records = await Promise.all(Array.from({ length: 20 }, (_, i) => journal.append("round-state", { i })));
    assert.deepEqual(
      records.map((r) => [r.seq, r.i]),
      Array.from({ length: 20 }, (_, i) => [i + 1, i]),
    );
    await journal.close();
    const lines = readFileSync(join(dir, JOURNAL_FILE), "utf8").trimEnd().split("\n");
    assert.deepEqual(
      lines.map((l) => (JSON.parse(l) as { i: number }).i),
      Array.from({ length: 20 }, (_, i) => i),
    );
  });

  it("returns frozen records", async () => {
    const journal = await Journal.open(freshDir());
    const r = await journal.append("round-state", { nested: { x: 1 } });
    assert.ok(Object.isFrozen(r) && Object.isFrozen(r.nested));
    await journal.close();
  });

  it("truncates a torn last line and keeps appending after it", async () => {
    const dir = freshDir();
    const path = join(dir, JOURNAL_FILE);
    const journal = await Journal.open(dir);
    await journal.append("round-state", { round: 1 });
    await journal.append("commit-intent", { round: 1 });
    await journal.close();
    const clean = statSync(path).size;
    appendFileSync(path, line(3).slice(0, 20));

    const reopened = await Journal.open(dir);
    assert.equal(reopened.truncatedBytes, 20);
    assert.equal(statSync(path).size, clean);
    assert.equal(reopened.records().length, 2);
    assert.equal((await reopened.append("commit-sent", { round: 1 })).seq, 3);
    await reopened.close();
    const again = await Journal.open(dir);
    assert.deepEqual(
      again.records().map((r) => r.kind),
      ["round-state", "commit-intent", "commit-sent"],
    );
    await again.close();
  });

  it("drops a torn first line, leaving an empty journal", async () => {
    const dir = freshDir();
    await Journal.open(dir).then((j) => j.close());
    writeFileSync(join(dir, JOURNAL_FILE), '{"seq":1,"at');
    const journal = await Journal.open(dir);
    assert.deepEqual(journal.records(), []);
    assert.equal((await journal.append("round-state")).seq, 1);
    await journal.close();
  });

  it("refuses a corrupt line in the middle", async () => {
    const dir = freshDir();
    await Journal.open(dir).then((j) => j.close());
    writeFileSync(join(dir, JOURNAL_FILE), line(1) + '{"seq":2,"at":"x","ki\n' + line(3));
    await assert.rejects(Journal.open(dir), (e: unknown) => {
      assert.ok(e instanceof JournalCorruptError);
      assert.match(e.message, /corrupt at line 2 .*not valid UTF-8 JSON/);
      assert.equal(e.context.line, 2);
      assert.equal(e.context.offset, line(1).length);
      return true;
    });
  });

  it("refuses a complete last line that is corrupt (only an unterminated tail counts as torn)", async () => {
    const dir = freshDir();
    await Journal.open(dir).then((j) => j.close());
    writeFileSync(join(dir, JOURNAL_FILE), line(1) + "garbage\n");
    await assert.rejects(Journal.open(dir), JournalCorruptError);
  });

  it("refuses a gap or repeat in the sequence, a bad kind and invalid UTF-8", async () => {
    const cases = [line(1) + line(3), line(1) + line(1), line(1) + line(2, "Bad_Kind"), `${line(1)}{"seq":2,"at":"x","kind":"a","s":"\xff"}\n`, line(2), "\n"];
    for (const content of cases) {
      const dir = freshDir();
      await Journal.open(dir).then((j) => j.close());
      writeFileSync(join(dir, JOURNAL_FILE), content.includes("\xff") ? Buffer.from(content, "latin1") : content);
      await assert.rejects(Journal.open(dir), JournalCorruptError, JSON.stringify(content));
    }
  });

  it("refuses bad kinds and data that is not plain JSON, without using up a seq", async () => {
    const journal = await Journal.open(freshDir());
    const bad: [string, unknown][] = [
      ["Commit", {}],
      ["commit_intent", {}],
      ["", {}],
      ["x".repeat(65), {}],
      ["round-state", { n: 1n }],
      ["round-state", { n: Number.NaN }],
      ["round-state", { n: undefined }],
      ["round-state", { d: new Date() }],
      ["round-state", { f: () => 1 }],
      ["round-state", [1, 2]],
      ["round-state", { seq: 9 }],
      ["round-state", { kind: "other" }],
      ["round-state", { pad: "x".repeat(MAX_RECORD_BYTES) }],
    ];
    for (const [kind, data] of bad) {
      await assert.rejects(journal.append(kind, data as object), JournalRecordError, `${kind} ${String(data)}`);
    }
    assert.equal((await journal.append("round-state", { ok: true })).seq, 1);
    await journal.close();
  });

  it("accepts a record just under the size limit", async () => {
    const journal = await Journal.open(freshDir());
    const overhead = line(1, "big", { pad: "" }).length;
    const r = await journal.append("big", { pad: "x".repeat(MAX_RECORD_BYTES - overhead - 10) });
    assert.equal(r.seq, 1);
    await journal.close();
  });

  it("refuses appends after close", async () => {
    const journal = await Journal.open(freshDir());
    await journal.close();
    await assert.rejects(journal.append("round-state", {}), JournalError);
    await journal.close();
  });

  it("survives SIGKILL while appending: every record intact, seqs consecutive, every acked record present", async function () {
    this.timeout(15_000);
    const dir = freshDir();
    const acked = (await runCrashWriter("journal", dir, 200)).map(Number);
    assert.ok(acked.length > 0, "the child acknowledged no append");

    const journal = await Journal.open(dir);
    const records = journal.records();
    assert.ok(records.length >= Math.max(...acked), `${records.length} records, ${Math.max(...acked)} acked`);
    records.forEach((r, index) => {
      assert.equal(r.seq, index + 1);
      assert.equal(r.kind, "crash-test");
      assert.deepEqual({ i: r.i, pad: r.pad }, crashRecord(index));
    });
    assert.ok(readFileSync(join(dir, JOURNAL_FILE)).at(-1) === 0x0a);
    assert.equal((await journal.append("round-state", {})).seq, records.length + 1);
    await journal.close();
  });
});
