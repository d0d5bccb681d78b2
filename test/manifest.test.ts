/**
 * manifest.yml (Socket Mode) and manifest.http.yml (HTTP mode) must each create the app in one
 * paste, differ only in transport, and ask for exactly the bot scopes the code needs: the Web
 * API methods are found by scanning src/, so a scope nothing uses, or a method no scope covers,
 * fails here.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { WebClient } from '@slack/web-api';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { EVENTS_PATH } from '../src/slack/app.js';
import { SLASH_COMMAND } from '../src/slack/command-grammar.js';
import { botSources } from './helpers/bot-sources.js';

const ROOT = resolve(import.meta.dirname, '..');

interface Manifest {
  _metadata: { major_version: number };
  display_information: Record<string, string>;
  features: {
    bot_user: { display_name: string };
    app_home: Record<string, boolean>;
    slash_commands: { command: string; description: string; usage_hint?: string; url?: string }[];
  };
  oauth_config: { scopes: { bot: string[]; user?: string[] } };
  settings: {
    socket_mode_enabled: boolean;
    interactivity: { is_enabled: boolean; request_url?: string };
    event_subscriptions: { request_url?: string; bot_events: string[] };
    org_deploy_enabled: boolean;
    token_rotation_enabled: boolean;
  };
}

const read = (file: string) => parse(readFileSync(join(ROOT, file), 'utf8')) as Manifest;
const socket = read('manifest.yml');
const http = read('manifest.http.yml');
const MANIFESTS = [
  ['manifest.yml', socket],
  ['manifest.http.yml', http],
] as const;

/** The request URL a fresh HTTP-mode app points at; the README tells people to replace the host. */
const HTTP_URL = `https://YOUR-HOST${EVENTS_PATH}`;

/**
 * Bot scopes per Web API method (each method's "Required scopes" on docs.slack.dev; views.* and
 * auth.test need none). A method found in src/ that is missing here fails the test: look its
 * scope up and add it, with the scope to the manifests.
 */
const METHOD_SCOPES: Readonly<Record<string, readonly string[]>> = {
  'auth.test': [],
  'bots.info': ['users:read'],
  'chat.postMessage': ['chat:write'],
  'chat.postEphemeral': ['chat:write'],
  'chat.update': ['chat:write'],
  'views.open': [],
  'views.update': [],
  'views.push': [],
  'views.publish': [],
  'usergroups.users.list': ['usergroups:read'],
};

/**
 * Scopes that unlock something other than a method: `commands` makes the declared slash command
 * reach the app, and `chat:write.public` lets chat.postMessage reach SLOTS_CHANNEL, a public
 * channel, without anyone inviting the bot first.
 */
const CAPABILITY_SCOPES = ['commands', 'chat:write.public'];

/**
 * Every call through a dotted chain (`deps.slack.chat.postMessage(`) whose longest tail naming a
 * method of the real WebClient is taken as the method (`chat.postMessage`), plus any
 * `apiCall('family.method')`. Asking WebClient keeps look-alikes (`views.bySecond.get`) out
 * without a hand-kept list of families, and the longest tail keeps `usergroups.users.list` from
 * also counting as `users.list`.
 */
