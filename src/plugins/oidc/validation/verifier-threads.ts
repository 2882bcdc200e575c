/**
 * Signature verification on worker threads shared by every `TokenValidator` of the process: the
 * validator verifies one signature per turn on its own thread and hands the others here while these
 * threads have room, so concurrent validations use every core.
 *
 * Why not libuv's thread pool (node:crypto's callback form)? Each job there pays a digest-verify
 * context, copies, a completion handle and, on a machine with fewer cores than the pool has threads,
 * context switches: it measured about 7 µs per signature more than a verification on a thread of
 * its own. Here a signature costs what `verifyAs` costs on the calling thread, plus a copy into
 * shared memory.
 *
 * Each thread has a ring of slots in a SharedArrayBuffer. The validator's thread writes the signing
 * input and the signature into the next slot and publishes it with an atomic store (waking the thread
 * only when it sleeps); the verifier thread writes the verdict and publishes its progress, which the
 * validator's thread collects when it next submits or when `Atomics.waitAsync` wakes it. Keys travel
 * once per key (as `SignatureVerification`s, over a MessagePort) and are forgotten when the key is collected.
 *
 * Verdicts are the calling thread's: the verifier thread runs the source of `verifyAs` itself, and
 * anything it cannot answer (an exception, a thread that died) is verified again on the calling thread.
 */
import type { KeyObject } from "node:crypto";
import type { Worker } from "node:worker_threads";
import { type SignatureAlgorithm, type SignatureVerification, verifyAs } from "./algorithms.js";

/** Verdict of one signature, as `SignatureAlgorithm.verifyInPool` reports it. */
export type VerifiedCallback = (error: Error | null, valid: boolean) => void;

// Slots per thread, and how many may wait on a thread before the caller verifies on its own thread.
const SLOTS = 32;
const QUEUE_LIMIT = 16;
// A slot holds a signing input of up to MAX_INPUT_CHARS characters (3 UTF-8 bytes each at most) and a
// signature of up to SIGNATURE_BYTES (RSA-8192). A longer one is verified on the calling thread.
const MAX_INPUT_CHARS = 4096;
const INPUT_BYTES = 3 * MAX_INPUT_CHARS;
const SIGNATURE_BYTES = 1024;
const SLOT_BYTES = INPUT_BYTES + SIGNATURE_BYTES;
// Int32 indexes of the control words, and the four words of a slot's header.
const SUBMITTED = 0;
const COMPLETED = 1;
const SLEEPING = 2;
// Set (tests only): the threads take no slot until it is cleared.
const PAUSED = 3;
const CONTROL_WORDS = 4;
const INPUT_LENGTH = 0;
const SIGNATURE_LENGTH = 1;
const KEY_ID = 2;
const VERDICT = 3;
const SLOT_WORDS = 4;
// Verdicts.
const VALID = 1;
const INVALID = 2;
const NO_ANSWER = 3;
// Not a thread's verdict: what a slot of a stopped thread is settled with.
const STOPPED = 4;

