// The panel as an arquero table, apart from panel.ts so that the modules the study's worker threads
// load (which import panel.ts) do not load arquero.
import { table as arqueroTable, type ColumnTable } from 'arquero';
import { COMPLETED_BEFORE_DATA, type Panel } from './panel';

/**
 * The panel as an arquero table for people (one row per employee-month):
 * employee_id, period, role, region, level, tenure (months since hire), the
 * metrics, the context factors and, per course, `trained_<course>` (1 from the
 * month of the first completion on).
 *
 * @example
 * panelTable(panel).groupby('period').rollup({ revenue: op.mean('revenue') });
 */
export function panelTable(panel: Panel): ColumnTable {
  const n = panel.nRows;
  const employee: string[] = new Array(n);
  const period: string[] = new Array(n);
  const role: (string | null)[] = new Array(n);
  const region: (string | null)[] = new Array(n);
  const level = new Float64Array(n);
  const tenure = new Int32Array(n);
  for (let j = 0; j < n; j++) {
    const e = panel.rowEmployee[j];
    employee[j] = panel.employees[e];
    period[j] = panel.periods[panel.rowPeriod[j]];
    role[j] = panel.role[e] < 0 ? null : panel.roleLevels[panel.role[e]];
    region[j] = panel.region[e] < 0 ? null : panel.regionLevels[panel.region[e]];
    level[j] = panel.level[e];
    tenure[j] = panel.rowPeriod[j] - panel.hirePeriod[e];
  }
  const columns: Record<string, unknown> = { employee_id: employee, period, role, region, level, tenure };
  for (const m of panel.metricNames) columns[m] = panel.metrics[m];
  for (const c of panel.contextNames) columns[c] = panel.context[c];
  panel.courses.forEach((c, k) => {
    const trained = new Int32Array(n);
    const fc = panel.firstCompletion[k];
    for (let j = 0; j < n; j++) {
      const g = fc[panel.rowEmployee[j]];
      trained[j] = g === COMPLETED_BEFORE_DATA || (g >= 0 && panel.rowPeriod[j] >= g) ? 1 : 0;
    }
    columns[`trained_${c}`] = trained;
  });
  return arqueroTable(columns as Record<string, unknown[]>);
}
