// Every web contents is hardened: navigation stays on app://lab, new windows
// and <webview> are refused, and no permission is ever granted.
import { describe, expect, it } from 'vitest';
import type { WebContents } from 'electron';
import { denyAllPermissions, hardenWebContents } from '../../electron/harden.ts';
import { fakeEvent, FakeSession, FakeWebContents } from './fakes.ts';

function hardened(): FakeWebContents {
  const contents = new FakeWebContents();
  hardenWebContents(contents as unknown as WebContents);
  return contents;
}

/** Emits a navigation event the way Electron 41 does: details event first, then the deprecated positional url. */
function navigate(contents: FakeWebContents, name: string, url: string, style: 'details' | 'positional' = 'details'): boolean {
  const event = fakeEvent(style === 'details' ? { url } : {});
  contents.emit(name, event, url, false, true);
  return event.defaultPrevented;
}

describe('navigation', () => {
  const blocked = [
    'https://evil.example/',
    'http://127.0.0.1:8123/',
    'file:///etc/passwd',
    'app://lab.evil/index.html',
    'app://evil/',
    'javascript:alert(1)',
    'about:blank',
    'data:text/html,hi',
    '',
  ];

  it.each(['will-navigate', 'will-frame-navigate', 'will-redirect'])('%s: denies every URL but app://lab', (name) => {
    const contents = hardened();
    for (const url of blocked) expect(navigate(contents, name, url), url).toBe(true);
    expect(navigate(contents, name, 'app://lab/index.html')).toBe(false);
    expect(navigate(contents, name, 'app://lab/runs/3')).toBe(false);
  });

  it('reads the deprecated positional URL when the event carries none', () => {
    const contents = hardened();
    expect(navigate(contents, 'will-navigate', 'https://evil.example/', 'positional')).toBe(true);
    expect(navigate(contents, 'will-navigate', 'app://lab/index.html', 'positional')).toBe(false);
  });

  it('prefers the event URL over a positional one that disagrees', () => {
    const contents = hardened();
    const event = fakeEvent({ url: 'https://evil.example/' });
    contents.emit('will-navigate', event, 'app://lab/index.html');
    expect(event.defaultPrevented).toBe(true);
  });
});

describe('windows, webviews, permissions', () => {
  it('denies window.open for any URL, including our own', () => {
    const contents = hardened();
    for (const url of ['https://evil.example/', 'app://lab/index.html', 'about:blank'])
      expect(contents.windowOpenHandler!({ url })).toEqual({ action: 'deny' });
  });

  it('prevents <webview> attachment', () => {
    const contents = hardened();
    const event = fakeEvent();
    contents.emit('will-attach-webview', event, { nodeIntegration: true }, { src: 'https://evil.example/' });
    expect(event.defaultPrevented).toBe(true);
  });

  it('denies every permission request and check on the contents session', () => {
    const contents = hardened();
    const answers: boolean[] = [];
    for (const permission of ['media', 'notifications', 'geolocation', 'openExternal', 'fileSystem'])
      contents.session.requestHandler!(contents, permission, (granted) => answers.push(granted), {});
    expect(answers).toEqual([false, false, false, false, false]);
    expect(contents.session.checkHandler!(contents, 'media', 'app://lab', {})).toBe(false);
  });

  it('denyAllPermissions sets both handlers on a session', () => {
    const session = new FakeSession();
    denyAllPermissions(session as never);
    expect(session.requestHandler).toBeTypeOf('function');
    expect(session.checkHandler!()).toBe(false);
  });
});
