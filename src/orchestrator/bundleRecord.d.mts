/** What a cached bundle was built from, written beside it once it is complete. */
export interface BundleRecord {
  /** When the build started: a file changed after that may not be in the bundle. */
  readonly builtAt: number;
  /** Repository-relative paths of every file the bundle was built from, and the lockfile. */
  readonly inputs: readonly string[];
  /** The entry file, relative to the record's folder. */
  readonly entry: string;
}

export function freshBundleRecord(root: string, recordPath: string): Promise<BundleRecord | undefined>;
