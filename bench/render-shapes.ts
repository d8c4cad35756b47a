// Benchmark section of bench/render.ts: how long one YAML file of each shape (just under the 4 MiB
// file cap) takes to parse. Each shape runs in a process of its own, so the first parse is timed
// as a cold Lambda pays it (nothing compiled yet), then warm parses of the same text follow.
// Prints a table and one JSON line per shape. Run alone: `npm run bench:render -- --shapes`.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { parseYamlDocuments } from '#shared/render/load.ts';
import { LARGE_SHAPES } from '#test/unit/render/large-shapes.ts';

const WARM_RUNS = 4;
const TIMEOUT_MS = Number(process.env.TIDELINE_BENCH_SHAPE_TIMEOUT_MS ?? '120000');
const execFileAsync = promisify(execFile);

interface ShapeTiming {
  shape: string;
  bytes: number;
  documents: number;
  coldMs: number;
  coldCpuMs: number;
  warmMs: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Parses one shape in this process: the cold parse, then warm ones. */
function timeShape(name: string): ShapeTiming {
  const shape = LARGE_SHAPES.find((candidate) => candidate.name === name);
  if (shape === undefined) throw new Error(`no shape "${name}"`);
  const text = shape.text();
  const cpu = process.cpuUsage();
  const started = performance.now();
  const docs = parseYamlDocuments(text, 'shape.yaml', 10_000);
  const coldMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  const warm: number[] = [];
  for (let run = 0; run < WARM_RUNS; run++) {
    const start = performance.now();
    parseYamlDocuments(text, 'shape.yaml', 10_000);
    warm.push(performance.now() - start);
  }
  return { shape: name, bytes: Buffer.byteLength(text), documents: docs.length, coldMs, coldCpuMs: (used.user + used.system) / 1000, warmMs: median(warm) };
}

/** Times every shape, each in a child process of its own; prints a table and JSON lines. */
export async function benchLargeShapes(): Promise<void> {
  const rows: string[] = [];
  for (const shape of LARGE_SHAPES) {
    let timing: ShapeTiming;
    try {
      const { stdout } = await execFileAsync(process.execPath, [import.meta.filename, '--child', shape.name], { encoding: 'utf8', timeout: TIMEOUT_MS });
      timing = JSON.parse(stdout) as ShapeTiming;
    } catch (error) {
      if ((error as { killed?: boolean }).killed !== true) throw error;
      const row = `${shape.name.padEnd(24)} not parsed within ${TIMEOUT_MS / 1000} s`;
      rows.push(row);
      process.stdout.write(`${row}\n${JSON.stringify({ bench: 'render-shapes', shape: shape.name, timeoutMs: TIMEOUT_MS })}\n`);
      continue;
    }
    const row = `${timing.shape.padEnd(24)} ${(timing.bytes / 1024 / 1024).toFixed(2)} MiB ${String(timing.documents).padStart(6)} docs | cold ${timing.coldMs.toFixed(0).padStart(5)} ms (${timing.coldCpuMs.toFixed(0).padStart(5)} ms CPU) | warm ${timing.warmMs.toFixed(0).padStart(5)} ms`;
    rows.push(row);
    process.stdout.write(`${row}\n`);
    process.stdout.write(
      `${JSON.stringify({ bench: 'render-shapes', ...timing, coldMs: Number(timing.coldMs.toFixed(1)), coldCpuMs: Number(timing.coldCpuMs.toFixed(1)), warmMs: Number(timing.warmMs.toFixed(1)) })}\n`,
    );
  }
  process.stdout.write(`\nparse of one file per shape (cold: first parse in a fresh process; warm: median of ${WARM_RUNS} more)\n${rows.join('\n')}\n`);
}

if (process.argv[2] === '--child') process.stdout.write(JSON.stringify(timeShape(process.argv[3] ?? '')));
