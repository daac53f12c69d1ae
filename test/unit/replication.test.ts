/** The pure parts of replication: the peers document, which rules take a repository, and reading a caught failure's code. */
import { describe, expect, it } from 'vitest';
import { ConfigError, configFromEnv } from '../../shared/config.ts';
import { destinationsFor, ruleMatches } from '../../shared/registry/replication-configuration.ts';
import { failureCodeOf } from '../../shared/replication/job.ts';
import { parsePeers, PeersFileError } from '../../shared/replication/peers.ts';
import { ReplicationFailure } from '../../shared/replication/destination.ts';
import { allStates, loadDefinition } from '../../shared/jobs/local.ts';

const PEER = { region: 'eu-west-1', registryId: '210987654321', endpoint: 'http://127.0.0.1:5001', accessKeyId: 'AKIAREPL000000000001', secretAccessKey: 's' };

describe('the peers document', () => {
  it('reads the issue contract: region, registry id, endpoint and key of each destination', () => {
    expect(parsePeers(JSON.stringify({ peers: [PEER] }))).toEqual([PEER]);
  });

  it.each([
    ['not JSON', '{', /not JSON/],
    ['no peers list', '{}', /"peers" list/],
    ['a bad registry id', JSON.stringify({ peers: [{ ...PEER, registryId: '42' }] }), /registryId must be 12 digits/],
    ['a bad endpoint', JSON.stringify({ peers: [{ ...PEER, endpoint: 'ftp://x' }] }), /http or https/],
    ['no secret', JSON.stringify({ peers: [{ ...PEER, secretAccessKey: '' }] }), /secretAccessKey/],
    ['one destination twice', JSON.stringify({ peers: [PEER, PEER] }), /a second time/],
  ])('refuses %s, saying what is wrong', (_what, text, message) => {
    expect(() => parsePeers(text)).toThrow(PeersFileError);
    expect(() => parsePeers(text)).toThrow(message);
  });

  it('is named by REGISTRY_PEERS_FILE or REGISTRY_PEERS_SECRET_ID, not both', () => {
    expect(configFromEnv({ REGISTRY_PEERS_SECRET_ID: 'peers' }).peersSecretId).toBe('peers');
    expect(() => configFromEnv({ REGISTRY_PEERS_FILE: '/p.json', REGISTRY_PEERS_SECRET_ID: 'peers' })).toThrow(ConfigError);
  });
});

describe('the replication rules', () => {
  const a = { region: 'eu-west-1', registryId: '210987654321' };
  const b = { region: 'us-west-2', registryId: '123456789012' };

  it('take every repository without filters, and with PREFIX_MATCH those whose name starts with a filter', () => {
    expect(ruleMatches({ destinations: [a] }, 'anything')).toBe(true);
    expect(ruleMatches({ destinations: [a], repositoryFilters: [{ filter: 'team', filterType: 'PREFIX_MATCH' }] }, 'team-a/app')).toBe(true);
    expect(ruleMatches({ destinations: [a], repositoryFilters: [{ filter: 'team', filterType: 'PREFIX_MATCH' }] }, 'other/team')).toBe(false);
  });

  it('give each destination once, from every matching rule in order', () => {
    const configuration = {
      rules: [
        { destinations: [a], repositoryFilters: [{ filter: 'x', filterType: 'PREFIX_MATCH' }] },
        { destinations: [b, a] },
        { destinations: [{ region: 'ap-south-1', registryId: '111111111111' }], repositoryFilters: [{ filter: 'y', filterType: 'PREFIX_MATCH' }] },
      ],
    };
    expect(destinationsFor(configuration, 'x/app')).toEqual([a, b]);
    expect(destinationsFor(undefined, 'x/app')).toEqual([]);
  });
});

describe('the failure code of a caught copy error', () => {
  it("reads the code a ReplicationFailure's message opens with, as Step Functions and the local runner pass it", () => {
    const failure = new ReplicationFailure('TAG_IMMUTABLE', 'the tag v1 is immutable there');
    const lambdaCause = JSON.stringify({ errorType: failure.name, errorMessage: failure.message, trace: [] });

    expect(failureCodeOf({ Error: failure.name, Cause: lambdaCause })).toBe('TAG_IMMUTABLE');
    expect(failureCodeOf({ Error: failure.name, Cause: failure.message })).toBe('TAG_IMMUTABLE');
    expect(failureCodeOf({ Error: failure.name, Cause: `${failure.name}: ${failure.message}` })).toBe('TAG_IMMUTABLE');
  });

  it('counts a timeout or an unexpected error as DESTINATION_UNREACHABLE (a later push may succeed)', () => {
    expect(failureCodeOf({ Error: 'States.Timeout', Cause: 'Task timed out' })).toBe('DESTINATION_UNREACHABLE');
    expect(failureCodeOf(undefined)).toBe('DESTINATION_UNREACHABLE');
  });

  it('names a retryable failure ReplicationRetryable and every other ReplicationFailed, as the state machine matches them', () => {
    expect(new ReplicationFailure('DESTINATION_UNREACHABLE', 'x').name).toBe('ReplicationRetryable');
    expect(new ReplicationFailure('ACCESS_DENIED', 'x').name).toBe('ReplicationFailed');
  });
});

describe('the replicate state machine', () => {
  it('retries a copy only on ReplicationRetryable (and Lambda service errors), 4 times from 5 s doubling, and catches the rest into RecordFailure', () => {
    const states = Object.fromEntries(allStates(loadDefinition('replicate'))) as Record<string, any>;

    expect(states.CopyImage.Retry).toHaveLength(1);
    expect(states.CopyImage.Retry[0]).toMatchObject({ IntervalSeconds: 5, MaxAttempts: 4, BackoffRate: 2 });
    expect(states.CopyImage.Retry[0].ErrorEquals).toContain('ReplicationRetryable');
    expect(states.CopyImage.Retry[0].ErrorEquals).not.toContain('ReplicationFailed');
    expect(states.CopyImage.Retry[0].ErrorEquals).not.toContain('States.ALL');
    expect(states.CopyImage.Catch[0]).toMatchObject({ ErrorEquals: ['States.ALL'], Next: 'RecordFailure', ResultPath: '$.error' });
  });
});
