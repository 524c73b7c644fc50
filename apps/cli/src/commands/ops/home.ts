/** `{ home }` when `--home` was given, else `{}` (the operator commands' options objects). */
export const homeOpt = (home: string | undefined) => (home !== undefined ? { home } : {});
