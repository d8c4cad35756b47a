/**
 * Stack traces in the original source, paid for only when one is read. Node's
 * `--enable-source-maps` reads and parses a bundle's whole map (1.5–2.7 MB of JSON) at every cold
 * start, about 40 ms; here the map is read the first time an error's `stack` is formatted (a
 * logged error, one the runtime reports), and every frame of the bundle is then given its
 * TypeScript file, line and column through Node's own `SourceMap`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { SourceMap, type SourceMapPayload } from 'node:module';
import { fileURLToPath } from 'node:url';

/** Where a source path of the map starts to mean something to the reader: the project's own folders, or a package. */
const PROJECT_PATH = /(?:^|\/)((?:functions|shared|infra|node_modules)\/.*)$/;

/** A position of the bundle in the original source. */
interface Origin {
  file: string;
  line: number;
  column: number;
  name: string | undefined;
}

/**
 * Formats the stacks of errors with frames in `bundle` (the path or file URL of the running bundle,
 * whose map is `<bundle>.map`) in the original source from now on. Without a map beside the bundle
 * (TypeScript run as it is, in tests and local mode) nothing changes; whether it is there costs one
 * `stat`, its content is read when a stack is first formatted.
 */
export function installSourceMappedStacks(bundle: string): boolean {
  const bundleFile = fileNameOf(bundle);
  if (!existsSync(`${bundleFile}.map`)) return false;
  let map: SourceMap | null | undefined;
  const sourceMap = (): SourceMap | null => {
    if (map === undefined) {
      try {
        map = new SourceMap(JSON.parse(readFileSync(`${bundleFile}.map`, 'utf8')) as SourceMapPayload);
      } catch {
        map = null;
      }
    }
    return map;
  };
  const originOf = (site: NodeJS.CallSite): Origin | undefined => {
    const file = site.getFileName();
    if (!file || fileNameOf(file) !== bundleFile) return undefined;
    try {
      const found = sourceMap()?.findOrigin(site.getLineNumber() ?? 0, site.getColumnNumber() ?? 0);
      if (!found || !('fileName' in found)) return undefined;
      return { file: displayPath(found.fileName), line: found.lineNumber, column: found.columnNumber, name: found.name };
    } catch {
      return undefined; // a position the map cannot place keeps V8's frame
    }
  };

  Error.prepareStackTrace = (error: Error, sites: NodeJS.CallSite[]): string => {
    const origins = sites.map(originOf);
    const frames = sites.map((site, index) => {
      const origin = origins[index];
      if (!origin) return `\n    at ${site.toString()}`;
      // The name at the place the next frame called from is this frame's function (the map's names
      // belong to call sites). Where it has none (an awaited call) the frame gives only its place:
      // a minified function name means nothing.
      const name = origins[index + 1]?.name;
      const where = `${origin.file}:${origin.line}:${origin.column}`;
      return `\n    at ${site.isAsync() ? 'async ' : ''}${name ? `${name} (${where})` : where}`;
    });
    return `${headerOf(error)}${frames.join('')}`;
  };
  return true;
}

function fileNameOf(file: string): string {
  return file.startsWith('file:') ? fileURLToPath(file) : file;
}

/** A map source path (relative to where the bundle was built) from the project's own folders or a package on. */
function displayPath(source: string): string {
  const path = source.startsWith('file:') ? fileURLToPath(source) : source;
  return PROJECT_PATH.exec(path)?.[1] ?? path;
}

/** The first line V8 gives a stack: `Name: message`. */
function headerOf(error: unknown): string {
  try {
    return Error.prototype.toString.call(error);
  } catch {
    return '<error>';
  }
}