/** The verifier thread's program (CommonJS, evaluated): the slot loop around `verifyAs`'s own source. */
const THREAD_SOURCE = `"use strict";
const { workerData, receiveMessageOnPort } = require("node:worker_threads");
const crypto = require("node:crypto");
const verifyAs = ${verifyAs.toString()};
const { memory, keyPort, slots, slotBytes, inputBytes } = workerData;
const control = new Int32Array(memory, 0, ${CONTROL_WORDS});
const headers = new Int32Array(memory, ${CONTROL_WORDS * 4}, slots * ${SLOT_WORDS});
const bytesAt = ${CONTROL_WORDS * 4} + slots * ${SLOT_WORDS * 4};
const keys = new Map();
const readKeys = () => {
  for (let m = receiveMessageOnPort(keyPort); m !== undefined; m = receiveMessageOnPort(keyPort)) {
    if (m.message.forget !== undefined) keys.delete(m.message.forget);
    else keys.set(m.message.id, m.message.verification);
  }
};
let done = 0;
for (;;) {
  const submitted = Atomics.load(control, ${SUBMITTED});
  if (done === submitted) {
    readKeys();
    Atomics.store(control, ${SLEEPING}, 1);
    Atomics.wait(control, ${SUBMITTED}, done);
    Atomics.store(control, ${SLEEPING}, 0);
    continue;
  }
  for (; done !== submitted; done = (done + 1) | 0) {
    while (Atomics.load(control, ${PAUSED}) === 1) Atomics.wait(control, ${PAUSED}, 1);
    const slot = (done >>> 0) % slots;
    const header = slot * ${SLOT_WORDS};
    const id = headers[header + ${KEY_ID}];
    if (!keys.has(id)) readKeys();
    const how = keys.get(id);
    let verdict = ${NO_ANSWER};
    if (how !== undefined) {
      const at = bytesAt + slot * slotBytes;
      try {
        verdict = verifyAs(crypto, how, Buffer.from(memory, at, headers[header + ${INPUT_LENGTH}]), Buffer.from(memory, at + inputBytes, headers[header + ${SIGNATURE_LENGTH}])) ? ${VALID} : ${INVALID};
      } catch {}
    }
    headers[header + ${VERDICT}] = verdict;
    Atomics.store(control, ${COMPLETED}, (done + 1) | 0);
    Atomics.notify(control, ${COMPLETED});
  }
}
`;

// Atomics.waitAsync (ES2024, in Node since 16) is not in the TypeScript library this project compiles against.
const waitAsync = (Atomics as unknown as { waitAsync(array: Int32Array, index: number, value: number): { async: false; value: string } | { async: true; value: Promise<string> } }).waitAsync;

/** A process warning (once per text): the verdicts stay right, but a thread is not doing its work. */
const warned = new Set<string>();
function warn(text: string): void {
  if (warned.has(text)) return;
  warned.add(text);
  process.emitWarning(text, { code: "PLANET_AUTH_VERIFIER_THREAD" });
}

/** What a slot in flight needs on the calling thread: its callback, and what to verify again without an answer. */
interface Pending {
  done: VerifiedCallback;
  alg: SignatureAlgorithm;
  key: KeyObject;
}

/** One verifier thread and its ring of slots. */
class VerifierThread {
  readonly #worker: Worker;
  readonly #keyPort: import("node:worker_threads").MessagePort;
  readonly #control: Int32Array;
  readonly #headers: Int32Array;
  readonly #bytes: Buffer;
  readonly #pending: (Pending | undefined)[] = new Array(SLOTS).fill(undefined);
  /** Slots submitted and collected (counters that wrap as the thread's do: compared, never ordered). */
  #submitted = 0;
  #collected = 0;
  #waiting = false;
  #alive = true;
  readonly #onDeath: () => void;
  readonly #unanswered: () => void;

