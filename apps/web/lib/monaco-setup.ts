/**
 * Monaco from the local package (never a CDN), with the SDK's sources registered so plugin code
 * gets completion, TSDoc on hover and type errors. Browser-only: import it from client code.
 */
import { loader } from '@monaco-editor/react';
import type * as Monaco from 'monaco-editor';
import { SDK_SOURCES } from './sdk-types.generated.ts';

export type MonacoModule = typeof Monaco;

/** Where the SDK lives in Monaco's virtual file system: `import … from '@bambam/sdk'` resolves here. */
export const SDK_ROOT = 'file:///node_modules/@bambam/sdk';

let ready: Promise<MonacoModule> | undefined;

/** Loads Monaco once, configures workers, the TypeScript service and the SDK's types. */
export function setupMonaco(): Promise<MonacoModule> {
  ready ??= (async () => {
    (self as unknown as { MonacoEnvironment: Monaco.Environment }).MonacoEnvironment = {
      getWorker(_id: string, label: string) {
        if (label === 'typescript' || label === 'javascript') {
          return new Worker(new URL('monaco-editor/language/typescript/ts.worker.js', import.meta.url), {
            type: 'module',
          });
        }
        return new Worker(new URL('monaco-editor/editor/editor.worker.js', import.meta.url), {
          type: 'module',
        });
      },
    };
    const monaco = await import('monaco-editor');
    loader.config({ monaco });
    configureTypeScript(monaco);
    return monaco;
  })();
  return ready;
}

function configureTypeScript(monaco: MonacoModule): void {
  const ts = monaco.typescript;
  const defaults = ts.typescriptDefaults;
  defaults.setCompilerOptions({
    target: ts.ScriptTarget.ES2020,
    module: ts.ModuleKind.ESNext,
    // 100 = Bundler: resolves package.json "types" and allows `.ts` import specifiers.
    moduleResolution: 100 as Monaco.typescript.ModuleResolutionKind,
    allowImportingTsExtensions: true,
    noEmit: true,
    strict: true,
    // Plugins run in a sandbox without DOM or Node: only the language's own library.
    lib: ['es2023'],
    allowNonTsExtensions: true,
    isolatedModules: true,
    skipLibCheck: true,
  });
  defaults.setDiagnosticsOptions({ noSemanticValidation: false, noSyntaxValidation: false });
  defaults.setEagerModelSync(true);
  defaults.addExtraLib(
    JSON.stringify({ name: '@bambam/sdk', version: '0.1.0', types: './src/index.ts' }),
    `${SDK_ROOT}/package.json`,
  );
  for (const { file, content } of SDK_SOURCES) defaults.addExtraLib(content, `${SDK_ROOT}/src/${file}`);
}
