/** The run commands (curate, verify, demo, report): options, help and a lazy import of each implementation. */
import { type Command, Option } from '@commander-js/extra-typings';
import { backendOption, setOption, workersOption } from '../options.js';

export function declareRunCommands(program: Command): void {
  curate(program);
  verify(program);
  demo(program);
  report(program);
}

/** `moe curate` */
function curate(program: Command): void {
  program
    .command('curate')
    .description('run the curation pipeline of a config into a run folder, with manifest.json and report.json')
    .requiredOption('--config <file>', 'YAML config (see configs/)')
    .option('--out <dir>', 'run folder (default: runs/<config name>)')
    .addOption(workersOption())
    .addOption(setOption())
    .option('--strict', 'stop at the first input file that cannot be read (exit 1, naming it)')
    .addOption(
      new Option('--until <stage>', 'stop after this stage (no manifest until a run goes through tokenize)').choices([
        'ingest',
        'filter',
        'dedup',
        'tokenize',
      ]),
    )
    .addOption(
      new Option('--from <stage>', 'run this stage and the ones after it even when they are up to date').choices([
        'ingest',
        'filter',
        'dedup',
        'tokenize',
      ]),
    )
    .option(
      '--plan',
      'say which stages would run and why (no output yet, inputs or settings changed, --from), and write nothing',
    )
    .option('--json', 'print a machine-readable summary on stdout')
    .option('--quiet', 'no progress lines')
    .addHelpText(
      'after',
      '\nExamples:\n  moe curate --config configs/demo.yaml --out runs/demo\n  moe curate --config configs/demo.yaml --out runs/demo --until filter\n  moe curate --config configs/demo.yaml --out runs/demo --from dedup\n  moe curate --config configs/demo.yaml --out runs/demo --plan --set filter.web.params.c4.minSentences=3\n',
    )
    .action(async (opts) => {
      const { curateCommand } = await import('../commands/curate.js');
      process.exitCode = await curateCommand(opts);
    });
}

/** `moe verify` */
function verify(program: Command): void {
  program
    .command('verify')
    .description('re-hash the files of a curated run (or stage folder) against its manifest')
    .argument('<dir>', 'run folder holding manifest.json, or a stage folder holding report.json')
    .option(
      '--against <manifest>',
      'also require the same output files, byte for byte (by sha256), as this manifest (a committed one, to reproduce a dataset)',
    )
    .option('--json', 'print a machine-readable summary on stdout')
    .addHelpText(
      'after',
      '\nExamples:\n  moe verify runs/demo\n  moe curate --config configs/reproduce.yaml --out runs/reproduce && moe verify runs/reproduce --against configs/reproduce.manifest.json\n',
    )
    .action(async (dir: string, opts) => {
      const { verifyCommand } = await import('../commands/verify.js');
      process.exitCode = await verifyCommand(dir, opts);
    });
}

/** `moe demo` */
function demo(program: Command): void {
  program
    .command('demo')
    .description(
      'the whole pipeline on the bundled inputs: curate configs/demo.yaml, train the demo MoE on it, print a sample, write the report',
    )
    .option('--out <dir>', 'run folder (the filter models go beside it, in <dir>-models)', 'runs/demo')
    .addOption(workersOption())
    .addOption(backendOption())
    .addHelpText('after', '\nExample:\n  moe demo\n')
    .action(async (opts) => {
      const { demoCommand } = await import('../commands/demo.js');
      process.exitCode = await demoCommand(opts);
    });
}

/** `moe report` */
function report(program: Command): void {
  program
    .command('report')
    .description('write one self-contained HTML page of charts for curation and/or training runs (opens offline)')
    .argument('<run...>', 'run folders: the --out of moe curate and/or of moe train')
    .option('--out <file>', 'the HTML file to write (default: report.html in the first run folder)')
    .option('--json', 'print a machine-readable summary on stdout')
    .addHelpText(
      'after',
      '\nExamples:\n  moe report runs/demo\n  moe report runs/demo runs/demo/train --out runs/demo/report.html\n',
    )
    .action(async (runs: string[], opts) => {
      const { reportCommand } = await import('../commands/report.js');
      process.exitCode = await reportCommand(runs, opts);
    });
}
