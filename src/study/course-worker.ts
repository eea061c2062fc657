// Worker thread body of the parallel study: receives the panel once, then
// course tasks, and posts back each task's plain result. Started through
// course-worker-entry.js, which registers tsx first.
import { parentPort } from 'node:worker_threads';
import type { Panel } from '../data/panel';
import { runCourseTask, type CourseTask } from './course-work';

if (parentPort) {
  const port = parentPort;
  let panel: Panel | null = null;
  port.on('message', (msg: { panel: Panel } | { id: number; task: CourseTask }) => {
    if ('panel' in msg) {
      panel = msg.panel;
      return;
    }
    try {
      if (panel === null) throw new Error('course worker: no panel received');
      port.postMessage({ id: msg.id, ok: true, result: runCourseTask(panel, msg.task) });
    } catch (e) {
      port.postMessage({ id: msg.id, ok: false, name: e instanceof Error ? e.name : 'Error', message: e instanceof Error ? e.message : String(e) });
    }
  });
}
