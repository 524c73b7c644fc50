/**
 * Service definitions that run `worktrain-daemon` under the user's service manager: a systemd user unit
 * (Linux) or a launchd agent (macOS), and the commands that enable them. Pure text rendering; writing the
 * file and running the commands is the caller's (`worktrain daemon install`).
 */
import { join } from 'node:path';

export type ServicePlatform = 'systemd' | 'launchd';
export const SERVICE_PLATFORMS: readonly ServicePlatform[] = ['systemd', 'launchd'];

/** systemd unit name and launchd label of the daemon. */
export const SYSTEMD_UNIT = 'worktrain-daemon.service';
export const LAUNCHD_LABEL = 'dev.worktrain.daemon';

/** What the service runs and with which environment. */
export interface ServiceSpec {
  /** The command line: absolute node binary, absolute `worktrain-daemon` script, options. */
  readonly argv: readonly string[];
  /** `WORKTRAIN_HOME` (absolute). */
  readonly home: string;
  /** `PATH` for the daemon (and the agent's commands: git, node, the repo's tools). */
  readonly path: string;
  /** Seconds the service manager waits after SIGTERM (the daemon drains first). */
  readonly stopTimeoutSec: number;
}

/**
 * Quotes one word of a systemd command line or `Environment=` value: `%` is a specifier and `$` a variable
 * reference in unit files (systemd.unit(5), systemd.service(5) "Command lines"), so they are doubled; words
 * with spaces, quotes or backslashes are double-quoted with C-style escapes.
 */
export function systemdQuote(word: string): string {
  const escaped = word.replaceAll('%', '%%').replaceAll('$', '$$$$');
  return /[\s"'\\]/.test(escaped) || escaped === ''
    ? `"${escaped.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`
    : escaped;
}

/** The systemd user unit (`~/.config/systemd/user/worktrain-daemon.service`). */
export function renderSystemdUnit(spec: ServiceSpec): string {
  return [
    '# Written by `worktrain daemon install`; run it again to update this file.',
    `# Stop and remove: systemctl --user disable --now ${SYSTEMD_UNIT} && rm <this file>`,
    '[Unit]',
    `Description=WorkTrain daemon (WORKTRAIN_HOME=${spec.home.replaceAll('%', '%%')})`,
    'After=network-online.target',
    'Wants=network-online.target',
    '',
    '[Service]',
    'Type=simple',
    `Environment=${systemdQuote(`WORKTRAIN_HOME=${spec.home}`)}`,
    `Environment=${systemdQuote(`PATH=${spec.path}`)}`,
    // A path setting, not a command line: taken verbatim (spaces allowed, no quotes), only specifiers expand.
    `WorkingDirectory=${spec.home.replaceAll('%', '%%')}`,
    `ExecStart=${spec.argv.map(systemdQuote).join(' ')}`,
    // SIGTERM drains running sessions (drainTimeoutMs); give it that long before SIGKILL.
    'KillSignal=SIGTERM',
    'KillMode=mixed',
    `TimeoutStopSec=${spec.stopTimeoutSec}`,
    'Restart=on-failure',
    'RestartSec=5',
    '',
    '[Install]',
    'WantedBy=default.target',
    '',
  ].join('\n');
}

const xml = (s: string): string =>
  s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

/** The launchd agent (`~/Library/LaunchAgents/dev.worktrain.daemon.plist`), see launchd.plist(5). */
export function renderLaunchdPlist(spec: ServiceSpec): string {
  const logs = join(spec.home, 'logs', 'daemon.out');
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    '<!-- Written by `worktrain daemon install`; run it again to update this file. -->',
    '<plist version="1.0">',
    '<dict>',
    `  <key>Label</key><string>${LAUNCHD_LABEL}</string>`,
    '  <key>ProgramArguments</key>',
    '  <array>',
    ...spec.argv.map((a) => `    <string>${xml(a)}</string>`),
    '  </array>',
    '  <key>EnvironmentVariables</key>',
    '  <dict>',
    `    <key>WORKTRAIN_HOME</key><string>${xml(spec.home)}</string>`,
    `    <key>PATH</key><string>${xml(spec.path)}</string>`,
    '  </dict>',
    `  <key>WorkingDirectory</key><string>${xml(spec.home)}</string>`,
    '  <key>RunAtLoad</key><true/>',
    '  <key>KeepAlive</key><dict><key>SuccessfulExit</key><false/></dict>',
    `  <key>ExitTimeOut</key><integer>${spec.stopTimeoutSec}</integer>`,
    `  <key>StandardOutPath</key><string>${xml(logs)}</string>`,
    `  <key>StandardErrorPath</key><string>${xml(logs)}</string>`,
    '</dict>',
    '</plist>',
    '',
  ].join('\n');
}

/** A rendered service definition: its file name (in the platform's user directory) and its text. */
export interface ServiceFile {
  readonly fileName: string;
  readonly content: string;
}

/** The unit (systemd) or agent plist (launchd) for `spec`, with its file name. */
export function renderServiceFile(platform: ServicePlatform, spec: ServiceSpec): ServiceFile {
  return platform === 'systemd'
    ? { fileName: SYSTEMD_UNIT, content: renderSystemdUnit(spec) }
    : { fileName: `${LAUNCHD_LABEL}.plist`, content: renderLaunchdPlist(spec) };
}

/**
 * The commands (argv each) that load, enable and start the service written at `file`: `systemctl --user
 * daemon-reload` + `enable --now`, or `launchctl bootstrap gui/<uid>` + `enable` (launchctl(1)).
 */
export function serviceEnableCommands(platform: ServicePlatform, file: string, uid: number): string[][] {
  return platform === 'systemd'
    ? [
        ['systemctl', '--user', 'daemon-reload'],
        ['systemctl', '--user', 'enable', '--now', SYSTEMD_UNIT],
      ]
    : [
        ['launchctl', 'bootstrap', `gui/${uid}`, file],
        ['launchctl', 'enable', `gui/${uid}/${LAUNCHD_LABEL}`],
      ];
}
