import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Estimate } from '../core/estimate';
import { DataError, EstimationError } from '../core/errors';
import type { CourseRobustness } from '../core/study-result';
import { workerEntry } from '../core/worker-entry';
import { NEVER_COMPLETED, type Panel } from '../data/panel';
import { mergeCourseParts, splitMethods, type CourseTask, type CourseTaskResult, type StackedShape } from './course-work';
import type { CourseEstimation, CourseEstimationOptions } from './estimate-course';

/** A course's estimation and, when it was asked for, its robustness step. */
export interface CourseOutcome {
  ce: CourseEstimation;
  robustness: CourseRobustness | null;
}

/**
 * Whether a study of this panel is worth two worker threads: more than one
 * course, a large panel (starting the threads and handing them the panel
 * costs about a second) and a second core.
 */
export function parallelWorth(panel: Panel, courses: number): boolean {
  return courses > 1 && panel.nRows >= PARALLEL_MIN_ROWS && availableParallelism() > 1;
}

/** Whether worker threads can run here (not under the notebook kernel, whose build has no tsx loader). */
export function workersAvailable(): boolean {
  return courseWorkerEntry() !== null;
}

/** Employee-months from which {@link parallelWorth} says yes. */
export const PARALLEL_MIN_ROWS = 300_000;

// Workers started ahead by warmCourseWorkers, not yet taken by coursesInWorkers.
let warm: Worker[] = [];
let warmTimer: ReturnType<typeof setTimeout> | null = null;
// Warm workers not taken within this time are stopped.
const WARM_IDLE_MS = 120_000;

/**
 * Starts the two course worker threads now, ahead of {@link coursesInWorkers},
 * so that their start-up (loading the estimation modules, most of a second
 * each) overlaps the single-threaded work before it: validating, cleaning and
 * building a large panel. The next `coursesInWorkers` takes them. They never
 * keep the process alive, and are stopped if not taken within two minutes.
 * Does nothing where workers cannot run, on one core, or when they are
 * already started.
 *
 * @example
 * warmCourseWorkers(); // then prepare the panel; runStudy's coursesInWorkers takes the two threads
 */
export function warmCourseWorkers(): void {
  const entry = courseWorkerEntry();
  if (entry === null || availableParallelism() < 2 || warm.length > 0) return;
  for (let w = 0; w < 2; w++) {
    const worker = new Worker(entry);
    worker.unref();
    // A warm thread that fails or stops before it is taken is dropped; coursesInWorkers starts another.
    const drop = () => {
      warm = warm.filter((x) => x !== worker);
    };
    worker.once('error', drop);
    worker.once('exit', drop);
    warm.push(worker);
  }
  warmTimer = setTimeout(() => {
    const idle = warm;
    warm = [];
    for (const worker of idle) void worker.terminate();
  }, WARM_IDLE_MS);
  warmTimer.unref();
}

/** How many warm workers wait to be taken by the next {@link coursesInWorkers} (0 to 2). */
export function warmWorkersWaiting(): number {
  return warm.length;
}

// A warm worker if one is there (taken out of the pool, kept alive again), else a new one.
function takeWorker(entry: string): Worker {
  const worker = warm.shift();
  if (warm.length === 0 && warmTimer !== null) {
    clearTimeout(warmTimer);
    warmTimer = null;
  }
  if (worker === undefined) return new Worker(entry);
  worker.removeAllListeners('error');
  worker.removeAllListeners('exit');
  worker.ref();
  return worker;
}

function courseWorkerEntry(): string | null {
  return workerEntry('parallel-courses.ts', 'src/study', 'course-worker-entry.js');
}

// Typed arrays on shared memory, so that the workers read the one panel instead of a copy each.
function shareArrays<T>(value: T): T {
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    const src = value as unknown as Float64Array;
    const Ctor = src.constructor as { new (b: SharedArrayBuffer): Float64Array };
    const out = new Ctor(new SharedArrayBuffer(src.byteLength));
    out.set(src);
    return out as unknown as T;
  }
  if (Array.isArray(value)) return value.map((v) => shareArrays(v)) as unknown as T;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = shareArrays(v);
    return out as T;
  }
  return value;
}

