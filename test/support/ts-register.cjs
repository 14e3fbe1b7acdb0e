// Preload (`node -r`) that runs this repository's TypeScript without a build, as ts-jest does:
// for child processes the tests fork (the soak's bot process).
const fs = require('node:fs');
const ts = require('typescript');
require.extensions['.ts'] = (m, file) => {
  const out = ts.transpileModule(fs.readFileSync(file, 'utf8'), {
    fileName: file,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
  });
  m._compile(out.outputText, file);
};
