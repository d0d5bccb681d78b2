/** manifest.yml must create the app in one paste: checked against the manifest schema's rules. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { SLASH_COMMAND } from '../src/slack/command-grammar.js';

const manifest = parse(readFileSync(resolve(import.meta.dirname, '../manifest.yml'), 'utf8'));

describe('manifest.yml', () => {
  it('has valid display information', () => {
    const info = manifest.display_information;
    expect(info.name.length).toBeGreaterThanOrEqual(1);
    expect(info.name.length).toBeLessThanOrEqual(35);
    expect(info.description.length).toBeLessThanOrEqual(140);
    expect(info.long_description.length).toBeGreaterThanOrEqual(175);
    expect(info.long_description.length).toBeLessThanOrEqual(4000);
    expect(info.background_color).toMatch(/^#[0-9a-f]{6}$/i);
  });

  it('declares a bot user, the App Home tab and the /slots command', () => {
    expect(manifest.features.bot_user.display_name.length).toBeGreaterThan(0);
    expect(manifest.features.app_home.home_tab_enabled).toBe(true);
    const [command, ...others] = manifest.features.slash_commands;
    expect(others).toHaveLength(0);
    expect(command.command).toBe(SLASH_COMMAND);
    expect(command.description.length).toBeGreaterThan(0);
    expect(command.usage_hint).toContain('status');
    expect(command.url).toBeUndefined();
  });

  it('asks for exactly the bot scopes the product needs', () => {
    expect([...manifest.oauth_config.scopes.bot].sort()).toEqual(
      ['chat:write', 'chat:write.public', 'commands', 'usergroups:read', 'users:read'].sort(),
    );
    expect(manifest.oauth_config.scopes.user).toBeUndefined();
  });

  it('turns on Socket Mode, interactivity and the Home tab event', () => {
    expect(manifest.settings.socket_mode_enabled).toBe(true);
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
    expect(manifest.settings.event_subscriptions.bot_events).toEqual(['app_home_opened']);
    expect(manifest._metadata.major_version).toBe(1);
  });
});
