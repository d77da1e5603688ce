import fs from 'node:fs';
import * as blessed from './widgets.js';
import { openContext, type ServiceContext } from '../services/context.js';
import { EXIT_CODES, toOtterError } from '../services/errors.js';
import { defaultDataDir } from '../services/paths.js';
import { terminalSetup } from './terminal.js';
import { makeTheme } from './theme.js';
import { DashboardModel } from './model/dashboard.js';
import { DashboardView } from './views/dashboard-view.js';
import { DialogHost } from './views/dialogs.js';
import { KEYMAP, type Action } from './keys.js';
import { Controller } from './controller.js';
import { bindMouse } from './mouse.js';
import { installAsciiFallbacks } from './ascii.js';

function dataDirFrom(args: string[]): string | undefined {
  const i = args.indexOf('--data-dir');
  if (i >= 0) return args[i + 1];
  return args.find((a) => a.startsWith('--data-dir='))?.slice('--data-dir='.length);
}

/** Entry point of the full-screen TUI; resolves with the exit code once the operator quits. */
export async function runTui(args: string[]): Promise<number> {
  let ctx: ServiceContext;
  try {
    ctx = await openContext({ dataDir: dataDirFrom(args) ?? defaultDataDir() });
  } catch (err) {
    const e = toOtterError(err);
    process.stderr.write(`otterstack: ${e.message}\n`);
    return EXIT_CODES[e.kind];
  }
  // Paint what the state file knows first; the engine (`docker ps`, history, logs) is asked only
  // after that paint, so it never delays it (npm run bench: tui first full paint).
  const model = new DashboardModel(ctx);
  await model.loadRecorded();
  const setup = terminalSetup(process.env);
  const theme = makeTheme(setup);
  const screen = blessed.screen({
    smartCSR: true,
    fullUnicode: setup.forceUnicode,
    forceUnicode: setup.forceUnicode,
    terminal: setup.terminal,
    title: 'OtterStack',
    autoPadding: true,
    warnings: false,
  });
  // With a UTF-8 locale draw Unicode lines directly: some multiplexers and SSH clients mangle
  // the ACS (alternate character set) line drawing blessed would otherwise use, like ncurses.
  if (setup.forceUnicode) (screen as unknown as { tput: { brokenACS: boolean } }).tput.brokenACS = true;
  // Without UTF-8 (LANG=C), an ASCII stand-in for each glyph instead of `?`.
  else installAsciiFallbacks((screen as unknown as { tput: { utoa: Record<string, string> } }).tput);
  // Whatever happens, give the operator their terminal back.
  const restore = () => {
    try {
      screen.destroy();
    } catch {
      /* already gone */
    }
  };
  process.on('uncaughtException', (err) => {
    restore();
    process.stderr.write(`otterstack: crashed: ${err.stack ?? err.message}\n`);
    process.exit(1);
  });
  process.on('unhandledRejection', (err) => {
    restore();
    process.stderr.write(`otterstack: crashed: ${String(err)}\n`);
    process.exit(1);
  });

  const view = new DashboardView(screen, theme);
  const dialogs = new DialogHost(screen, theme);
  const controller = new Controller(model, view, dialogs);
  bindMouse(view, controller, dialogs);

  // For the TUI tests only (OTTERSTACK_TUI_DEBUG_FILE): keys read, dialogs open now and the fewest
  // ever open (a close that runs twice shows as a negative count), the selected project.
  const debugFile = process.env.OTTERSTACK_TUI_DEBUG_FILE;
  let keysRead = 0;
  let minOpen = 0;
  const writeDebug = () => {
    if (!debugFile) return;
    minOpen = Math.min(minOpen, dialogs.open);
    const state = { keys: keysRead, open: dialogs.open, busy: dialogs.busy, filter: model.filter, minOpen, selected: model.selected()?.project.name ?? null, focus: view.focus };
    fs.writeFileSync(`${debugFile}.tmp`, JSON.stringify(state));
    fs.renameSync(`${debugFile}.tmp`, debugFile);
  };
  if (debugFile) {
    dialogs.onChange = writeDebug;
    model.on('change', writeDebug);
    // After every handler of the key has run (setImmediate): the test waits for this count.
    screen.program.on('keypress', () => {
      keysRead++;
      setImmediate(writeDebug);
    });
    screen.program.on('mouse', () => setImmediate(writeDebug));
    writeDebug();
  }

  let scheduled = false;
  const render = () => {
    if (scheduled) return;
    scheduled = true;
    setTimeout(() => {
      scheduled = false;
      view.render(model);
    }, 50);
  };
  model.on('change', render);
  model.on('progress', render);
  model.on('logs', render);
  model.on('operation-error', (op) => dialogs.background(`${op.label} of ${op.project} failed: ${op.error}`));
  screen.on('resize', () => view.render(model));

  // Quitting while operations run takes as long as their undo: say so instead of a stale screen.
  const interrupting = () => {
    const running = model.runningOperations();
    if (running.length === 0) return;
    view.say(`interrupting ${running.map((o) => `${o.label} of ${o.project}`).join(', ')}; undoing, the previous release keeps serving…`);
    view.render(model);
  };

  return new Promise<number>((resolve) => {
    let asking = false;
    const quit = async () => {
      // Ctrl-C while "Quit?" is already asked: that dialog answers it.
      if (asking) return;
      asking = true;
      const confirmed = await controller.confirmQuit().finally(() => (asking = false));
      if (!confirmed) return;
      dialogs.stop();
      clearInterval(timer);
      interrupting();
      await model.shutdown();
      restore();
      await ctx.close();
      resolve(0);
    };
    controller.onQuit = () => void dialogs.session(quit);
    const byKey = new Map<string, Action>();
    for (const b of KEYMAP) for (const k of b.keys) byKey.set(k, b.action);
    // The dashboard's keys. blessed gives every key to the screen first, then to the focused
    // element: while dialogs hold the keyboard (one is open, or a flow of them runs) the screen
    // ignores the key and only the dialog on top sees it (views/dialogs.ts).
    screen.on('keypress', (_ch: string, key: { full: string }) => {
      if (!key) return;
      // Ctrl-C quits from anywhere, a dialog included (asking first while an operation runs).
      if (key.full === 'C-c') return void dialogs.session(quit);
      if (dialogs.busy) return;
      const action = byKey.get(key.full);
      if (!action) return;
      // q in the full-screen logs closes them (like less), handled by the controller; Ctrl-C always quits (above).
      if (action === 'quit' && !view.fullLogs) void dialogs.session(quit);
      else if (controller.asks(action)) void dialogs.session(() => controller.handle(action));
      // Moves and redraws open no dialog: keys repeated fast (j held down) all count, and the
      // dashboard keeps its keys while a refresh waits for the engine.
      else void controller.handle(action);
    });
    (screen as unknown as { ignoreLocked: string[] }).ignoreLocked = ['C-c'];
    for (const sig of ['SIGTERM', 'SIGHUP'] as const) {
      process.removeAllListeners(sig);
      process.once(sig, () => {
        dialogs.stop();
        interrupting();
        void model.shutdown().then(() => {
          restore();
          resolve(sig === 'SIGTERM' ? 143 : 129);
        });
      });
    }

    const interval = Math.max(1, ctx.settings.get('refreshIntervalSeconds')) * 1000;
    const timer = setInterval(() => void model.refresh(), interval);
    view.render(model);
    // For `npm run bench` and the terminal tests: first full paint (every project from the state
    // file on screen), RSS then, and how the terminal was set up; the engine's answer follows.
    const firstPaint = { firstPaintMs: performance.now(), rssBytes: process.memoryUsage().rss, projects: model.statuses.length };
    void model.refresh().then(() => {
      view.render(model);
      const reportFile = process.env.OTTERSTACK_TUI_REPORT_FILE;
      if (reportFile) {
        const tput = (screen as unknown as { tput: { colors: number; unicode: boolean } }).tput;
        fs.writeFileSync(
          reportFile,
          JSON.stringify({ ...firstPaint, engineRefreshMs: performance.now(), colors: tput.colors, unicode: tput.unicode, terminal: setup.terminal }),
        );
      }
    });
  });
}
