/** Entry point of the full-screen TUI. */
export async function runTui(_args: string[]): Promise<number> {
  process.stderr.write("otterstack: the interactive dashboard is not available in this build; use 'otterstack --headless <command>' (see --help)\n");
  return 2;
}