// Course indices by the rows their stacked data will have, roughly (each cohort's trained and the
// employees not trained by the end of its window; hires and leavers ignored), most first; ties in
// course order.
function bySizeDown(panel: Panel, courses: string[], windowEnd: number): number[] {
  const T = panel.periods.length;
  const size = courses.map((c) => {
    const fc = panel.firstCompletion[panel.courses.indexOf(c)];
    const trained = new Float64Array(T);
    let never = 0;
    for (let e = 0; e < fc.length; e++) {
      if (fc[e] >= 0) trained[fc[e]]++;
      else if (fc[e] === NEVER_COMPLETED) never++;
    }
    let rows = 0;
    for (let g = 0; g < T; g++) {
      if (trained[g] === 0) continue;
      let later = 0;
      for (let t = g + windowEnd + 1; t < T; t++) later += trained[t];
      rows += trained[g] + never + later;
    }
    return rows;
  });
  return courses.map((c, k) => k).sort((a, b) => size[b] - size[a] || a - b);
}

function rebuildError(msg: { name: string; message: string }): Error {
  if (msg.name === 'DataError') return new DataError(msg.message);
  if (msg.name === 'EstimationError') return new EstimationError(msg.message);
  if (msg.name === 'RangeError') return new RangeError(msg.message);
  if (msg.name === 'TypeError') return new TypeError(msg.message);
  return new Error(msg.message);
}

/**
 * Each course's `estimateCourse` and robustness step over two worker
 * threads, as the study would run them one after the other in this thread,
 * with the same numbers: every part is deterministic and runs on the same
 * panel. One thread takes the cross-sectional parts, the other the panel
 * parts, both largest course first, and each helps with the other's queue
 * from its smallest course once its own is empty. With `speculate`, a cross
 * part runs its course's robustness step at once on the stacked data it
 * has built (see runCourseTask), kept once both parts are in if
 * `wantsRobustness` says yes; a course whose step was not run that way
 * gets it as a task of its own. Resolves to one entry per course, in
 * course order.
 *
 * @example
 * const outcomes = await coursesInWorkers(panel, ['C01', 'C02'], 'revenue', { window: [1, 12] }, () => true, 1);
 */
