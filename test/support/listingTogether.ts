import type { BlobStore } from '../../src/ports/blobStore.ts';

/**
 * The store, except that `list` answers only once `parties` callers have listed, each with
 * what was there before any of them went on. Landings started together then all see a name
 * free and race for it in the store's conditional write: the race that matters, every time,
 * instead of whenever the scheduler happens to interleave them so.
 */
export function listingTogether(store: BlobStore, parties: number): BlobStore {
  let arrived = 0;
  let open: () => void = () => {};
  const everyoneListed = new Promise<void>((resolve) => {
    open = resolve;
  });
  return {
    list: async (prefix) => {
      const listed = await store.list(prefix);
      arrived += 1;
      if (arrived >= parties) open();
      await everyoneListed;
      return listed;
    },
    listIncompleteUploads: (prefix) => store.listIncompleteUploads(prefix),
    read: (uri) => store.read(uri),
    readFrom: (uri, start) => store.readFrom(uri, start),
    upload: (localPath, uri) => store.upload(localPath, uri),
    uploadIfAbsent: (localPath, uri) => store.uploadIfAbsent(localPath, uri),
    copy: (fromUri, toUri) => store.copy(fromUri, toUri),
    putText: (uri, text) => store.putText(uri, text),
    putTextIfAbsent: (uri, text) => store.putTextIfAbsent(uri, text),
    getText: (uri) => store.getText(uri),
    deletePrefix: (prefix) => store.deletePrefix(prefix),
  };
}
