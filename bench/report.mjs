// What the Node benchmarks share with the C++ ones (bench/Report.h): the store their hub uses, and the
// machine-readable RESULT lines bench/run gathers into one table.
//
// CLINHUB_BENCH_STORE holds a store URL (postgresql://USER@HOST:PORT/DBNAME, or sqlite:FILE); unset, the
// hub gets `sqlite:hub.db` in its temp folder, as before. bench/run hands every run an empty database.

export const NONE = '—';

// The store URL for writeHubFiles, or undefined for its SQLite default.
export const benchStore = () => process.env.CLINHUB_BENCH_STORE || undefined;
export const storeName = () => (/^postgres(ql)?:\/\//.test(benchStore() ?? '') ? 'PostgreSQL' : 'SQLite');

export const ratio = (r) => `${r.toFixed(2)}x`;
export const verdict = (met) => (met ? 'met' : 'NOT met');

// One line per figure, fields separated by tabs: RESULT name figure baseline ratio target verdict.
export function result(name, figure, baseline = NONE, r = NONE, target = NONE, v = NONE) {
  console.log(['RESULT', name, figure, baseline, r, target, v].join('\t'));
}
