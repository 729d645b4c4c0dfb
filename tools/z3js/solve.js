// Second solver for the certificate checker (issue 21, docs/trust.md): reads
// an SMT-LIB2 script on standard input, evaluates it with the Z3 of the npm
// package z3-solver (WebAssembly; a different build and release of Z3 than
// the system libz3 the prover and the checker's first re-run use), and prints
// "version <full version>" then the solver's output (one "sat" / "unsat" /
// "unknown" per check-sat) on standard output. `node solve.js --version`
// prints the version only. Time limits are the caller's (it kills the process).
'use strict';
const { init } = require('z3-solver');

async function main() {
  const { Z3 } = await init();
  const version = Z3.get_full_version();
  if (process.argv.includes('--version')) {
    process.stdout.write('version ' + version + '\n');
    process.exit(0);
  }
  let text = '';
  for await (const chunk of process.stdin) text += chunk;
  const cfg = Z3.mk_config();
  const ctx = Z3.mk_context(cfg);
  Z3.del_config(cfg);
  const out = await Z3.eval_smtlib2_string(ctx, text);
  process.stdout.write('version ' + version + '\n' + out + (out.endsWith('\n') ? '' : '\n'));
  process.exit(0);
}

main().catch((e) => {
  process.stdout.write('error ' + String(e && e.message ? e.message : e).replace(/\n/g, ' ') + '\n');
  process.exit(3);
});