  constructor(workerThreads: typeof import("node:worker_threads"), onDeath: () => void, onUnanswered: () => void) {
    this.#onDeath = onDeath;
    this.#unanswered = onUnanswered;
    const memory = new SharedArrayBuffer(CONTROL_WORDS * 4 + SLOTS * SLOT_WORDS * 4 + SLOTS * SLOT_BYTES);
    this.#control = new Int32Array(memory, 0, CONTROL_WORDS);
    this.#headers = new Int32Array(memory, CONTROL_WORDS * 4, SLOTS * SLOT_WORDS);
    this.#bytes = Buffer.from(memory, CONTROL_WORDS * 4 + SLOTS * SLOT_WORDS * 4);
    const { port1, port2 } = new workerThreads.MessageChannel();
    this.#keyPort = port1;
    this.#worker = new workerThreads.Worker(THREAD_SOURCE, {
      eval: true,
      name: "planet-auth signature verifier",
      workerData: { memory, keyPort: port2, slots: SLOTS, slotBytes: SLOT_BYTES, inputBytes: INPUT_BYTES },
      transferList: [port2],
      // The thread runs the loop above and nothing else: no stdin, and a small heap.
      stdin: false,
      resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 4 },
    });
    this.#worker.unref();
    this.#worker.on("error", (error) => {
      warn(`A signature verifier thread failed (${error.message}); its signatures are verified on the main thread`);
      this.#die();
    });
    this.#worker.on("exit", () => this.#die());
  }

  get alive(): boolean {
    return this.#alive;
  }

  /** Signatures submitted and not yet collected. */
  get outstanding(): number {
    return (this.#submitted - this.#collected) | 0;
  }

  sendKey(message: { id: number; verification: SignatureVerification } | { forget: number }): void {
    this.#keyPort.postMessage(message);
  }

  /** Put one signature in the next slot; false (nothing sent) when it does not fit a slot. */
  submit(keyId: number, alg: SignatureAlgorithm, key: KeyObject, data: string, signature: Uint8Array, done: VerifiedCallback): boolean {
    if (data.length > MAX_INPUT_CHARS || signature.length > SIGNATURE_BYTES) return false;
    const slot = (this.#submitted >>> 0) % SLOTS;
    const header = slot * SLOT_WORDS;
    const at = slot * SLOT_BYTES;
    this.#headers[header + INPUT_LENGTH] = this.#bytes.write(data, at, INPUT_BYTES, "utf8");
    this.#bytes.set(signature, at + INPUT_BYTES);
    this.#headers[header + SIGNATURE_LENGTH] = signature.length;
    this.#headers[header + KEY_ID] = keyId;
    this.#pending[slot] = { done, alg, key };
    // A thread with work in flight keeps the process alive, as a job on libuv's pool does.
    if (this.#submitted === this.#collected) this.#worker.ref();
    this.#submitted = (this.#submitted + 1) | 0;
    Atomics.store(this.#control, SUBMITTED, this.#submitted);
    if (Atomics.load(this.#control, SLEEPING) === 1) Atomics.notify(this.#control, SUBMITTED);
    this.#awaitCompletion();
    return true;
  }

  /** Settle every slot the thread has answered (those it could not answer are verified here). */
  collect(): void {
    const completed = Atomics.load(this.#control, COMPLETED);
    while (this.#collected !== completed) this.#settle(this.#headers[((this.#collected >>> 0) % SLOTS) * SLOT_WORDS + VERDICT]);
  }

  #settle(verdict: number): void {
    const slot = (this.#collected >>> 0) % SLOTS;
    const pending = this.#pending[slot]!;
    let error: Error | null = null;
    let valid = verdict === VALID;
    if (verdict !== VALID && verdict !== INVALID) {
      // A thread that answers nothing (verifyAs threw there) is a defect to report; one that stopped is not.
      if (verdict === NO_ANSWER && this.#alive) warn("A signature verifier thread could not verify a signature; it was verified on the main thread");
      this.#unanswered();
      // No answer from the thread: the same verification here, with the bytes still in the slot.
      const at = slot * SLOT_BYTES;
      const header = slot * SLOT_WORDS;
      try {
        valid = pending.alg.verify(
          this.#bytes.toString("utf8", at, at + this.#headers[header + INPUT_LENGTH]),
          pending.key,
          Buffer.from(this.#bytes.subarray(at + INPUT_BYTES, at + INPUT_BYTES + this.#headers[header + SIGNATURE_LENGTH])),
        );
      } catch (e) {
        error = e as Error;
      }
    }
    this.#pending[slot] = undefined;
    this.#collected = (this.#collected + 1) | 0;
    if (this.#collected === this.#submitted) this.#worker.unref();
    pending.done(error, valid);
  }

  /** Be woken when the thread completes a slot, unless a wake-up is already armed or nothing is in flight. */
  #awaitCompletion(): void {
    if (this.#waiting || !this.#alive || this.#collected === this.#submitted) return;
    const wait = waitAsync(this.#control, COMPLETED, this.#collected);
    this.#waiting = true;
    // Already completed: collected in a microtask all the same, so a callback never runs inside `submit`.
    void (wait.async ? wait.value : Promise.resolve()).then(() => {
      this.#waiting = false;
      this.collect();
      this.#awaitCompletion();
    });
  }

  /** The thread is gone: verify what it held here, and take no more. */
  #die(): void {
    if (!this.#alive) return;
    this.#alive = false;
    this.#onDeath();
    this.collect();
    while (this.#collected !== this.#submitted) this.#settle(STOPPED);
    this.#keyPort.close();
  }

  /** Hold the thread before its next slot, or let it go on (tests). */
  pause(paused: boolean): void {
    Atomics.store(this.#control, PAUSED, paused ? 1 : 0);
    if (!paused) Atomics.notify(this.#control, PAUSED);
  }

  /** Stop the thread (tests); what it held is verified here. */
  async terminate(): Promise<void> {
    await this.#worker.terminate();
    this.#die();
  }
}

/**
 * The process's verifier threads: as many as the cores less one (this thread verifies too), at most
 * four, started on first use. None on a single core, or when a thread cannot start: callers then use
 * libuv's thread pool.
 */
class VerifierThreads {
  #threads: VerifierThread[] | undefined;
  #unavailable = false;
  #nextKeyId = 1;
  /** Per key and algorithm, the id the threads know its `SignatureVerification` by (every thread has every key). */
  #keyIds = new WeakMap<KeyObject, Map<SignatureAlgorithm, number>>();
  readonly #forgotten = new FinalizationRegistry<number>((id) => {
    for (const thread of this.#threads ?? []) if (thread.alive) thread.sendKey({ forget: id });
  });
  /** Signatures handed to these threads, and those of them verified on the calling thread for want of an answer (tests). */
  handed = 0;
  unanswered = 0;

  /** False when no thread can be used (a single core, or every thread failed). */
  get available(): boolean {
    return !this.#unavailable;
  }

  /**
   * Verify on a verifier thread with room; `done` is called later, never before this returns. False:
   * not taken (every thread has `QUEUE_LIMIT` waiting, the input does not fit a slot, or there are no threads).
   */
  verify(alg: SignatureAlgorithm, key: KeyObject, data: string, signature: Uint8Array, done: VerifiedCallback): boolean {
    const threads = this.#threads ?? this.#start();
    let best: VerifierThread | undefined;
    for (const thread of threads) {
      if (!thread.alive) continue;
      thread.collect();
      if (thread.outstanding < QUEUE_LIMIT && (best === undefined || thread.outstanding < best.outstanding)) best = thread;
    }
    if (best === undefined) return false;
    const taken = best.submit(this.#keyId(alg, key), alg, key, data, signature, done);
    if (taken) this.handed++;
    return taken;
  }

  #keyId(alg: SignatureAlgorithm, key: KeyObject): number {
    let ids = this.#keyIds.get(key);
    if (ids === undefined) this.#keyIds.set(key, (ids = new Map()));
    let id = ids.get(alg);
    if (id === undefined) {
      id = this.#nextKeyId++;
      ids.set(alg, id);
      const message = { id, verification: alg.verification(key) };
      for (const thread of this.#threads!) if (thread.alive) thread.sendKey(message);
      this.#forgotten.register(key, id);
    }
    return id;
  }

  #start(): VerifierThread[] {
    const os = process.getBuiltinModule("node:os");
    const count = Math.min(4, os.availableParallelism() - 1);
    const threads: VerifierThread[] = [];
    try {
      const workerThreads = process.getBuiltinModule("node:worker_threads");
      for (let i = 0; i < count; i++) threads.push(new VerifierThread(workerThreads, () => this.#threadDied(), () => this.unanswered++));
    } catch {
      // A thread that cannot start (resource limits): the ones that did serve.
    }
    if (threads.length === 0) this.#unavailable = true;
    return (this.#threads = threads);
  }

  #threadDied(): void {
    if (this.#threads?.every((t) => !t.alive)) this.#unavailable = true;
  }

  /** How many threads are running (started if need be). */
  threadCount(): number {
    return (this.#threads ?? this.#start()).filter((t) => t.alive).length;
  }

  /** Hold every thread before its next slot (started if need be), or let them go on (tests). */
  pause(paused: boolean): void {
    for (const thread of this.#threads ?? this.#start()) thread.pause(paused);
  }

  /** Stop every thread (tests): what they held is verified on this thread; later calls start new ones. */
  async terminate(): Promise<void> {
    const threads = this.#threads ?? [];
    this.#threads = undefined;
    this.#keyIds = new WeakMap();
    await Promise.all(threads.map((t) => t.terminate()));
    this.#unavailable = false;
  }
}

/** The process's verifier threads (internal to the library). */
export const verifierThreads = new VerifierThreads();
