// Worker thread body: receives tasks, runs them, posts back plain records.
// Started through simulation-worker-entry.js, which registers tsx first so
// that this TypeScript module (and the study pipeline it imports) loads.
import { parentPort } from 'node:worker_threads';
import { runSimulationTask, type SimulationTask } from './simulation-task';

if (parentPort) {
  const port = parentPort;
  port.on('message', (msg: { id: number; task: SimulationTask }) => {
    runSimulationTask(msg.task).then(
      (record) => port.postMessage({ id: msg.id, ok: true, record }),
      (e: unknown) => port.postMessage({ id: msg.id, ok: false, message: e instanceof Error ? e.message : String(e) }),
    );
  });
}
