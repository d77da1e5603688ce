import path from 'node:path';

/**
 * What a path of a release is, judged by git (docs/compose-files.md): content tracked at that
 * release, a folder holding only placeholders (`.gitkeep`…, the usual way to commit an empty data
 * folder), or absent. Pure: built from `git ls-tree -r --name-only` output; unit-tested.
 */
export type TrackedKind = 'content' | 'placeholder' | 'absent';

const PLACEHOLDERS = new Set(['.gitkeep', '.keep', '.gitignore', '.placeholder', '.empty']);

export class TrackedPaths {
  /** Every tracked file, and every folder above one: true when it holds real content. */
  private readonly kinds = new Map<string, boolean>();

  constructor(files: Iterable<string>) {
    for (const file of files) {
      const content = !PLACEHOLDERS.has(path.posix.basename(file));
      this.kinds.set(file, content);
      for (let dir = path.posix.dirname(file); ; dir = path.posix.dirname(dir)) {
        this.kinds.set(dir, content || (this.kinds.get(dir) ?? false));
        if (dir === '.') break;
      }
    }
  }

  /** `rel`: relative to the repository root, '.' for the root itself. */
  kind(rel: string): TrackedKind {
    const known = this.kinds.get(path.posix.normalize(rel).replace(/(.)\/+$/, '$1'));
    return known === undefined ? 'absent' : known ? 'content' : 'placeholder';
  }
}
