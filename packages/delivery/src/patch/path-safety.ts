/**
 * Is a path from a patch a plain, canonical, repository-relative path? Rules gathered from git's
 * `verify_path` (read-cache.c: no empty, `.` or `..` components, no `.git` in any case, NTFS and HFS+
 * spellings of `.git` — CVE-2014-9390, CVE-2019-1353), OWASP "Path Traversal" (URL and overlong UTF-8
 * encodings) and the PayloadsAllTheThings traversal lists kept under test/fixtures/third-party.
 */

export type PathReasonCode =
  | 'PATH_TRAVERSAL'
  | 'ABSOLUTE_PATH'
  | 'GIT_DIR'
  | 'RESERVED_NAME'
  | 'DECEPTIVE_NAME';

export interface PathReason {
  readonly code: PathReasonCode;
  readonly message: string;
}

/** Characters that look like `/` or `\` (not all are folded by NFKC). */
const SLASH_LOOKALIKES = /[\u2215\u2044\u29f8\u29f5\u2216\u2571\u2572\uff0f\uff3c\ufe68\u3033\u3035\u2f03]/u;
/** Characters that look like `.` (one or two dots). */
const DOT_LOOKALIKES = /[\u2024\u2025\u2026\uff0e\ufe52\u3002\uff61\u0701\u0702\ua4f8\u00b7\u2027]/u;
/** Code points HFS+ ignores when comparing names (git's `is_hfs_dotgit`), plus BOM and bidi controls. */
const IGNORABLE = /[\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]/gu;
const PERCENT = /%(?:[0-9a-f]{2}|u[0-9a-f]{4})/i;
/** Windows device names (Microsoft "Naming Files, Paths, and Namespaces"; git's `is_valid_win32_path`),
 *  with or without an extension: a file called `aux.txt` cannot be checked out on Windows. */
const WINDOWS_DEVICE =
  /^(?:con|prn|aux|nul|com[0-9\u00b9\u00b2\u00b3]|lpt[0-9\u00b9\u00b2\u00b3]|conin\$|conout\$)(?:\..*)?$/i;
/** Invisible and bidirectional control characters: a name that displays differently than it is
 *  (Trojan Source, CVE-2021-42574). */
const DECEPTIVE =
  /\u034f|[\u00ad\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\u3164\ufeff\uffa0]/u;

/**
 * The reasons `path` is unsafe (empty when it is a plain relative path). `nameIssues` are the parser's
 * remarks on how the name was encoded (overlong or invalid UTF-8), which count as traversal attempts.
 */
export function pathReasons(path: string, nameIssues: readonly string[] = []): PathReason[] {
  const reasons: PathReason[] = [];
  const shown = JSON.stringify(path);
  const add = (code: PathReasonCode, message: string): void => {
    if (!reasons.some((r) => r.code === code)) reasons.push({ code, message: `${shown} ${message}` });
  };
  for (const issue of nameIssues) add('PATH_TRAVERSAL', `is not plain UTF-8: ${issue}`);
  if (path === '') add('PATH_TRAVERSAL', 'is empty');
  if (path.startsWith('/') || path.startsWith('\\') || /^[a-z]:/i.test(path) || path.startsWith('~/'))
    add('ABSOLUTE_PATH', 'is absolute, not relative to the repository');
  if (hasControlCharacter(path)) add('PATH_TRAVERSAL', 'contains a control character (NUL, tab, newline …)');
  if (path.includes('\\')) add('PATH_TRAVERSAL', 'contains a backslash (a path separator on Windows)');
  if (PERCENT.test(path))
    add(
      'PATH_TRAVERSAL',
      `contains URL-encoded characters (decodes to ${JSON.stringify(percentDecode(path))})`,
    );
  else if (path.includes('%'))
    add(
      'PATH_TRAVERSAL',
      'contains "%" (a malformed URL escape such as %qf that lax decoders turn into "/")',
    );
  if (path.replace(/^[a-z]:/i, '').includes(':'))
    add('PATH_TRAVERSAL', 'contains ":" (an NTFS alternate data stream, e.g. ".git::$INDEX_ALLOCATION")');
  if (/[?*<>|"]/.test(path))
    add('PATH_TRAVERSAL', 'contains a character Windows forbids in names (? * < > | ")');
  if (SLASH_LOOKALIKES.test(path) || DOT_LOOKALIKES.test(path))
    add('PATH_TRAVERSAL', 'contains a Unicode look-alike of "/", "\\" or "."');
  const folded = path.normalize('NFKC');
  for (const form of [path, folded]) {
    const segments = form.split('/');
    if (segments.includes('..')) add('PATH_TRAVERSAL', 'climbs out of the repository with ".."');
    else if (!path.startsWith('/') && segments.some((s) => s === '' || s === '.'))
      add('PATH_TRAVERSAL', 'is not canonical (empty or "." component)');
    if (segments.some((s) => /^\.{3,}$/.test(s)))
      add('PATH_TRAVERSAL', 'has a component of only dots (Windows reads "..." as "..")');
    else if (segments.some((s) => s.startsWith('..') && s !== '..'))
      add('PATH_TRAVERSAL', 'has a component starting with ".." (lax path joins read it as a climb)');
    else if (segments.some((s) => /[. ]$/.test(s) && s !== '.' && s !== '..'))
      add('PATH_TRAVERSAL', 'has a component ending in a dot or space (Windows drops them)');
    if (segments.some(isGitDirName)) add('GIT_DIR', 'writes into the .git directory');
    if (segments.some(isGitmodulesShortName))
      add('GIT_DIR', 'is an NTFS short name of .gitmodules (submodule URLs and paths)');
    if (segments.some((s) => WINDOWS_DEVICE.test(s.replace(/[. ]+$/, ''))))
      add(
        'RESERVED_NAME',
        'uses a Windows device name (CON, PRN, AUX, NUL, COM1-9, LPT1-9); checkouts on Windows fail',
      );
  }
  if (DECEPTIVE.test(path))
    add(
      'DECEPTIVE_NAME',
      'contains an invisible or bidirectional control character (it displays as another name)',
    );
  return reasons;
}

/** `.git` in any case and in the spellings Windows and macOS treat as `.git` (`GIT~1`, `.git.`, `.git `, ignorables). */
export function isGitDirName(segment: string): boolean {
  const s = segment
    .normalize('NFKC')
    .replace(IGNORABLE, '')
    .toLowerCase()
    .replace(/[. ]+$/, '');
  return s === '.git' || /^git~\d+$/.test(s);
}

/** NTFS 8.3 short names of `.gitmodules` git refuses (`is_ntfs_dotgitmodules`: `gitmod~N`, `gi7eba~N`). */
export function isGitmodulesShortName(segment: string): boolean {
  return /^(?:gitmod|gi7eba)~[1-9]$/i.test(segment.replace(/[. ]+$/, ''));
}

/** Percent-decoding repeated until stable (at most 4 rounds; `%uXXXX` too); for messages only. */
function percentDecode(path: string): string {
  let current = path;
  for (let round = 0; round < 4; round++) {
    const next = current
      .replace(/%u([0-9a-f]{4})/gi, (_m, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)))
      .replace(/%([0-9a-f]{2})/gi, (_m, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
    if (next === current) break;
    current = next;
  }
  return current;
}

function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}
