import { describe, expect, it } from 'vitest';
import {
  renderLaunchdPlist,
  renderServiceFile,
  renderSystemdUnit,
  type ServiceSpec,
  serviceEnableCommands,
  systemdQuote,
} from './service-file.js';

const spec: ServiceSpec = {
  argv: ['/usr/bin/node', '/opt/wt/bin/worktrain-daemon.js', '--port', '3300'],
  home: '/home/me/.worktrain',
  path: '/usr/local/bin:/usr/bin:/bin',
  stopTimeoutSec: 90,
};

describe('systemd quoting', () => {
  it('doubles % and $ and quotes words with spaces, quotes and backslashes', () => {
    expect(systemdQuote('/opt/node')).toBe('/opt/node');
    expect(systemdQuote('/a b/c')).toBe('"/a b/c"');
    expect(systemdQuote('50%')).toBe('50%%');
    expect(systemdQuote('$HOME')).toBe('$$HOME');
    expect(systemdQuote('say "hi"\\')).toBe('"say \\"hi\\"\\\\"');
    expect(systemdQuote('')).toBe('""');
  });

  it('quotes every word of ExecStart and the Environment values, but not WorkingDirectory', () => {
    const unit = renderSystemdUnit({
      argv: ['/n', '/x y/d.js'],
      home: '/h%1 x',
      path: '/bin',
      stopTimeoutSec: 90,
    });
    expect(unit).toContain('ExecStart=/n "/x y/d.js"');
    expect(unit).toContain('Environment="WORKTRAIN_HOME=/h%%1 x"');
    expect(unit).toContain('WorkingDirectory=/h%%1 x\n');
  });
});

describe('renderServiceFile', () => {
  it('renders a systemd user unit that drains on SIGTERM and restarts on failure', () => {
    const file = renderServiceFile('systemd', spec);
    expect(file.fileName).toBe('worktrain-daemon.service');
    expect(file.content).toBe(renderSystemdUnit(spec));
    expect(file.content.split('\n')).toEqual(
      expect.arrayContaining([
        '[Service]',
        'ExecStart=/usr/bin/node /opt/wt/bin/worktrain-daemon.js --port 3300',
        'Environment=WORKTRAIN_HOME=/home/me/.worktrain',
        'KillSignal=SIGTERM',
        'TimeoutStopSec=90',
        'Restart=on-failure',
        'WantedBy=default.target',
      ]),
    );
  });

  it('renders a launchd agent with XML-escaped values and the daemon.out log', () => {
    const file = renderServiceFile('launchd', { ...spec, home: '/Users/a&b' });
    expect(file.fileName).toBe('dev.worktrain.daemon.plist');
    expect(file.content).toBe(renderLaunchdPlist({ ...spec, home: '/Users/a&b' }));
    expect(file.content).toContain('<key>WORKTRAIN_HOME</key><string>/Users/a&amp;b</string>');
    expect(file.content).toContain('<string>/Users/a&amp;b/logs/daemon.out</string>');
    expect(file.content).toContain('<key>ExitTimeOut</key><integer>90</integer>');
    expect(file.content).toContain('    <string>--port</string>\n    <string>3300</string>');
  });
});

describe('serviceEnableCommands', () => {
  it('reloads and enables the systemd unit, or bootstraps the launchd agent in the gui domain', () => {
    expect(serviceEnableCommands('systemd', '/u/worktrain-daemon.service', 1000)).toEqual([
      ['systemctl', '--user', 'daemon-reload'],
      ['systemctl', '--user', 'enable', '--now', 'worktrain-daemon.service'],
    ]);
    expect(serviceEnableCommands('launchd', '/L/dev.worktrain.daemon.plist', 501)).toEqual([
      ['launchctl', 'bootstrap', 'gui/501', '/L/dev.worktrain.daemon.plist'],
      ['launchctl', 'enable', 'gui/501/dev.worktrain.daemon'],
    ]);
  });
});