function webApiMethodsUsed(): Map<string, string[]> {
  const client = new WebClient() as unknown as Record<string, unknown>;
  // WebClient also holds its own helpers (a logger, a request queue); they are not Slack's API.
  const NOT_API = new Set(['logger']);
  const isMethod = (parts: readonly string[]) => {
    if (NOT_API.has(parts[0]!) || !/^[a-z]+$/.test(parts[0]!)) return false;
    let node: unknown = client;
    for (const part of parts) node = (node as Record<string, unknown> | undefined)?.[part];
    return typeof node === 'function';
  };
  const used = new Map<string, string[]>();
  const add = (name: string, file: string) =>
    used.set(name, [...new Set([...(used.get(name) ?? []), file])]);
  for (const [file, text] of botSources()) {
    for (const [, chain] of text.matchAll(/([A-Za-z_$][\w$]*(?:\??\.[A-Za-z_$][\w$]*)+)\s*\(/g)) {
      const parts = chain!.replaceAll('?', '').split('.');
      for (let from = 0; from <= parts.length - 2; from++) {
        if (isMethod(parts.slice(from))) {
          add(parts.slice(from).join('.'), file);
          break;
        }
      }
    }
    for (const [, name] of text.matchAll(/\bapiCall\(\s*['"]([a-z]+(?:\.[a-zA-Z]+)+)['"]/g)) {
      add(name!, file);
    }
  }
  return used;
}

describe.each(MANIFESTS)('%s', (_file, manifest) => {
  it('has valid display information', () => {
    const info = manifest.display_information;
    expect(info.name!.length).toBeGreaterThanOrEqual(1);
    expect(info.name!.length).toBeLessThanOrEqual(35);
    expect(info.description!.length).toBeLessThanOrEqual(140);
    expect(info.long_description!.length).toBeGreaterThanOrEqual(175);
    expect(info.long_description!.length).toBeLessThanOrEqual(4000);
    expect(info.background_color).toMatch(/^#[0-9a-f]{6}$/i);
    expect(manifest._metadata.major_version).toBe(1);
  });

  it('declares a bot user and the /slots command', () => {
    expect(manifest.features.bot_user.display_name.length).toBeGreaterThan(0);
    const [command, ...others] = manifest.features.slash_commands;
    expect(others).toHaveLength(0);
    expect(command!.command).toBe(SLASH_COMMAND);
    expect(command!.description.length).toBeGreaterThan(0);
    expect(command!.description.length).toBeLessThanOrEqual(2000);
    expect(command!.usage_hint).toContain('status');
  });

  it('turns on the Home tab, and the Messages tab read-only for direct messages to requesters', () => {
    expect(manifest.features.app_home).toEqual({
      home_tab_enabled: true,
      messages_tab_enabled: true,
      messages_tab_read_only_enabled: true,
    });
  });

  it('turns on interactivity and the Home tab event, and leaves token rotation off', () => {
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
    expect(manifest.settings.event_subscriptions.bot_events).toEqual(['app_home_opened']);
    // slots-bot never refreshes its token: a rotating one would stop working within 12 hours.
    expect(manifest.settings.token_rotation_enabled).toBe(false);
    expect(manifest.settings.org_deploy_enabled).toBe(false);
  });

  it('asks for exactly the bot scopes the code uses, and no user scopes', () => {
    const used = webApiMethodsUsed();
    const unmapped = [...used.keys()].filter((m) => !(m in METHOD_SCOPES));
    expect(unmapped, 'Web API methods with no entry in METHOD_SCOPES').toEqual([]);
    const needed = new Set([
      ...CAPABILITY_SCOPES,
      ...[...used.keys()].flatMap((m) => METHOD_SCOPES[m] ?? []),
    ]);
    expect([...manifest.oauth_config.scopes.bot].sort()).toEqual([...needed].sort());
    expect(manifest.oauth_config.scopes.user).toBeUndefined();
  });
});

describe('the scan of Web API methods', () => {
  it('finds the calls the bot is known to make, and nothing that is not a method', () => {
    const used = [...webApiMethodsUsed().keys()];
    for (const method of [
      'auth.test',
      'chat.postMessage',
      'chat.update',
      'views.open',
      'views.publish',
      'usergroups.users.list',
    ]) {
      expect(used, method).toContain(method);
    }
    expect(used).not.toContain('users.list');
  });
});

describe('the two manifests', () => {
  it('differ only in transport: same app, command, scopes and events', () => {
    const { slash_commands: socketCommands, ...socketFeatures } = socket.features;
    const { slash_commands: httpCommands, ...httpFeatures } = http.features;
    expect(httpFeatures).toEqual(socketFeatures);
    expect(http.display_information).toEqual(socket.display_information);
    expect(http.oauth_config).toEqual(socket.oauth_config);
    expect(httpCommands.map(({ url: _url, ...c }) => c)).toEqual(socketCommands);
    expect(http.settings.event_subscriptions.bot_events).toEqual(
      socket.settings.event_subscriptions.bot_events,
    );
  });

  it('manifest.yml uses Socket Mode, with no request URL anywhere', () => {
    expect(socket.settings.socket_mode_enabled).toBe(true);
    expect(socket.features.slash_commands[0]!.url).toBeUndefined();
    expect(socket.settings.interactivity.request_url).toBeUndefined();
    expect(socket.settings.event_subscriptions.request_url).toBeUndefined();
  });

  it('manifest.http.yml sends the command, clicks and events to /slack/events', () => {
    expect(http.settings.socket_mode_enabled).toBe(false);
    expect(http.features.slash_commands[0]!.url).toBe(HTTP_URL);
    expect(http.settings.interactivity.request_url).toBe(HTTP_URL);
    expect(http.settings.event_subscriptions.request_url).toBe(HTTP_URL);
  });
});