export async function coursesInWorkers(
  panel: Panel,
  courses: string[],
  metric: string,
  opts: CourseEstimationOptions,
  wantsRobustness: (ce: CourseEstimation) => boolean,
  seed: number,
  onCourse?: (course: string) => void,
  speculate = true,
): Promise<CourseOutcome[]> {
  const entry = courseWorkerEntry();
  if (entry === null) throw new Error('coursesInWorkers: the course worker entry file is not there');
  const methods = splitMethods(opts.methods);
  // Largest courses first (by their stacked rows, roughly), so that the lanes end on small
  // parts and the large robustness steps are ready early enough to be shared out.
  const crossQueue = bySizeDown(panel, courses, (opts.window ?? [1, 12])[1]);
  const panelQueue = crossQueue.slice();
  const robustQueue: number[] = [];
  const crossDone: (CourseTaskResult & { kind: 'cross' | 'panel' })[] = [];
  const panelDone: (CourseTaskResult & { kind: 'cross' | 'panel' })[] = [];
  const outcomes: (CourseOutcome | undefined)[] = new Array(courses.length);
  const shared = shareArrays(panel);
  const workers: Worker[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      let failed = false;
      let finished = 0;
      const busy = [false, false];
      const taskOf = new Map<number, { kind: CourseTask['kind']; k: number }>();
      let nextId = 0;
      const send = (w: number, task: CourseTask, k: number) => {
        const id = nextId++;
        taskOf.set(id, { kind: task.kind, k });
        busy[w] = true;
        workers[w].postMessage({ id, task });
      };
      const cross = (k: number): CourseTask => ({
        kind: 'cross',
        course: courses[k],
        metric,
        opts: { ...opts, methods: methods.cross },
        ...(speculate ? { robustness: { seed } } : {}),
      });
      const panelPart = (k: number): CourseTask => ({ kind: 'panel', course: courses[k], metric, opts: { ...opts, methods: methods.panel } });
      const feed = () => {
        // Worker 0 takes the cross parts, worker 1 the panel parts, largest first; then robustness steps; then each
        // helps with the other's queue from its smallest course.
        for (let w = 0; w < 2 && !failed; w++) {
          if (busy[w]) continue;
          if (w === 0 && crossQueue.length > 0) {
            const k = crossQueue.shift() as number;
            onCourse?.(courses[k]);
            send(0, cross(k), k);
          } else if (w === 1 && panelQueue.length > 0) {
            const k = panelQueue.shift() as number;
            send(1, panelPart(k), k);
          } else if (robustQueue.length > 0) {
            const k = robustQueue.shift() as number;
            const part = crossDone[k];
            const st = part.stacked as StackedShape;
            const estimates: Estimate[] = (outcomes[k] as CourseOutcome).ce.estimates;
            send(w, { kind: 'robustness', course: courses[k], metric, estimates, window: st.window, baseline: st.baseline, controls: st.controls, seed }, k);
          } else if (w === 0 && panelQueue.length > 0) {
            const k = panelQueue.pop() as number;
            send(0, panelPart(k), k);
          } else if (w === 1 && crossQueue.length > 0) {
            const k = crossQueue.pop() as number;
            onCourse?.(courses[k]);
            send(1, cross(k), k);
          }
        }
      };
      const complete = () => {
        finished++;
        if (finished === courses.length) resolve();
      };
      const partIn = (k: number) => {
        const c = crossDone[k];
        const p = panelDone[k];
        if (!c || !p) return;
        const ce = mergeCourseParts(c.ce, p.ce);
        const wanted = c.stacked !== null && wantsRobustness(ce);
        // A step run ahead is kept only when the verdict wants one (as the study would have run it then).
        outcomes[k] = { ce, robustness: wanted && c.robustness !== undefined ? c.robustness : null };
        if (wanted && c.robustness === undefined) robustQueue.push(k);
        else complete();
      };
      const onMessage = (w: number, msg: { id: number; ok: boolean; result?: CourseTaskResult; name?: string; message?: string }) => {
        busy[w] = false;
        const t = taskOf.get(msg.id) as { kind: CourseTask['kind']; k: number };
        taskOf.delete(msg.id);
        if (!msg.ok || !msg.result) {
          failed = true;
          reject(rebuildError({ name: msg.name ?? 'Error', message: msg.message ?? 'unknown error' }));
          return;
        }
        const r = msg.result;
        if (r.kind === 'robustness') {
          (outcomes[t.k] as CourseOutcome).robustness = r.robustness;
          complete();
        } else {
          (r.kind === 'cross' ? crossDone : panelDone)[t.k] = r;
          partIn(t.k);
        }
        feed();
      };
      for (let w = 0; w < 2; w++) {
        const worker = takeWorker(entry);
        workers.push(worker);
        worker.postMessage({ panel: shared });
        worker.on('message', (msg) => onMessage(w, msg));
        const fail = (e: Error) => {
          if (!failed) {
            failed = true;
            reject(e);
          }
        };
        worker.on('error', (e) => fail(e instanceof Error ? e : new Error(String(e))));
        // A thread that stops before the work is done (out of memory, say) would otherwise leave the study waiting.
        worker.on('exit', (code) => {
          if (finished < courses.length) fail(new Error(`coursesInWorkers: a worker thread stopped (exit code ${code}) before the courses were done`));
        });
      }
      feed();
    });
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return outcomes as CourseOutcome[];
}
