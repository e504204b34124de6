/** The worker-scoped options that say which board a suite project runs on. */
export interface BoardOptions {
  benchKind: 'virtual' | 'lab';
  boardName: string;
}
